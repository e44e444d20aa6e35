package static

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"strconv"
	"strings"
	"syscall"
	"time"

	"pipehttp/content"
	"pipehttp/parser"
	"pipehttp/response"
	"pipehttp/router"
)

// Config tunes a Handler. The zero value is the safe default: dotfiles
// hidden, on-the-fly gzip up to DefaultGzipMax, listings up to
// DefaultMaxEntries.
type Config struct {
	// Dotfiles serves names that begin with '.' (and lists them). Off, a
	// path with such a segment answers 404 and listings leave them out,
	// and a name reached through a symlink is checked the same way.
	Dotfiles bool
	// GzipMax is the largest file, in bytes, compressed on the fly. Zero
	// means DefaultGzipMax; negative turns on-the-fly compression off
	// (precompressed ".gz" siblings are still served).
	GzipMax int64
	// GzipCache is the byte budget of the cache of on-the-fly gzip
	// encodings (see gzipCache): a file asked for again is compressed
	// once. Zero means DefaultGzipCache; negative turns the cache off, and
	// every response is then compressed for itself.
	GzipCache int64
	// MaxEntries is the number of entries on one page of a directory
	// listing; a longer listing is paginated ("?after=NAME", a "Next page"
	// link, and "next" and "next_cursor" in JSON). Zero means
	// DefaultMaxEntries.
	MaxEntries int
	// OnError, if set, is called with every error Serve answers, before the
	// response is filled (for logging; the client sees only the status).
	// It runs on the file worker and must not retain req's bytes.
	OnError func(req *parser.Request, status int, err error)
}

// Handler serves a directory tree: the static mode.
//
//	GET/HEAD /path/file    200 the file, by sendfile; 304, 412, 206, 416 as below
//	GET/HEAD /path/dir     301 to /path/dir/ (query kept)
//	GET/HEAD /path/dir/    200 dir/index.html if it exists, else a listing
//	other methods          405, Allow: GET, HEAD
//
// Paths are percent-decoded exactly once and confined to the root with
// os.Root: "..", encoded or not, is refused (403), as is a symlink leading
// outside (403); symlinks that stay inside are followed. Dotfiles answer
// 404 unless Config.Dotfiles. A FIFO, device or socket is 403.
//
// Content-Type comes from the extension (text types with
// "; charset=utf-8"), else from sniffing the first 512 bytes, else
// application/octet-stream; responses say "X-Content-Type-Options:
// nosniff" so that browsers do not second-guess it.
//
// Every file response has a strong ETag and Last-Modified, and GET and HEAD
// evaluate If-Match, If-Unmodified-Since (412), If-None-Match and
// If-Modified-Since (304, no body) in the order of RFC 9110 §13.2.2.
//
// GET honours Range (RFC 9110 §14; "Accept-Ranges: bytes"): one range is a
// 206 with Content-Range, several are multipart/byteranges (sorted,
// coalesced, at most 16 parts, at most 100 specs; past that the whole file
// is sent), none satisfiable is 416 with "Content-Range: bytes */SIZE", and
// If-Range falls back to 200 when the file changed. HEAD ignores Range,
// as RFC 9110 §14.2 requires for methods other than GET.
//
// A compressible type (text, JSON, XML, SVG, WASM, …) is sent gzip-coded
// when the client accepts gzip and sent no Range: from the sibling
// "name.gz" when it is a regular file no older than name (by sendfile),
// else compressed on the fly if name is between 256 bytes and
// Config.GzipMax. Such responses carry "Vary: Accept-Encoding", and the
// gzip representation has its own ETag. 206 responses are never
// compressed.
//
// On-the-fly encodings are cached (Config.GzipCache), keyed by path, size
// and modification time, so a file asked for again is compressed once and
// its encoding shared by every response that sends it.
//
// Error answers carry the status as one line of text, or a minimal HTML
// page for a client whose Accept names text/html (router.ErrorFormFor);
// see [Status]. A Handler is safe for concurrent use. Serve blocks on disk
// I/O and starts no goroutine.
type Handler struct {
	root    *os.Root
	cfg     Config
	escapes error // os.Root's error for a name that leaves the root
	// rootFD is the root directory opened once more, so that the real path
	// of a served file can be checked for dot segments (/proc/self/fd).
	// nil when /proc is not there: symlinks to dotfiles are then served.
	rootFD *os.File
	// gzcache holds on-the-fly gzip encodings; nil when Config.GzipCache
	// is negative.
	gzcache *gzipCache
}

