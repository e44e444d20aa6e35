package files_test

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"pipehttp/files"
	"pipehttp/parser"
	"pipehttp/response"
)

func TestServeGet(t *testing.T) {
	fx := newFixture(t)
	h := &files.Handler{Store: fx.store}
	tests := []struct {
		name   string
		path   string
		status int
		body   string
	}{
		{name: "text", path: "/files/a.txt", status: 200, body: "hello, world\n"},
		{name: "binary", path: "/files/bin", status: 200, body: string(binary)},
		{name: "empty file", path: "/files/zero", status: 200, body: ""},
		{name: "nested", path: "/files/sub/b.txt", status: 200, body: "nested"},
		{name: "inner dotdot stays inside", path: "/files/sub/../a.txt", status: 200, body: "hello, world\n"},
		{name: "encoded space", path: "/files/with%20space.txt", status: 200, body: "spaced"},
		{name: "encoded letter", path: "/files/%61.txt", status: 200, body: "hello, world\n"},
		{name: "decoded once", path: "/files/%2561.txt", status: 200, body: "literal %61"},
		{name: "double-encoded dotdot is a literal name", path: "/files/%252e%252e", status: 200, body: "literal percent name"},
		{name: "symlink inside", path: "/files/link-in", status: 200, body: "hello, world\n"},

		{name: "missing", path: "/files/nope.txt", status: 404},
		{name: "missing directory", path: "/files/nodir/a.txt", status: 404},
		{name: "through a file", path: "/files/a.txt/x", status: 404},
		{name: "double-encoded traversal", path: "/files/%252e%252e%252fsecret.txt", status: 404},
		{name: "directory", path: "/files/sub", status: 403},
		{name: "directory with slash", path: "/files/sub/", status: 403},
		{name: "dot", path: "/files/.", status: 403},
		{name: "fifo", path: "/files/fifo", status: 403},
		{name: "bad escape", path: "/files/%zz", status: 400},
		{name: "truncated escape", path: "/files/a%2", status: 400},
		{name: "lone percent", path: "/files/%", status: 400},
		{name: "too long", path: "/files/" + strings.Repeat("x", 300), status: 414},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var resp response.Response
			h.Serve(newRequest("GET", tc.path, nil), &resp)
			if resp.Status != tc.status {
				t.Fatalf("status = %d, want %d", resp.Status, tc.status)
			}
			if resp.HeadOnly {
				t.Errorf("HeadOnly set for GET")
			}
			if tc.status != 200 {
				if resp.File != nil || len(resp.Body) != 0 || resp.ContentType != "" {
					resp.Release()
					t.Errorf("error response has a body: file %v, body %q, type %q", resp.File, resp.Body, resp.ContentType)
				}
				return
			}
			if resp.ContentType != "application/octet-stream" {
				t.Errorf("content type = %q", resp.ContentType)
			}
			if resp.File == nil {
				t.Fatal("no file")
			}
			if resp.ContentLength() != int64(len(tc.body)) {
				t.Errorf("ContentLength = %d, want %d", resp.ContentLength(), len(tc.body))
			}
			if got := sent(t, &resp); string(got) != tc.body {
				t.Errorf("body = %q, want %q", got, tc.body)
			}
		})
	}
	fx.checkSentinel(t)
}

func TestServeHead(t *testing.T) {
	fx := newFixture(t)
	h := &files.Handler{Store: fx.store}
	tests := []struct {
		name   string
		path   string
		status int
		length int64
	}{
		{name: "file", path: "/files/bin", status: 200, length: int64(len(binary))},
		{name: "empty file", path: "/files/zero", status: 200, length: 0},
		{name: "missing", path: "/files/nope", status: 404},
		{name: "directory", path: "/files/sub", status: 403},
		{name: "outside", path: "/files/../secret.txt", status: 403},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var resp response.Response
			h.Serve(newRequest("HEAD", tc.path, nil), &resp)
			defer resp.Release()
			if resp.Status != tc.status {
				t.Fatalf("status = %d, want %d", resp.Status, tc.status)
			}
			if !resp.HeadOnly {
				t.Errorf("HeadOnly not set")
			}
			if got := resp.ContentLength(); got != tc.length {
				t.Errorf("ContentLength = %d, want %d", got, tc.length)
			}
			if tc.status == 200 && resp.ContentType != "application/octet-stream" {
				t.Errorf("content type = %q", resp.ContentType)
			}
		})
	}
}

