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
	// compressed on the fly. Its encoding is held in memory (in the cache,
	// or by the response when the cache is off or full) until written, so
	// this bounds the memory of each compression; larger files are sent
	// as they are, by sendfile, unless a precompressed ".gz" sibling
	// exists.
	DefaultGzipMax = 1 << 20
	// gzipMin is the smallest file compressed on the fly: below it the
	// gzip header and trailer eat most of the gain.
	gzipMin = 256
	// gzipLevel is the on-the-fly level: klauspost's level 5 compresses
	// close to the default level at several times its speed.
	gzipLevel = 5
)

// gzipper is a pooled compressor with a read buffer, so that compressing
// allocates nothing but its output once warm.
type gzipper struct {
	zw  *gzip.Writer
	buf []byte
}

// bodyBuffer is an io.Writer appending to a byte slice (a response's body,
// reusing its capacity, or a cache entry being built).
type bodyBuffer struct {
	b []byte
}

func (w *bodyBuffer) Write(p []byte) (int, error) {
	w.b = append(w.b, p...)
	return len(p), nil
}

var gzippers = sync.Pool{New: func() any {
	zw, err := gzip.NewWriterLevel(io.Discard, gzipLevel)
	if err != nil {
		panic("static: bad gzip level: " + err.Error()) // a constant; cannot happen
	}
	return &gzipper{zw: zw, buf: make([]byte, 32<<10)}
}}

// compressTo appends the gzip encoding of size bytes of f to w.b.
func compressTo(w *bodyBuffer, f *os.File, size int64) error {
	g := gzippers.Get().(*gzipper)
	defer func() {
		g.zw.Reset(io.Discard) // do not keep w alive from the pool
		gzippers.Put(g)
	}()
	g.zw.Reset(w)
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

// compressFile sets resp's body to the gzip encoding of the file f at rel:
// the cache's shared copy, or, with the cache off, a fresh encoding in
// resp.Body's own capacity.
func (h *Handler) compressFile(resp *response.Response, rel string, f *os.File, fi os.FileInfo) error {
	if h.gzcache != nil {
		b, err := h.gzcache.get(rel, f, fi)
		if err != nil {
			return err
		}
		resp.SetSharedBody(b)
		return nil
	}
	w := bodyBuffer{b: resp.Body[:0]}
	err := compressTo(&w, f, fi.Size())
	resp.Body = w.b
	return err
}

// compressBody replaces resp.Body by the gzip encoding of src.
func compressBody(resp *response.Response, src []byte) error {
	g := gzippers.Get().(*gzipper)
	defer func() {
		g.zw.Reset(io.Discard)
		gzippers.Put(g)
	}()
	w := bodyBuffer{b: resp.Body[:0]}
	g.zw.Reset(&w)
	_, err := g.zw.Write(src)
	if err == nil {
		err = g.zw.Close()
	}
	resp.Body = w.b
	return err
}
