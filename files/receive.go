package files

import (
	"time"

	"pipehttp/parser"
	"pipehttp/response"
)

// Receiver takes a POST or PUT /files/{name} body as it arrives, in
// pieces, into an Upload: nothing is visible under name until Finish
// commits it, and Abort leaves nothing behind. Its methods block on disk
// I/O; the pipeline calls them on its file-I/O pool, one piece at a time,
// so a slow uploader holds a file worker only while its own bytes are being
// written.
type Receiver struct {
	h      *Handler
	req    *parser.Request
	upload *Upload
	err    error // the first write error; Finish answers it
}

// Receive starts receiving req's body for POST or PUT /files/{name}. It
// returns nil when the request is answered without a body — another
// method, uploads off, no declared length, a bad or refused name, a failure
// to create the temporary file or to reserve its declared length on disk
// (507) — and then resp holds that answer. Everything that can refuse the
// upload is checked here, before any of the body is read: the pipeline
// sends "100 Continue" only once Receive has returned a Receiver. Delay
// applies to Receive and to Finish.
func (h *Handler) Receive(req *parser.Request, resp *response.Response) *Receiver {
	if h.Delay > 0 {
		defer sleepUntil(time.Now().Add(h.Delay))
	}
	if !h.upload(req) {
		h.Serve(req, resp)
		return nil
	}
	name, err := nameOf(req)
	if err == nil && req.ContentLength < 0 && !req.Chunked {
		err = ErrLengthRequired
	}
	if err == nil {
		var u *Upload
		if u, err = h.Store.Create(name, req.ContentLength); err == nil {
			return &Receiver{h: h, req: req, upload: u}
		}
	}
	h.fail(req, resp, err)
	return nil
}

// Write appends p to the upload. After a failure it keeps accepting (and
// dropping) bytes, so the body can still be read to its end; Finish then
// answers the failure.
func (r *Receiver) Write(p []byte) (int, error) {
	if r.err == nil {
		_, r.err = r.upload.Write(p)
	}
	return len(p), nil
}

// Finish commits the upload (fsync, rename) and fills resp: 201 or 204 as
// Serve answers, or the status of the first failure, in which case nothing
// is left on disk.
func (r *Receiver) Finish(resp *response.Response) {
	if r.h.Delay > 0 {
		defer sleepUntil(time.Now().Add(r.h.Delay))
	}
	err := r.err
	created := false
	if err == nil {
		created, err = r.upload.Commit()
		if c := r.h.Cache; c != nil {
			c.drop(r.upload.name)
		}
	} else {
		r.upload.Abort()
	}
	if err != nil {
		r.h.fail(r.req, resp, err)
		return
	}
	r.h.stored(r.req, resp, created)
}

// Abort drops the upload: the body will not be finished.
func (r *Receiver) Abort() {
	r.upload.Abort()
}
