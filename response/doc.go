// Package response describes an HTTP/1.1 response and serializes its head.
//
// A [Response] is plain data filled by the router and file handlers and
// written by the pipeline's write stage: a status, a few well-known header
// values, extra fields, and a body that is either bytes in memory or an open
// file to be sent with sendfile. Serialization appends to a caller's buffer
// and allocates nothing.
package response
