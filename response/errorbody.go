package response

import "strconv"

// ErrorForm is the body an error answer carries. The choice is the
// caller's (see router.ErrorFormFor): the form depends on what the client
// accepts and on the server's mode.
type ErrorForm uint8

const (
	// NoErrorBody sends the status alone, with "Content-Length: 0": the
	// classic routes' exact contract, for clients that check it.
	NoErrorBody ErrorForm = iota
	// TextErrorBody sends one line, "404 Not Found\n", as text/plain.
	TextErrorBody
	// HTMLErrorBody sends a minimal HTML page naming the status, so that a
	// browser does not show an empty white page.
	HTMLErrorBody
)

// Error makes r an error answer with status and a body of the given form.
// It closes and drops r's file and parts and replaces its body, Content-Type
// and Content-Encoding; it keeps Fields and Vary, so a caller adds Allow,
// Retry-After or Content-Range before or after. The body is short, names
// only the status (never an internal error's text), and is appended to
// r.Body's own capacity: once warm, Error allocates nothing.
func (r *Response) Error(status int, form ErrorForm) {
	r.Release()
	clear(r.Parts)
	r.Parts = r.Parts[:0]
	r.FileOffset, r.FileSize = 0, 0
	r.Status = status
	r.ContentEncoding = ""
	r.ContentType = ""
	body := r.Body[:0]
	switch form {
	case TextErrorBody:
		r.ContentType = "text/plain; charset=utf-8"
		body = appendStatus(body, status)
		body = append(body, '\n')
	case HTMLErrorBody:
		r.ContentType = "text/html; charset=utf-8"
		body = append(body, "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>"...)
		body = appendStatus(body, status)
		body = append(body, "</title></head>\n<body><h1>"...)
		body = appendStatus(body, status)
		body = append(body, "</h1></body></html>\n"...)
	}
	r.Body = body
}

// appendStatus appends "404 Not Found". Reason phrases are fixed ASCII
// words, so the result needs no escaping in HTML.
func appendStatus(b []byte, status int) []byte {
	b = strconv.AppendInt(b, int64(status), 10)
	b = append(b, ' ')
	return append(b, StatusText(status)...)
}
