package response

import (
	"os"
	"strconv"
)

// Field is an extra header field to send, e.g. {"Retry-After", "1"}.
type Field struct {
	Name, Value string
}

// Response is one response to one request.
//
// Content-Length is always sent (computed from Body or FileSize) unless the
// status forbids a body (1xx, 204, 304). The Date header is added by the
// writer. Connection handling is the pipeline's: it sets Close or KeepAlive
// from the request and the server's state.
type Response struct {
	Status          int
	ContentType     string // "" omits the field
	ContentEncoding string // "" omits the field
	Vary            string // "" omits the field
	Fields          []Field

	// Body is sent as is when File is nil. Set it with SetSharedBody when
	// the bytes are shared with other responses (a cache entry).
	Body []byte
	// File, when non-nil, is sent from FileOffset for FileSize bytes (with
	// sendfile where possible); the writer closes it after sending.
	File       *os.File
	FileOffset int64
	FileSize   int64

	// Parts, when not empty, is the body in pieces (multipart/byteranges):
	// each is either bytes in memory or, when Data is nil, Size bytes of
	// File from Offset. Body, FileOffset and FileSize are then ignored; File
	// is still closed by Release.
	Parts []Part

	// HeadOnly sends the head with the Content-Length of the body but not the
	// body itself (HEAD requests, RFC 9110 §9.3.2).
	HeadOnly bool

	// Close adds "Connection: close"; the pipeline then closes the
	// connection after writing this response. KeepAlive adds
	// "Connection: keep-alive" (for HTTP/1.0 clients that asked for it).
	Close     bool
	KeepAlive bool

	// shared says Body belongs to someone else (SetSharedBody): Reset,
	// Release and Error drop it instead of reusing its capacity.
	shared bool
}

// Part is one piece of a body sent in Parts.
type Part struct {
	Data         []byte
	Offset, Size int64
}

// Len is the number of body bytes the part holds.
func (p Part) Len() int64 {
	if p.Data != nil {
		return int64(len(p.Data))
	}
	return p.Size
}

// Reset clears r for reuse, keeping the capacity of Fields, Body and Parts
// (but not of a shared body).
func (r *Response) Reset() {
	r.dropShared()
	clear(r.Parts)
	*r = Response{Fields: r.Fields[:0], Body: r.Body[:0], Parts: r.Parts[:0]}
}

// ContentLength is the length of the body this response describes.
func (r *Response) ContentLength() int64 {
	switch {
	case len(r.Parts) > 0:
		var n int64
		for _, p := range r.Parts {
			n += p.Len()
		}
		return n
	case r.File != nil:
		return r.FileSize
	}
	return int64(len(r.Body))
}

// HasBody reports whether the status allows a body (RFC 9110 §6.4.1).
func HasBody(status int) bool {
	return status >= 200 && status != 204 && status != 304
}

// Release closes the response's file, if any. The writer calls it once the
// response has been sent or abandoned.
//
// A shared body (SetSharedBody) is dropped too, so that no later reuse of
// r appends into bytes that other responses are still sending.
func (r *Response) Release() {
	r.dropShared()
	if r.File != nil {
		r.File.Close()
		r.File = nil
	}
}

// AppendHead appends the status line and header section, ending with the
// empty line, to dst. date is the preformatted IMF-fixdate (see Clock).
func (r *Response) AppendHead(dst, date []byte) []byte {
	dst = append(dst, "HTTP/1.1 "...)
	dst = strconv.AppendInt(dst, int64(r.Status), 10)
	dst = append(dst, ' ')
	dst = append(dst, StatusText(r.Status)...)
	dst = append(dst, "\r\nDate: "...)
	dst = append(dst, date...)
	dst = append(dst, "\r\n"...)
	if r.ContentType != "" {
		dst = appendField(dst, "Content-Type", r.ContentType)
	}
	if r.ContentEncoding != "" {
		dst = appendField(dst, "Content-Encoding", r.ContentEncoding)
	}
	if r.Vary != "" {
		dst = appendField(dst, "Vary", r.Vary)
	}
	for _, f := range r.Fields {
		dst = appendField(dst, f.Name, f.Value)
	}
	if HasBody(r.Status) {
		dst = append(dst, "Content-Length: "...)
		dst = strconv.AppendInt(dst, r.ContentLength(), 10)
		dst = append(dst, "\r\n"...)
	}
	switch {
	case r.Close:
		dst = append(dst, "Connection: close\r\n"...)
	case r.KeepAlive:
		dst = append(dst, "Connection: keep-alive\r\n"...)
	}
	return append(dst, "\r\n"...)
}

func appendField(dst []byte, name, value string) []byte {
	dst = append(dst, name...)
	dst = append(dst, ": "...)
	dst = append(dst, value...)
	return append(dst, "\r\n"...)
}

// SetSharedBody makes b the body without copying it. b must never change
// again: other responses, and a cache, may hold the same bytes. r forgets
// b at its next Reset, Release or Error instead of reusing its capacity,
// which is what keeps the bytes unchanged; everything that recycles
// responses goes through one of those.
func (r *Response) SetSharedBody(b []byte) {
	r.Body = b
	r.shared = true
}

// dropShared forgets a shared body.
func (r *Response) dropShared() {
	if r.shared {
		r.Body = nil
		r.shared = false
	}
}