// New opens dir, which must be a directory, and checks cfg.
func New(dir string, cfg Config) (*Handler, error) {
	if cfg.GzipMax == 0 {
		cfg.GzipMax = DefaultGzipMax
	}
	if cfg.MaxEntries == 0 {
		cfg.MaxEntries = DefaultMaxEntries
	}
	if cfg.GzipCache == 0 {
		cfg.GzipCache = DefaultGzipCache
	}
	if cfg.MaxEntries < 0 {
		return nil, fmt.Errorf("static: MaxEntries %d is negative", cfg.MaxEntries)
	}
	root, err := os.OpenRoot(dir)
	if err != nil {
		return nil, fmt.Errorf("static root: %w", err)
	}
	h := &Handler{root: root, cfg: cfg}
	if cfg.GzipCache > 0 {
		h.gzcache = newGzipCache(cfg.GzipCache)
	}
	if f, err := root.Open(".."); err == nil {
		f.Close() // os.Root let ".." out: cannot happen
	} else {
		h.escapes = errors.Unwrap(err)
	}
	if !cfg.Dotfiles {
		if f, err := root.Open("."); err == nil {
			if _, err := fdPath(f); err == nil {
				h.rootFD = f
			} else {
				f.Close()
			}
		}
	}
	return h, nil
}

// GzipCacheStats reports the on-the-fly gzip cache's counts (all zero when
// it is off).
func (h *Handler) GzipCacheStats() GzipCacheStats {
	if h.gzcache == nil {
		return GzipCacheStats{}
	}
	return h.gzcache.stats()
}

// form is the body of an error answer to req: static mode, so text, or a
// page for a browser.
func (h *Handler) form(req *parser.Request) response.ErrorForm {
	return router.ErrorFormFor(req, true)
}

// Dir returns the directory as given to New.
func (h *Handler) Dir() string { return h.root.Name() }

// Close closes the root. Files already handed out stay open.
func (h *Handler) Close() error {
	if h.rootFD != nil {
		h.rootFD.Close()
	}
	return h.root.Close()
}

const allowStatic = "GET, HEAD"

// Serve answers a GET or HEAD for a path under the root. It fills resp,
// which must be freshly reset, and blocks on disk I/O.
func (h *Handler) Serve(req *parser.Request, resp *response.Response) {
	head := req.MethodIs("HEAD")
	if !head && !req.MethodIs("GET") {
		resp.Error(405, h.form(req))
		resp.Fields = append(resp.Fields, response.Field{Name: "Allow", Value: allowStatic})
		resp.HeadOnly = head
		return
	}
	if err := h.serve(req, resp); err != nil {
		status := Status(err)
		if h.cfg.OnError != nil {
			h.cfg.OnError(req, status, err)
		}
		resp.Release()
		resp.Reset()
		resp.Error(status, h.form(req))
	}
	resp.HeadOnly = head
}

func (h *Handler) serve(req *parser.Request, resp *response.Response) error {
	t, err := parsePath(req.Path, h.cfg.Dotfiles)
	if err != nil {
		return err
	}
	f, fi, err := h.open(t.rel)
	if err != nil {
		return err
	}
	if !fi.IsDir() {
		if t.slash {
			f.Close()
			return fmt.Errorf("%q with a trailing slash: %w", t.rel, syscall.ENOTDIR)
		}
		return h.file(req, resp, t.rel, f, fi)
	}
	if !t.slash {
		f.Close()
		redirect(req, resp)
		return nil
	}
	index := path.Join(t.rel, "index.html")
	switch idx, ifi, err := h.open(index); {
	case err == nil && !ifi.IsDir():
		f.Close()
		return h.file(req, resp, index, idx, ifi)
	case err == nil:
		idx.Close() // a directory called index.html: list
	case !errors.Is(err, fs.ErrNotExist) && !errors.Is(err, ErrHidden):
		f.Close()
		return err
	}
	defer f.Close()
	return h.listing(req, resp, t, f)
}

// redirect answers 301 to the path with a slash appended, keeping the
// query, so that relative links in the index or listing resolve.
func redirect(req *parser.Request, resp *response.Response) {
	loc := make([]byte, 0, len(req.Path)+2+len(req.Query))
	loc = append(loc, req.Path...)
	loc = append(loc, '/')
	if req.Query != nil {
		loc = append(loc, '?')
		loc = append(loc, req.Query...)
	}
	resp.Status = 301
	resp.Fields = append(resp.Fields, response.Field{Name: "Location", Value: string(loc)})
}

// open opens a name inside the root: a regular file or a directory. The
// file is opened non-blocking, so that a FIFO is refused at once instead of
// hanging the file worker until a writer appears.
func (h *Handler) open(rel string) (*os.File, os.FileInfo, error) {
	f, err := h.root.OpenFile(rel, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		return nil, nil, h.wrap("open", rel, err)
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, nil, h.wrap("stat", rel, err)
	}
	if !fi.Mode().IsRegular() && !fi.IsDir() {
		f.Close()
		return nil, nil, fmt.Errorf("open %q: %w", rel, ErrNotRegular)
	}
	if err := h.checkHidden(rel, f); err != nil {
		f.Close()
		return nil, nil, err
	}
	return f, fi, nil
}