// TestServeConfined sends every traversal trick we know, with every method,
// and checks that nothing outside the store is read or written.
func TestServeConfined(t *testing.T) {
	fx := newFixture(t)
	h := &files.Handler{Store: fx.store}
	paths := []struct {
		name   string
		path   string
		status int
	}{
		{name: "dotdot", path: "/files/../secret.txt", status: 403},
		{name: "encoded dotdot", path: "/files/%2e%2e/secret.txt", status: 403},
		{name: "encoded dotdot and slash", path: "/files/%2E%2E%2Fsecret.txt", status: 403},
		{name: "dotdot encoded slash", path: "/files/..%2fsecret.txt", status: 403},
		{name: "deep dotdot", path: "/files/sub/../../secret.txt", status: 403},
		{name: "dotdot only", path: "/files/..", status: 403},
		{name: "absolute", path: "/files/" + fx.sentinel, status: 403},
		{name: "encoded absolute", path: "/files/%2F" + strings.TrimPrefix(fx.sentinel, "/"), status: 403},
		{name: "NUL", path: "/files/a.txt%00", status: 403},
		{name: "NUL traversal", path: "/files/%00../secret.txt", status: 403},
		{name: "symlink outside", path: "/files/link-out", status: 403},
		{name: "absolute symlink", path: "/files/link-abs", status: 403},
		{name: "through symlink to parent", path: "/files/link-parent/secret.txt", status: 403},
		{name: "upload temp name", path: "/files/.a.txt.upload-123", status: 403},
	}
	for _, method := range []string{"GET", "HEAD", "POST"} {
		for _, tc := range paths {
			t.Run(method+" "+tc.name, func(t *testing.T) {
				var resp response.Response
				h.Serve(newRequest(method, tc.path, []byte("overwritten!")), &resp)
				body := sent(t, &resp)
				if resp.Status != tc.status {
					t.Errorf("status = %d, want %d", resp.Status, tc.status)
				}
				if bytes.Contains(body, []byte("SECRET")) {
					t.Errorf("served the sentinel")
				}
				fx.checkSentinel(t)
			})
		}
	}
	checkNoTemp(t, fx.dir)
	if got, _ := os.ReadFile(filepath.Join(fx.dir, "a.txt")); string(got) != "hello, world\n" {
		t.Errorf("a.txt changed to %q", got)
	}
}

func TestServePost(t *testing.T) {
	tests := []struct {
		name   string
		path   string
		body   []byte
		status int
		file   string // where the body must land, relative to the store
	}{
		{name: "new file", path: "/files/new.txt", body: []byte("fresh"), status: 201, file: "new.txt"},
		{name: "binary", path: "/files/new.bin", body: binary, status: 201, file: "new.bin"},
		{name: "empty body", path: "/files/empty.txt", body: nil, status: 201, file: "empty.txt"},
		{name: "overwrite", path: "/files/a.txt", body: []byte("replaced"), status: 201, file: "a.txt"},
		{name: "nested", path: "/files/sub/c.txt", body: []byte("deep"), status: 201, file: "sub/c.txt"},
		{name: "encoded name", path: "/files/my%20file%3F", body: []byte("q"), status: 201, file: "my file?"},
		{name: "large", path: "/files/large", body: bytes.Repeat(binary, 4096), status: 201, file: "large"},
		{name: "missing directory", path: "/files/nodir/x.txt", body: []byte("x"), status: 404},
		{name: "onto a directory", path: "/files/sub", body: []byte("x"), status: 403},
		{name: "trailing slash", path: "/files/newdir/", body: []byte("x"), status: 403},
		{name: "bad escape", path: "/files/%g0", body: []byte("x"), status: 400},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			fx := newFixture(t)
			before := tree(t, fx.dir)
			h := &files.Handler{Store: fx.store}
			var resp response.Response
			h.Serve(newRequest("POST", tc.path, tc.body), &resp)
			if resp.Status != tc.status {
				t.Fatalf("status = %d, want %d", resp.Status, tc.status)
			}
			if len(resp.Body) != 0 || resp.File != nil || resp.ContentType != "" {
				t.Errorf("POST response has a body or type: %q %v %q", resp.Body, resp.File, resp.ContentType)
			}
			checkNoTemp(t, fx.dir)
			fx.checkSentinel(t)
			after := tree(t, fx.dir)
			if tc.file == "" {
				if !slices.Equal(before, after) {
					t.Errorf("failed POST changed the store: %q -> %q", before, after)
				}
				return
			}
			got, err := os.ReadFile(filepath.Join(fx.dir, tc.file))
			must(t, err)
			if !bytes.Equal(got, tc.body) {
				t.Errorf("stored %d bytes, want %d (exact)", len(got), len(tc.body))
			}
		})
	}
}

