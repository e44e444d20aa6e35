package files

import (
	"bytes"
	"fmt"
	"io/fs"
	"time"

	"pipehttp/parser"
	"pipehttp/response"
)

// Handler serves /files/{name}.
//
//	GET   200 application/octet-stream, the file (sent by the writer with sendfile)
//	HEAD  200, the same head with HeadOnly set
//	POST  201, empty body: the request body stored atomically as name
//	      (411 without Content-Length or chunked framing)
//	other 405, Allow: GET, HEAD, POST
//
// {name} is the rest of the path, percent-decoded exactly once ("%252e" is
// the literal file "%2e"). Subdirectories work if they exist; POST does not
// create them. Errors answer with an empty body and the status from
// [Status]: 400 bad escape; 403 a name leaving the directory, a NUL byte, a
// directory or other non-regular file, permission denied; 404 not found;
// 500 anything else. The error text never reaches the client; see OnError.
//
// For HEAD the file is opened as for GET and left in resp.File with HeadOnly
// set: response.ContentLength reports FileSize only while File is set, and
// the writer releases (closes) it without sending a byte. That costs an open
// and a close, and keeps one code path for both methods.
type Handler struct {
	// Store is where files are read and written. Required.
	Store *Store

	// Delay makes every file operation take at least this long, measured
	// from the start of Serve, by sleeping the remainder once it is done:
	// a slow-disk simulation (--files-delay). Zero means none.
	Delay time.Duration

	// OnError, if set, is called with every error Serve answers, before the
	// response is filled (for logging; the client sees only the status).
	// It runs on the file worker and must not retain req's bytes.
	OnError func(req *parser.Request, status int, err error)
}

const allowFiles = "GET, HEAD, POST"

// Serve handles GET, HEAD and POST on /files/{name}; req.Path starts with
// "/files/". It fills resp, which must be freshly reset, and blocks on disk
// I/O (and on Delay), which is why it runs on the file pool.
func (h *Handler) Serve(req *parser.Request, resp *response.Response) {
	if h.Delay > 0 {
		defer sleepUntil(time.Now().Add(h.Delay))
	}
	resp.HeadOnly = req.MethodIs("HEAD")
	if err := h.serve(req, resp); err != nil {
		h.fail(req, resp, err)
	}
}

// serve fills resp for a success (including 405) or returns the error to
// answer; on error resp may be partly filled.
func (h *Handler) serve(req *parser.Request, resp *response.Response) error {
	if !req.MethodIs("GET") && !req.MethodIs("HEAD") && !req.MethodIs("POST") {
		resp.Status = 405
		resp.Body = resp.Body[:0]
		resp.Fields = append(resp.Fields, response.Field{Name: "Allow", Value: allowFiles})
		return nil
	}
	escaped, ok := bytes.CutPrefix(req.Path, []byte("/files/"))
	if !ok {
		return fmt.Errorf("path %q: %w", req.Path, fs.ErrNotExist)
	}
	name, err := decodeName(escaped)
	if err != nil {
		return err
	}
	resp.Body = resp.Body[:0]
	if req.MethodIs("POST") {
		if req.ContentLength < 0 && !req.Chunked {
			return fmt.Errorf("POST %q: %w", name, ErrLengthRequired)
		}
		if err := h.Store.Put(name, req.Body); err != nil {
			return err
		}
		resp.Status = 201
		return nil
	}
	f, fi, err := h.Store.Get(name)
	if err != nil {
		return err
	}
	resp.Status = 200
	resp.ContentType = "application/octet-stream"
	resp.File = f
	resp.FileOffset = 0
	resp.FileSize = fi.Size()
	return nil
}

// sleepUntil sleeps until t, if it is still ahead.
func sleepUntil(t time.Time) {
	if d := time.Until(t); d > 0 {
		time.Sleep(d)
	}
}
