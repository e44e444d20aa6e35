package static_test

import (
	"bytes"
	"compress/gzip"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

const secret = "SECRET: outside the root"

// site is a served tree inside a parent that also holds a sentinel file,
// which no request may read.
type site struct {
	parent, root string
	files        map[string][]byte // name → content, for the fixed files
}

var (
	css    = []byte(strings.Repeat("body { color: #333; margin: 0 auto; }\n", 40))
	binary = func() []byte {
		b := make([]byte, 1024)
		for i := range b {
			b[i] = byte(i)
		}
		return b
	}()
	jsBody  = []byte(strings.Repeat("console.log('precompressed sibling');\n", 20))
	oldTime = time.Date(2020, 1, 2, 3, 4, 5, 0, time.UTC)
)

func newSite(t *testing.T) *site {
	t.Helper()
	parent := t.TempDir()
	s := &site{parent: parent, root: filepath.Join(parent, "root"), files: map[string][]byte{}}
	must(t, os.WriteFile(filepath.Join(parent, "secret.txt"), []byte(secret), 0o644))
	for _, d := range []string{"", "site", "site/sub", "empty", ".hidden", "dir.with.dots", "index.html.d"} {
		must(t, os.MkdirAll(filepath.Join(s.root, d), 0o755))
	}
	s.write(t, "hello.txt", []byte("hello, world\n"))
	s.write(t, "style.css", css)
	s.write(t, "page.html", []byte("<!doctype html><title>page</title>\n"))
	s.write(t, "data.json", []byte(`{"a": 1}`))
	s.write(t, "image.png", append([]byte("\x89PNG\r\n\x1a\n"), binary...))
	s.write(t, "noext-html", []byte("  <!DOCTYPE html><html></html>"))
	s.write(t, "noext-text", []byte("just some text, ünïcödé\n"))
	s.write(t, "noext-bin", binary)
	s.write(t, "weird.qqqzzz", []byte("plain words"))
	s.write(t, "empty.txt", nil)
	s.write(t, "bin", binary)
	s.write(t, "site/index.html", []byte("<!doctype html><p>site index</p>\n"))
	s.write(t, "site/sub/deep.txt", []byte("deep"))
	s.write(t, ".secret", []byte("dotfile"))
	s.write(t, ".hidden/x.txt", []byte("in a dot directory"))
	s.write(t, "%2e%2e", []byte("literal percent name"))
	s.write(t, "a b.txt", []byte("spaced"))
	s.write(t, "app.js", jsBody)
	s.write(t, "app.js.gz", gz(t, jsBody, "precompressed"))
	s.write(t, "stale.js", jsBody)
	s.write(t, "stale.js.gz", gz(t, []byte("stale content"), "stale"))
	must(t, os.Chtimes(filepath.Join(s.root, "stale.js.gz"), oldTime, oldTime))
	must(t, os.Chtimes(filepath.Join(s.root, "hello.txt"), oldTime, oldTime))
	must(t, os.Symlink("hello.txt", filepath.Join(s.root, "link-in")))
	must(t, os.Symlink("../secret.txt", filepath.Join(s.root, "link-out")))
	must(t, os.Symlink(filepath.Join(parent, "secret.txt"), filepath.Join(s.root, "link-abs")))
	must(t, os.Symlink("..", filepath.Join(s.root, "link-parent")))
	must(t, os.Symlink(".secret", filepath.Join(s.root, "link-dot")))
	must(t, os.Symlink(".hidden", filepath.Join(s.root, "link-dotdir")))
	must(t, os.Symlink("site", filepath.Join(s.root, "link-site")))
	mkfifo(t, filepath.Join(s.root, "fifo"))
	return s
}

func (s *site) write(t *testing.T, name string, b []byte) {
	t.Helper()
	must(t, os.WriteFile(filepath.Join(s.root, name), b, 0o644))
	s.files[name] = b
}

// gz compresses b with the standard library, naming the member so that
// the bytes differ from anything compressed on the fly.
func gz(t *testing.T, b []byte, name string) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw, err := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	must(t, err)
	zw.Name = name
	_, err = zw.Write(b)
	must(t, err)
	must(t, zw.Close())
	return buf.Bytes()
}

func gunzip(t *testing.T, b []byte) []byte {
	t.Helper()
	zr, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("gzip.NewReader: %v", err)
	}
	var out bytes.Buffer
	if _, err := out.ReadFrom(zr); err != nil {
		t.Fatalf("gunzip: %v", err)
	}
	return out.Bytes()
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
