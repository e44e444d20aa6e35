package files_test

import (
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"pipehttp/files"
	"pipehttp/parser"
	"pipehttp/response"
)

const secret = "SECRET: outside the store"

// fixture is a store directory inside a parent that also holds a sentinel
// file, which no request may read or change.
type fixture struct {
	parent, dir, sentinel string
	store                 *files.Store
}

// binary holds every byte value, NUL and CR LF included.
var binary = func() []byte {
	b := make([]byte, 512)
	for i := range b {
		b[i] = byte(i)
	}
	return b
}()

func newFixture(t *testing.T) *fixture {
	t.Helper()
	parent := t.TempDir()
	fx := &fixture{
		parent:   parent,
		dir:      filepath.Join(parent, "store"),
		sentinel: filepath.Join(parent, "secret.txt"),
	}
	must(t, os.WriteFile(fx.sentinel, []byte(secret), 0o644))
	must(t, os.Mkdir(fx.dir, 0o755))
	must(t, os.Mkdir(filepath.Join(fx.dir, "sub"), 0o755))
	must(t, os.Mkdir(filepath.Join(fx.dir, "empty"), 0o755))
	write := func(name string, body []byte) {
		must(t, os.WriteFile(filepath.Join(fx.dir, name), body, 0o644))
	}
	write("a.txt", []byte("hello, world\n"))
	write("bin", binary)
	write("zero", nil)
	write("sub/b.txt", []byte("nested"))
	write("%2e%2e", []byte("literal percent name"))
	write("%61.txt", []byte("literal %61"))
	write("with space.txt", []byte("spaced"))
	must(t, os.Symlink("a.txt", filepath.Join(fx.dir, "link-in")))
	must(t, os.Symlink("../secret.txt", filepath.Join(fx.dir, "link-out")))
	must(t, os.Symlink(fx.sentinel, filepath.Join(fx.dir, "link-abs")))
	must(t, os.Symlink("..", filepath.Join(fx.dir, "link-parent")))
	mkfifo(t, filepath.Join(fx.dir, "fifo"))

	s, err := files.Open(fx.dir)
	must(t, err)
	t.Cleanup(func() { s.Close() })
	fx.store = s
	return fx
}

// checkSentinel fails if anything outside the store changed: the sentinel's
// content, or the set of entries in the parent directory.
func (fx *fixture) checkSentinel(t *testing.T) {
	t.Helper()
	got, err := os.ReadFile(fx.sentinel)
	if err != nil || string(got) != secret {
		t.Errorf("sentinel = %q, %v; want it unchanged", got, err)
	}
	if names := list(t, fx.parent); strings.Join(names, ",") != "secret.txt,store" {
		t.Errorf("parent directory holds %q, want only secret.txt and store", names)
	}
}

// tree lists every path under dir, relative to it.
func tree(t *testing.T, dir string) []string {
	t.Helper()
	var names []string
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if p != dir {
			rel, _ := filepath.Rel(dir, p)
			names = append(names, rel)
		}
		return nil
	})
	must(t, err)
	sort.Strings(names)
	return names
}

func list(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	must(t, err)
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	return names
}

// checkNoTemp fails if any upload temp file is left anywhere in dir.
func checkNoTemp(t *testing.T, dir string) {
	t.Helper()
	for _, name := range tree(t, dir) {
		if strings.Contains(name, ".upload-") {
			t.Errorf("temp file left behind: %s", name)
		}
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func newRequest(method, path string, body []byte) *parser.Request {
	return &parser.Request{
		Method:        []byte(method),
		Target:        []byte(path),
		Path:          []byte(path),
		Version:       parser.HTTP11,
		Host:          []byte("localhost"),
		ContentLength: int64(len(body)),
		Body:          body,
		KeepAlive:     true,
	}
}

// sent reads what the writer would send for a file response, then releases
// it as the writer does.
func sent(t *testing.T, resp *response.Response) []byte {
	t.Helper()
	if resp.File == nil {
		return resp.Body
	}
	defer resp.Release()
	b, err := io.ReadAll(io.NewSectionReader(resp.File, resp.FileOffset, resp.FileSize))
	must(t, err)
	return b
}
