package files_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"

	"pipehttp/files"
	"pipehttp/parser"
)

// mountTmpfs mounts a tmpfs of the given size (mount(8) syntax) on a fresh
// directory for the test: a real full disk and a real read-only
// filesystem, without touching the machine's. It needs root (CI has it).
func mountTmpfs(t *testing.T, size string) string {
	t.Helper()
	dir := t.TempDir()
	if err := syscall.Mount("tmpfs", dir, "tmpfs", 0, "size="+size); err != nil {
		t.Skipf("cannot mount a tmpfs here (needs root): %v", err)
	}
	t.Cleanup(func() { syscall.Unmount(dir, syscall.MNT_DETACH) })
	return dir
}

// errorLog records the 5xx answers a handler reports through OnError.
type errorLog struct {
	mu     sync.Mutex
	status []int
	errs   []error
}

func (l *errorLog) onError(_ *parser.Request, status int, err error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if status >= 500 {
		l.status = append(l.status, status)
		l.errs = append(l.errs, err)
	}
}

func (l *errorLog) take() ([]int, []error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	s, e := l.status, l.errs
	l.status, l.errs = nil, nil
	return s, e
}

// TestDiskFull: a full disk is 507 Insufficient Storage, logged once with
// its cause, and leaves nothing behind. An upload whose declared length
// does not fit is refused before "100 Continue" and before any of its body
// is read; one whose length is not declared fails at its end.
func TestDiskFull(t *testing.T) {
	dir := mountTmpfs(t, "256k")
	must(t, os.WriteFile(filepath.Join(dir, "keep.txt"), []byte("kept"), 0o644))
	store, err := files.Open(dir)
	must(t, err)
	defer store.Close()
	var log errorLog
	addr := serve(t, &files.Handler{Store: store, OnError: log.onError})
	big := strings.Repeat("x", 1<<20)

	check := func(t *testing.T, r int) {
		t.Helper()
		if r != 507 {
			t.Errorf("status %d, want 507", r)
		}
		status, errs := log.take()
		if len(status) != 1 || !errors.Is(errs[0], syscall.ENOSPC) {
			t.Errorf("OnError got %v %v, want one 507 caused by ENOSPC", status, errs)
		}
		if got, _ := os.ReadFile(filepath.Join(dir, "keep.txt")); string(got) != "kept" {
			t.Errorf("keep.txt changed")
		}
		checkNoTemp(t, dir)
		if _, err := os.Stat(filepath.Join(dir, "big")); err == nil {
			t.Errorf("a partial file is visible")
		}
	}
	t.Run("Expect: 100-continue is refused before 100", func(t *testing.T) {
		c := dial(t, addr)
		c.Send(formatRequest("PUT", "/files/big", "Content-Length: 1048576", "Expect: 100-continue"))
		r := c.Read(false) // a 100 here would fail the status check
		check(t, r.Status)
	})
	t.Run("declared length, no Expect", func(t *testing.T) {
		c := dial(t, addr)
		c.Send(formatRequest("POST", "/files/big", "Content-Length: 1048576") + big[:100<<10])
		check(t, c.Read(false).Status)
	})
	t.Run("chunked: fails at the end", func(t *testing.T) {
		c := dial(t, addr)
		var b strings.Builder
		b.WriteString(formatRequest("PUT", "/files/big", "Transfer-Encoding: chunked"))
		for i := 0; i < len(big); i += 64 << 10 {
			b.WriteString("10000\r\n" + big[i:i+64<<10] + "\r\n")
		}
		b.WriteString("0\r\n\r\n")
		c.Send(b.String())
		check(t, c.Read(false).Status)
	})
	t.Run("buffered body", func(t *testing.T) {
		// Leave less room than the body needs, then upload a small one.
		filler, err := os.Create(filepath.Join(dir, "filler"))
		must(t, err)
		for {
			if _, err := filler.Write(make([]byte, 4096)); err != nil {
				break
			}
		}
		filler.Close()
		defer os.Remove(filepath.Join(dir, "filler"))
		c := dial(t, addr)
		c.Send(formatRequest("PUT", "/files/big", "Content-Length: 20000") + big[:20000])
		check(t, c.Read(false).Status)
	})
}

// TestReadOnlyFilesystem: uploads to a read-only filesystem are 403 (the
// request would fail again unchanged, as for a permission), not logged as
// server errors; downloads go on.
func TestReadOnlyFilesystem(t *testing.T) {
	dir := mountTmpfs(t, "1m")
	must(t, os.WriteFile(filepath.Join(dir, "a.txt"), []byte("read me"), 0o644))
	if err := syscall.Mount("", dir, "", syscall.MS_REMOUNT|syscall.MS_RDONLY, ""); err != nil {
		t.Skipf("cannot remount read-only: %v", err)
	}
	store, err := files.Open(dir)
	must(t, err)
	defer store.Close()
	var log errorLog
	addr := serve(t, &files.Handler{Store: store, OnError: log.onError})
	for _, req := range []string{
		formatRequest("PUT", "/files/new.txt", "Content-Length: 2") + "hi",
		formatRequest("POST", "/files/a.txt", "Content-Length: 2") + "hi",
		formatRequest("PUT", "/files/big", "Content-Length: 200000", "Expect: 100-continue"),
	} {
		c := dial(t, addr)
		c.Send(req)
		if r := c.Read(false); r.Status != 403 {
			t.Errorf("%.30q: %d, want 403", req, r.Status)
		}
	}
	if r := dial(t, addr).Request("GET", "/files/a.txt"); r.Status != 200 || string(r.Body) != "read me" {
		t.Errorf("GET: %d %q", r.Status, r.Body)
	}
	if status, _ := log.take(); len(status) != 0 {
		t.Errorf("403s logged as server errors: %v", status)
	}
}
