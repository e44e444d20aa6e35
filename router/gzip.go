package router

import (
	"github.com/klauspost/compress/gzip"

	"pipehttp/response"
)

// gzipLevel favours speed: the bodies here are short and answered inline in
// the route stage, where latency matters more than a few saved bytes.
const gzipLevel = gzip.BestSpeed

// gzipper is a pooled compressor together with the writer it writes to, so
// that resetting it onto a new response allocates nothing.
type gzipper struct {
	zw  *gzip.Writer
	out bodyWriter
}

// bodyWriter is an io.Writer that appends to a response's body, reusing its
// capacity.
type bodyWriter struct {
	resp *response.Response
}

func (w *bodyWriter) Write(p []byte) (int, error) {
	w.resp.Body = append(w.resp.Body, p...)
	return len(p), nil
}

func (rt *Router) getGzipper() *gzipper {
	if g, ok := rt.gzippers.Get().(*gzipper); ok {
		return g
	}
	g := new(gzipper)
	zw, err := gzip.NewWriterLevel(&g.out, gzipLevel)
	if err != nil {
		panic("router: bad gzip level: " + err.Error()) // a constant; cannot happen
	}
	g.zw = zw
	return g
}

// compress sets resp.Body to the gzip encoding of src and reports whether it
// succeeded; on failure resp.Body is left for the caller to overwrite.
func (rt *Router) compress(resp *response.Response, src []byte) bool {
	g := rt.getGzipper()
	resp.Body = resp.Body[:0]
	g.out.resp = resp
	g.zw.Reset(&g.out)
	_, err := g.zw.Write(src)
	if err == nil {
		err = g.zw.Close()
	}
	g.out.resp = nil // do not keep the response alive from the pool
	rt.gzippers.Put(g)
	return err == nil
}
