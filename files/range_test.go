package files_test

import (
	"bytes"
	"strconv"
	"testing"

	"pipehttp/files"
)

// TestRangesAndConditionals: /files/{name} answers Range and conditional
// requests by the static handler's rules (package content), over a real
// socket: what "curl -C -" and "wget -c" need to resume.
func TestRangesAndConditionals(t *testing.T) {
	fx := newFixture(t)
	c := dial(t, serve(t, &files.Handler{Store: fx.store}))
	first := c.Request("GET", "/files/bin")
	etag, lastMod := first.Get(t, "ETag"), first.Get(t, "Last-Modified")
	if first.Status != 200 || etag == "" || lastMod == "" || first.Get(t, "Accept-Ranges") != "bytes" {
		t.Fatalf("GET: %d ETag %q Last-Modified %q Accept-Ranges %q", first.Status, etag, lastMod, first.Get(t, "Accept-Ranges"))
	}
	if first.Get(t, "Content-Type") != "application/octet-stream" || !bytes.Equal(first.Body, binary) {
		t.Fatalf("GET: not the classic answer")
	}
	size := strconv.Itoa(len(binary))
	tests := []struct {
		name   string
		fields []string
		status int
		crange string
		body   []byte
	}{
		{name: "single range", fields: []string{"Range: bytes=10-19"}, status: 206, crange: "bytes 10-19/" + size, body: binary[10:20]},
		{name: "open-ended (resume)", fields: []string{"Range: bytes=500-"}, status: 206, crange: "bytes 500-511/" + size, body: binary[500:]},
		{name: "suffix", fields: []string{"Range: bytes=-12"}, status: 206, crange: "bytes 500-511/" + size, body: binary[500:]},
		{name: "past the end", fields: []string{"Range: bytes=512-"}, status: 416, crange: "bytes */" + size},
		{name: "other unit ignored", fields: []string{"Range: lines=1-2"}, status: 200, body: binary},
		{name: "If-Range with the ETag", fields: []string{"Range: bytes=0-0", "If-Range: " + etag}, status: 206, crange: "bytes 0-0/" + size, body: binary[:1]},
		{name: "If-Range stale: whole file", fields: []string{"Range: bytes=0-0", `If-Range: "stale"`}, status: 200, body: binary},
		{name: "If-None-Match", fields: []string{"If-None-Match: " + etag}, status: 304},
		{name: "If-Modified-Since", fields: []string{"If-Modified-Since: " + lastMod}, status: 304},
		{name: "If-Match other", fields: []string{`If-Match: "other"`}, status: 412},
		{name: "If-Match", fields: []string{"If-Match: " + etag}, status: 200, body: binary},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := c.Request("GET", "/files/bin", tc.fields...)
			if r.Status != tc.status {
				t.Fatalf("status %d, want %d", r.Status, tc.status)
			}
			if got := r.Get(t, "Content-Range"); got != tc.crange {
				t.Errorf("Content-Range %q, want %q", got, tc.crange)
			}
			if tc.body != nil && !bytes.Equal(r.Body, tc.body) {
				t.Errorf("body %d bytes, want %d", len(r.Body), len(tc.body))
			}
			if tc.status >= 400 && len(r.Body) != 0 {
				t.Errorf("classic error with a body: %q", r.Body)
			}
		})
	}
	t.Run("multipart", func(t *testing.T) {
		r := c.Request("GET", "/files/bin", "Range: bytes=0-1,300-301")
		if r.Status != 206 || !bytes.HasPrefix([]byte(r.Get(t, "Content-Type")), []byte("multipart/byteranges; boundary=")) {
			t.Fatalf("%d %q", r.Status, r.Get(t, "Content-Type"))
		}
	})
	t.Run("HEAD has GET's head", func(t *testing.T) {
		r := c.Request("HEAD", "/files/bin", "Range: bytes=0-9")
		for _, f := range []string{"ETag", "Last-Modified", "Accept-Ranges", "Content-Type"} {
			if got, want := r.Get(t, f), first.Get(t, f); got != want {
				t.Errorf("%s %q, GET had %q", f, got, want)
			}
		}
		if r.Status != 200 || r.Get(t, "Content-Length") != size {
			t.Errorf("HEAD: %d Content-Length %q (Range is for GET only)", r.Status, r.Get(t, "Content-Length"))
		}
		if r := c.Request("HEAD", "/files/bin", "If-None-Match: "+etag); r.Status != 304 {
			t.Errorf("conditional HEAD: %d", r.Status)
		}
	})
}

// TestErrorBodies: the classic /files/ keeps empty error bodies for tools,
// sends a page to a browser, and text with TextErrors (static mode).
func TestErrorBodies(t *testing.T) {
	fx := newFixture(t)
	classic := dial(t, serve(t, &files.Handler{Store: fx.store}))
	if r := classic.Request("GET", "/files/nope", "Accept: */*"); r.Status != 404 || len(r.Body) != 0 || r.Has("Content-Type") {
		t.Errorf("classic 404: %q %q", r.Body, r.Get(t, "Content-Type"))
	}
	if r := classic.Request("GET", "/files/nope", "Accept: text/html,*/*;q=0.8"); r.Status != 404 ||
		r.Get(t, "Content-Type") != "text/html; charset=utf-8" || !bytes.Contains(r.Body, []byte("<h1>404 Not Found</h1>")) {
		t.Errorf("browser 404: %q %q", r.Body, r.Get(t, "Content-Type"))
	}
	text := dial(t, serve(t, &files.Handler{Store: fx.store, TextErrors: true}))
	if r := text.Request("GET", "/files/nope"); r.Status != 404 || string(r.Body) != "404 Not Found\n" {
		t.Errorf("text 404: %q", r.Body)
	}
	if r := text.Request("HEAD", "/files/nope"); r.Status != 404 || r.Get(t, "Content-Length") != "14" {
		t.Errorf("text 404 to HEAD: Content-Length %q", r.Get(t, "Content-Length"))
	}
}
