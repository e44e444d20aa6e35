package static

import (
	"io"
	"os"
	"sync"

	"github.com/klauspost/compress/gzip"

	"pipehttp/response"
)

// Compression bounds.
const (
	// DefaultGzipMax is Config.GzipMax's default: the largest file
	// compressed on the fly. The compressed body is held in memory until
	// written, so this bounds the memory of each file worker and of each
	// response waiting in the write queue; larger files are sent as they
	// are, by sendfile, unless a precompressed ".gz" sibling exists.
	DefaultGzipMax = 1 << 20
	// gzipMin is the smallest file compressed on the fly: below it the
	// gzip header and trailer eat most of the gain.
	gzipMin = 256
	// gzipLevel is the on-the-fly level: klauspost's level 5 compresses
	// close to the default level at several times its speed.
	gzipLevel = 5
)

// gzipper is a pooled compressor writing to a response's body, with a
// read buffer, so that compressing a file allocates nothing once warm.
type gzipper struct {
	zw  *gzip.Writer
	out bodyWriter
	buf []byte
}

// bodyWriter appends to a response's body, reusing its capacity.
type bodyWriter struct {
	resp *response.Response
}

func (w *bodyWriter) Write(p []byte) (int, error) {
	w.resp.Body = append(w.resp.Body, p...)
	return len(p), nil
}

var gzippers = sync.Pool{New: func() any {
	g := &gzipper{buf: make([]byte, 32<<10)}
	zw, err := gzip.NewWriterLevel(&g.out, gzipLevel)
	if err != nil {
		panic("static: bad gzip level: " + err.Error()) // a constant; cannot happen
	}
	g.zw = zw
	return g
}}

// compressFile sets resp.Body to the gzip encoding of size bytes of f.
func compressFile(resp *response.Response, f *os.File, size int64) error {
	g := gzippers.Get().(*gzipper)
	defer func() {
		g.out.resp = nil // do not keep the response alive from the pool
		gzippers.Put(g)
	}()
	resp.Body = resp.Body[:0]
	g.out.resp = resp
	g.zw.Reset(&g.out)
	r := io.NewSectionReader(f, 0, size)
	for {
		n, err := r.Read(g.buf)
		if n > 0 {
			if _, werr := g.zw.Write(g.buf[:n]); werr != nil {
				return werr
			}
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			return err
		}
	}
	return g.zw.Close()
}

// compressBody replaces resp.Body by its gzip encoding.
func compressBody(resp *response.Response, src []byte) error {
	g := gzippers.Get().(*gzipper)
	defer func() {
		g.out.resp = nil
		gzippers.Put(g)
	}()
	resp.Body = resp.Body[:0]
	g.out.resp = resp
	g.zw.Reset(&g.out)
	if _, err := g.zw.Write(src); err != nil {
		return err
	}
	return g.zw.Close()
}
