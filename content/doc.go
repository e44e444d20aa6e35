// Package content answers conditional and range requests for one
// representation of a file: the rules of RFC 9110 §13 (If-Match,
// If-Unmodified-Since, If-None-Match, If-Modified-Since, evaluated in the
// order of §13.2.2) and §14 (Range, If-Range, 206, 416,
// multipart/byteranges), with strong ETags and Last-Modified (§8.8).
//
// The static site handler and the /files/ handler both answer through
// [Answer], so a download resumed with "curl -C -" or "wget -c" behaves the
// same on either; there is one implementation of these rules, not two.
// Nothing here blocks or starts a goroutine.
package content
