package files

import (
	"bytes"
	"fmt"
	"io"
	"io/fs"
	"time"

	"pipehttp/content"
	"pipehttp/parser"
	"pipehttp/response"
	"pipehttp/router"
)

// Handler serves /files/{name}.
//
//	GET   200 application/octet-stream, the file (sent by the writer with sendfile);
//	      conditional and range requests as the static handler answers them (package content):
//	      ETag, Last-Modified, Accept-Ranges; 304, 412; 206 (one range, or multipart/byteranges); 416
//	HEAD  the head GET would get (Range aside), with HeadOnly set
//	POST  201, empty body: the request body stored atomically as name
//	PUT   201 Created when name did not exist, 204 No Content when it was replaced; same storage as POST
//	      (POST and PUT: 411 without Content-Length or chunked framing; 405 when ReadOnly)
//	other 405, Allow: GET, HEAD, POST, PUT (GET, HEAD when ReadOnly)
//
// {name} is the rest of the path, percent-decoded exactly once ("%252e" is
// the literal file "%2e"). Subdirectories work if they exist; uploads do
// not create them. Names of upload temp files (IsTempName) are refused
// (403) for every method.
//
// Errors answer with the status from [Status] — 400 bad escape; 403 a name
// leaving the directory, a NUL byte, a directory or other non-regular
// file, permission denied, a read-only filesystem; 404 not found; 411; 414;
// 507 disk full or over quota; 500 anything else — and the body
// router.ErrorFormFor chooses (with TextErrors for static mode). The error
// text never reaches the client; see OnError.
//
// For HEAD the file is opened as for GET and left in resp.File with HeadOnly
// set: response.ContentLength reports FileSize only while File is set, and
// the writer releases (closes) it without sending a byte. That costs an open
// and a close, and keeps one code path for both methods.
type Handler struct {
	// Store is where files are read and written. Required.
	Store *Store

	// ReadOnly refuses uploads: POST and PUT get 405 with
	// "Allow: GET, HEAD". Default false (uploads on: the classic server).
	ReadOnly bool

	// TextErrors gives error answers a plain-text body even for a client
	// that does not ask for HTML (static mode; see router.ErrorFormFor).
	// Default false: the classic contract, an empty body.
	TextErrors bool

	// Delay makes every file operation take at least this long, measured
	// from the start of Serve, by sleeping the remainder once it is done:
	// a slow-disk simulation (--files-delay). Zero means none.
	Delay time.Duration

	// OnError, if set, is called with every error Serve answers, before the
	// response is filled (for logging; the client sees only the status).
	// It runs on the file worker and must not retain req's bytes.
	OnError func(req *parser.Request, status int, err error)

	// Cache, if set, keeps small files in memory: Serve fills it, and
	// ServeCached answers from it without touching the disk. Default nil:
	// every GET opens the file.
	Cache *MemCache
}

const (
	allowFiles    = "GET, HEAD, POST, PUT"
	allowReadOnly = "GET, HEAD"
)

// Serve handles GET, HEAD, POST and PUT on /files/{name}; req.Path starts
// with "/files/". It fills resp, which must be freshly reset, and blocks on
// disk I/O (and on Delay), which is why it runs on the file pool.
func (h *Handler) Serve(req *parser.Request, resp *response.Response) {
	if h.Delay > 0 {
		defer sleepUntil(time.Now().Add(h.Delay))
	}
	resp.HeadOnly = req.MethodIs("HEAD")
	if err := h.serve(req, resp); err != nil {
		h.fail(req, resp, err)
	}
}

// upload reports whether req is an upload this handler takes.
func (h *Handler) upload(req *parser.Request) bool {
	return !h.ReadOnly && (req.MethodIs("POST") || req.MethodIs("PUT"))
}

// refuseMethod answers 405 when req's method is not taken, and reports
// whether it did.
func (h *Handler) refuseMethod(req *parser.Request, resp *response.Response) bool {
	if req.MethodIs("GET") || req.MethodIs("HEAD") || h.upload(req) {
		return false
	}
	allow := allowFiles
	if h.ReadOnly {
		allow = allowReadOnly
	}
	resp.Error(405, h.form(req))
	resp.Fields = append(resp.Fields, response.Field{Name: "Allow", Value: allow})
	return true
}