func TestServeMethodNotAllowed(t *testing.T) {
	fx := newFixture(t)
	h := &files.Handler{Store: fx.store}
	for _, method := range []string{"DELETE", "PATCH", "OPTIONS"} {
		t.Run(method, func(t *testing.T) {
			var resp response.Response
			h.Serve(newRequest(method, "/files/a.txt", []byte("x")), &resp)
			if resp.Status != 405 {
				t.Fatalf("status = %d, want 405", resp.Status)
			}
			if len(resp.Fields) != 1 || resp.Fields[0] != (response.Field{Name: "Allow", Value: "GET, HEAD, POST, PUT"}) {
				t.Errorf("fields = %v, want Allow: GET, HEAD, POST, PUT", resp.Fields)
			}
		})
	}
}

func TestServeOnError(t *testing.T) {
	fx := newFixture(t)
	var gotStatus int
	var gotErr error
	h := &files.Handler{Store: fx.store, OnError: func(_ *parser.Request, status int, err error) {
		gotStatus, gotErr = status, err
	}}
	var resp response.Response
	h.Serve(newRequest("GET", "/files/nope.txt", nil), &resp)
	if gotStatus != 404 || !errors.Is(gotErr, os.ErrNotExist) || !strings.Contains(gotErr.Error(), `"nope.txt"`) {
		t.Errorf("OnError got %d, %v; want 404 and a wrapped not-exist naming the file", gotStatus, gotErr)
	}
}

func TestServeDelay(t *testing.T) {
	fx := newFixture(t)
	const delay = 50 * time.Millisecond
	h := &files.Handler{Store: fx.store, Delay: delay}
	tests := []struct {
		name, method, path string
	}{
		{"GET", "GET", "/files/a.txt"},
		{"HEAD", "HEAD", "/files/a.txt"},
		{"POST", "POST", "/files/new.txt"},
		{"error", "GET", "/files/nope"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var resp response.Response
			start := time.Now()
			h.Serve(newRequest(tc.method, tc.path, []byte("x")), &resp)
			elapsed := time.Since(start)
			resp.Release()
			if elapsed < delay {
				t.Errorf("Serve took %v, want at least %v", elapsed, delay)
			}
		})
	}
	t.Run("zero", func(t *testing.T) {
		h := &files.Handler{Store: fx.store}
		var resp response.Response
		start := time.Now()
		h.Serve(newRequest("GET", "/files/a.txt", nil), &resp)
		resp.Release()
		if elapsed := time.Since(start); elapsed >= delay {
			t.Errorf("Serve without Delay took %v", elapsed)
		}
	})
}

// RFC 9110 §15.5.12: an upload without a declared length is refused with
// 411 and writes nothing; "Content-Length: 0" stores an empty file.
func TestPostWithoutLength(t *testing.T) {
	fx := newFixture(t)
	h := &files.Handler{Store: fx.store}
	req := newRequest("POST", "/files/nolen.txt", nil)
	req.ContentLength = -1
	var resp response.Response
	h.Serve(req, &resp)
	if resp.Status != 411 {
		t.Fatalf("status %d, want 411", resp.Status)
	}
	if _, err := os.Stat(filepath.Join(fx.dir, "nolen.txt")); err == nil {
		t.Fatal("a file was written")
	}
	req = newRequest("POST", "/files/empty.txt", nil) // Content-Length: 0
	resp.Reset()
	h.Serve(req, &resp)
	if resp.Status != 201 {
		t.Fatalf("Content-Length 0: status %d, want 201", resp.Status)
	}
}
