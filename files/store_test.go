package files_test

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"syscall"
	"testing"

	"pipehttp/files"
)

func TestOpen(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "f")
	must(t, os.WriteFile(file, nil, 0o644))
	tests := []struct {
		name string
		dir  string
		ok   bool
	}{
		{name: "directory", dir: dir, ok: true},
		{name: "missing", dir: filepath.Join(dir, "nope"), ok: false},
		{name: "regular file", dir: file, ok: false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s, err := files.Open(tc.dir)
			if (err == nil) != tc.ok {
				t.Fatalf("Open(%q) error = %v, want ok %v", tc.dir, err, tc.ok)
			}
			if err != nil {
				return
			}
			if s.Dir() != tc.dir {
				t.Errorf("Dir() = %q, want %q", s.Dir(), tc.dir)
			}
			must(t, s.Close())
		})
	}
}

func TestGet(t *testing.T) {
	fx := newFixture(t)
	tests := []struct {
		name string
		file string
		want error // nil for success
	}{
		{name: "file", file: "bin"},
		{name: "missing", file: "nope", want: fs.ErrNotExist},
		{name: "empty", file: "", want: fs.ErrNotExist},
		{name: "directory", file: "sub", want: files.ErrNotRegular},
		{name: "fifo", file: "fifo", want: files.ErrNotRegular},
		{name: "escape", file: "../secret.txt", want: files.ErrForbidden},
		{name: "absolute", file: fx.sentinel, want: files.ErrForbidden},
		{name: "symlink out", file: "link-out", want: files.ErrForbidden},
		{name: "NUL", file: "a.txt\x00", want: files.ErrForbidden},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f, fi, err := fx.store.Get(tc.file)
			if tc.want != nil {
				if !errors.Is(err, tc.want) {
					t.Fatalf("Get(%q) error = %v, want %v", tc.file, err, tc.want)
				}
				if f != nil {
					f.Close()
					t.Errorf("Get returned a file with an error")
				}
				return
			}
			must(t, err)
			defer f.Close()
			if fi.Size() != int64(len(binary)) {
				t.Errorf("size = %d, want %d", fi.Size(), len(binary))
			}
		})
	}
}

func TestUploadAbort(t *testing.T) {
	fx := newFixture(t)
	before := tree(t, fx.dir)
	u, err := fx.store.Create("a.txt", 0)
	must(t, err)
	if _, err := u.Write([]byte("partial")); err != nil {
		t.Fatal(err)
	}
	must(t, u.Abort())
	must(t, u.Abort()) // a second Abort does nothing
	if after := tree(t, fx.dir); !slices.Equal(before, after) {
		t.Errorf("Abort left changes: %q -> %q", before, after)
	}
	if got, _ := os.ReadFile(filepath.Join(fx.dir, "a.txt")); string(got) != "hello, world\n" {
		t.Errorf("target changed to %q", got)
	}
	if _, err := u.Write([]byte("x")); !errors.Is(err, os.ErrClosed) {
		t.Errorf("Write after Abort: %v, want ErrClosed", err)
	}
	if _, err := u.Commit(); !errors.Is(err, os.ErrClosed) {
		t.Errorf("Commit after Abort: %v, want ErrClosed", err)
	}
}

func TestUploadInvisibleUntilCommit(t *testing.T) {
	fx := newFixture(t)
	u, err := fx.store.Create("new.txt", 4)
	must(t, err)
	if _, err := u.Write([]byte("body")); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(fx.dir, "new.txt")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("target visible before Commit: %v", err)
	}
	created, err := u.Commit()
	must(t, err)
	if !created {
		t.Errorf("Commit of a new name reports a replacement")
	}
	must(t, u.Abort()) // nothing after Commit
	got, err := os.ReadFile(filepath.Join(fx.dir, "new.txt"))
	must(t, err)
	if string(got) != "body" {
		t.Errorf("got %q", got)
	}
	checkNoTemp(t, fx.dir)
}