// serve fills resp for a success (including 405) or returns the error to
// answer; on error resp may be partly filled.
func (h *Handler) serve(req *parser.Request, resp *response.Response) error {
	if h.refuseMethod(req, resp) {
		return nil
	}
	name, err := nameOf(req)
	if err != nil {
		return err
	}
	resp.Body = resp.Body[:0]
	if h.upload(req) {
		if req.ContentLength < 0 && !req.Chunked {
			return fmt.Errorf("%s %q: %w", req.Method, name, ErrLengthRequired)
		}
		created, err := h.Store.Put(name, req.Body)
		if h.Cache != nil {
			h.Cache.drop(name)
		}
		if err != nil {
			return err
		}
		h.stored(req, resp, created)
		return nil
	}
	var fill uint64
	if h.Cache != nil {
		fill = h.Cache.fillStarts()
	}
	f, fi, err := h.Store.Get(name)
	if err != nil {
		return err
	}
	now := time.Now()
	rep := content.Representation{File: f, Size: fi.Size(), ContentType: fileType,
		Validators: content.NewValidators(fi, "", now)}
	if c := h.Cache; c != nil && fi.Size() <= c.MaxFile {
		// Small enough to keep: read it whole (one read), close it, and
		// answer from the copy, which the next requests share.
		body := make([]byte, fi.Size())
		if n, err := f.ReadAt(body, 0); n == len(body) && (err == nil || err == io.EOF) {
			f.Close()
			c.put(name, body, rep.Validators, now.UnixNano(), fill)
			rep.File, rep.Body = nil, body
		}
	}
	h.answer(req, resp, rep)
	return nil
}

// fileType is the Content-Type of every /files/ response.
const fileType = "application/octet-stream"

// answer fills resp from rep, a representation of the file asked for.
func (h *Handler) answer(req *parser.Request, resp *response.Response, rep content.Representation) {
	if content.Answer(req, resp, rep, h.form(req)) {
		return
	}
	resp.Status = 200
	resp.ContentType = fileType
	if rep.File == nil {
		resp.SetSharedBody(rep.Body)
		return
	}
	resp.File = rep.File
	resp.FileOffset = 0
	resp.FileSize = rep.Size
}

// ServeCached answers a GET or HEAD of a file that is in Cache from memory
// and reports true. Anything else — another method, a miss, an expired
// entry, a name with escapes (the cache is keyed by decoded names) — it
// leaves alone and reports false: the request then goes to Serve. It never
// touches the disk, so the pipeline runs it outside the file pool.
func (h *Handler) ServeCached(req *parser.Request, resp *response.Response) bool {
	c := h.Cache
	if c == nil || !(req.MethodIs("GET") || req.MethodIs("HEAD")) {
		return false
	}
	escaped, ok := bytes.CutPrefix(req.Path, []byte("/files/"))
	if !ok || len(escaped) == 0 || bytes.IndexByte(escaped, '%') >= 0 {
		return false
	}
	e := c.get(escaped, time.Now().UnixNano())
	if e == nil {
		return false
	}
	resp.HeadOnly = req.MethodIs("HEAD")
	h.answer(req, resp, content.Representation{Body: e.body, Size: int64(len(e.body)), ContentType: fileType, Validators: e.validators})
	return true
}

// stored answers a successful upload: POST is always 201 (the classic
// contract); PUT is 201 for a new file and 204 for a replaced one
// (RFC 9110 §9.3.4).
func (h *Handler) stored(req *parser.Request, resp *response.Response, created bool) {
	resp.Status = 201
	if req.MethodIs("PUT") && !created {
		resp.Status = 204
	}
}

// nameOf decodes the name after "/files/".
func nameOf(req *parser.Request) (string, error) {
	escaped, ok := bytes.CutPrefix(req.Path, []byte("/files/"))
	if !ok {
		return "", fmt.Errorf("path %q: %w", req.Path, fs.ErrNotExist)
	}
	return decodeName(escaped)
}

// form is the body of an error answer to req.
func (h *Handler) form(req *parser.Request) response.ErrorForm {
	return router.ErrorFormFor(req, h.TextErrors)
}

// fail answers err with its status and the chosen error body.
func (h *Handler) fail(req *parser.Request, resp *response.Response, err error) {
	status := Status(err)
	if h.OnError != nil {
		h.OnError(req, status, err)
	}
	resp.Fields = resp.Fields[:0]
	resp.Error(status, h.form(req))
}

// sleepUntil sleeps until t, if it is still ahead.
func sleepUntil(t time.Time) {
	if d := time.Until(t); d > 0 {
		time.Sleep(d)
	}
}
