// Package static serves a directory tree as a web site: the static mode of
// pipehttp (--root DIR, or just "pipehttp DIR"), a drop-in replacement for
// "python3 -m http.server" with real HTTP semantics.
//
// A [Handler] maps GET and HEAD requests onto the tree, confined with
// [os.Root]: index.html for directories, an HTML or JSON listing otherwise,
// Content-Type from the extension or the first bytes, strong ETags and
// Last-Modified with the conditional requests of RFC 9110 §13, byte ranges
// (RFC 9110 §14) including multipart/byteranges — both by package content,
// which /files/ shares — and gzip (a precompressed ".gz" sibling, or
// compression on the fly for files up to a bound, cached). File bodies,
// ranges and parts included, leave by sendfile.
//
// Everything here is synchronous and blocks on disk I/O; the pipeline runs
// it on its fixed file-I/O pool. Nothing here starts a goroutine.
package static