func TestPut(t *testing.T) {
	tests := []struct {
		name string
		file string
		want error
	}{
		{name: "new", file: "n.bin"},
		{name: "overwrite", file: "bin"},
		{name: "overwrite symlink inside", file: "link-in"},
		{name: "missing directory", file: "nodir/x", want: fs.ErrNotExist},
		{name: "directory", file: "empty", want: files.ErrNotRegular},
		{name: "escape", file: "../secret.txt", want: files.ErrForbidden},
		{name: "through symlink out", file: "link-parent/secret.txt", want: files.ErrForbidden},
		{name: "absolute", file: "/tmp/x", want: files.ErrForbidden},
		{name: "long", file: string(bytes.Repeat([]byte("x"), 250)), want: syscall.ENAMETOOLONG}, // the temp name is too long
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			fx := newFixture(t)
			before := tree(t, fx.dir)
			body := bytes.Repeat([]byte{0, 1, 2, '\r', '\n'}, 1000)
			_, err := fx.store.Put(tc.file, body)
			checkNoTemp(t, fx.dir)
			fx.checkSentinel(t)
			if tc.want != nil {
				if !errors.Is(err, tc.want) {
					t.Fatalf("Put(%q) = %v, want %v", tc.file, err, tc.want)
				}
				if after := tree(t, fx.dir); !slices.Equal(before, after) {
					t.Errorf("failed Put changed the store: %q -> %q", before, after)
				}
				return
			}
			must(t, err)
			got, err := os.ReadFile(filepath.Join(fx.dir, tc.file))
			must(t, err)
			if !bytes.Equal(got, body) {
				t.Errorf("stored %d bytes, want exactly the %d written", len(got), len(body))
			}
		})
	}
}

// TestPutConcurrent races 20 uploads of different bodies to one name: the
// result must be exactly one of them, whole, with no temp file left.
func TestPutConcurrent(t *testing.T) {
	fx := newFixture(t)
	const writers = 20
	bodies := make([][]byte, writers)
	for i := range bodies {
		bodies[i] = bytes.Repeat([]byte(fmt.Sprintf("writer %02d|", i)), 20000) // 200 KB each
	}
	var wg sync.WaitGroup
	errs := make([]error, writers)
	for i := range writers {
		wg.Go(func() { _, errs[i] = fx.store.Put("race.bin", bodies[i]) })
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("Put %d: %v", i, err)
		}
	}
	got, err := os.ReadFile(filepath.Join(fx.dir, "race.bin"))
	must(t, err)
	if !slices.ContainsFunc(bodies, func(b []byte) bool { return bytes.Equal(b, got) }) {
		t.Errorf("result (%d bytes, starts %.12q) is not one whole body", len(got), got)
	}
	checkNoTemp(t, fx.dir)
}

func TestStatus(t *testing.T) {
	tests := []struct {
		name string
		err  error
		want int
	}{
		{name: "bad name", err: fmt.Errorf("x: %w", files.ErrBadName), want: 400},
		{name: "forbidden", err: fmt.Errorf("x: %w", files.ErrForbidden), want: 403},
		{name: "not regular", err: fmt.Errorf("x: %w", files.ErrNotRegular), want: 403},
		{name: "permission", err: &fs.PathError{Op: "open", Path: "x", Err: syscall.EACCES}, want: 403},
		{name: "not exist", err: &fs.PathError{Op: "open", Path: "x", Err: syscall.ENOENT}, want: 404},
		{name: "not dir", err: &fs.PathError{Op: "open", Path: "x", Err: syscall.ENOTDIR}, want: 404},
		{name: "too long", err: &fs.PathError{Op: "open", Path: "x", Err: syscall.ENAMETOOLONG}, want: 414},
		{name: "disk full", err: &fs.PathError{Op: "write", Path: "x", Err: syscall.ENOSPC}, want: 507},
		{name: "over quota", err: &fs.PathError{Op: "write", Path: "x", Err: syscall.EDQUOT}, want: 507},
		{name: "read-only filesystem", err: &fs.PathError{Op: "open", Path: "x", Err: syscall.EROFS}, want: 403},
		{name: "I/O error", err: &fs.PathError{Op: "read", Path: "x", Err: syscall.EIO}, want: 500},
		{name: "unknown", err: errors.New("boom"), want: 500},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := files.Status(tc.err); got != tc.want {
				t.Errorf("Status(%v) = %d, want %d", tc.err, got, tc.want)
			}
		})
	}
}