// checkHidden refuses a file whose real path inside the root has a dot
// segment: the request named no dotfile (parsePath saw to that), but a
// symlink on the way may lead to one.
func (h *Handler) checkHidden(rel string, f *os.File) error {
	if h.rootFD == nil {
		return nil
	}
	rootPath, err := fdPath(h.rootFD)
	if err != nil {
		return fmt.Errorf("real path of the root: %w", err)
	}
	real, err := fdPath(f)
	if err != nil {
		return fmt.Errorf("real path of %q: %w", rel, err)
	}
	if real == rootPath {
		return nil
	}
	inside, ok := strings.CutPrefix(real, strings.TrimSuffix(rootPath, "/")+"/")
	if !ok {
		return fmt.Errorf("%q resolves to %q, outside %q: %w", rel, real, rootPath, ErrForbidden)
	}
	if inside[0] == '.' || strings.Contains(inside, "/.") {
		return fmt.Errorf("%q resolves to %q: %w", rel, inside, ErrHidden)
	}
	return nil
}

// fdPath returns the path the kernel has for an open file.
func fdPath(f *os.File) (string, error) {
	sc, err := f.SyscallConn()
	if err != nil {
		return "", err
	}
	var p string
	var rerr error
	if err := sc.Control(func(fd uintptr) {
		p, rerr = os.Readlink("/proc/self/fd/" + strconv.Itoa(int(fd)))
	}); err != nil {
		return "", err
	}
	return p, rerr
}

// wrap adds the operation and name to err, and marks an escape attempt
// caught by os.Root as ErrForbidden.
func (h *Handler) wrap(op, name string, err error) error {
	if h.escapes != nil && errors.Is(err, h.escapes) {
		return fmt.Errorf("%s %q: %w: %w", op, name, ErrForbidden, err)
	}
	return fmt.Errorf("%s %q: %w", op, name, err)
}

// file answers for a regular file f (which it takes over): conditionals,
// ranges, gzip, or the whole file.
func (h *Handler) file(req *parser.Request, resp *response.Response, rel string, f *os.File, fi os.FileInfo) error {
	size := fi.Size()
	var sample [512]byte
	n, _ := f.ReadAt(sample[:min(int64(len(sample)), size)], 0)
	ctype := contentType(rel, sample[:n])
	now := time.Now()
	v := content.NewValidators(fi, "", now)

	// A range is of the identity representation: a request with a Range
	// field is never sent a coded one.
	hasRange := req.MethodIs("GET") && len(req.Values("range")) > 0
	coding := ""
	if compressible(ctype) {
		resp.Vary = "Accept-Encoding"
		if !hasRange && router.AcceptsGzip(req) {
			if gz, gfi, ok := h.precompressed(rel, fi); ok {
				f.Close()
				f, fi, size = gz, gfi, gfi.Size()
				v = content.NewValidators(gfi, "gz", now)
				coding = "gz"
			} else if size >= gzipMin && size <= h.cfg.GzipMax {
				v = content.NewValidators(fi, "gzip", now)
				coding = "gzip"
			}
		}
	}

	resp.ContentType = ctype
	resp.Fields = append(resp.Fields, response.Field{Name: "X-Content-Type-Options", Value: "nosniff"})
	if content.Answer(req, resp, content.Representation{File: f, Size: size, ContentType: ctype, Validators: v}, h.form(req)) {
		return nil
	}
	resp.Status = 200
	switch coding {
	case "gzip":
		defer f.Close()
		if err := h.compressFile(resp, rel, f, fi); err != nil {
			return fmt.Errorf("gzip %q: %w", rel, err)
		}
		resp.ContentEncoding = "gzip"
	case "gz":
		resp.ContentEncoding = "gzip"
		fallthrough
	default:
		resp.File, resp.FileOffset, resp.FileSize = f, 0, size
	}
	return nil
}

// precompressed opens "rel.gz" when it is a regular file at least as new
// as rel: a stale sibling is ignored rather than served in rel's place.
func (h *Handler) precompressed(rel string, fi os.FileInfo) (*os.File, os.FileInfo, bool) {
	gz, gfi, err := h.open(rel + ".gz")
	if err != nil {
		return nil, nil, false
	}
	if !gfi.Mode().IsRegular() || gfi.ModTime().Before(fi.ModTime()) {
		gz.Close()
		return nil, nil, false
	}
	return gz, gfi, true
}
