package static_test

import (
	"bytes"
	"strings"
	"testing"

	"pipehttp/static"
)

// TestGzip: content coding (RFC 9110 §8.4, §12.5.3) for compressible types
// only, from a fresh precompressed sibling or on the fly, with Vary and a
// distinct ETag, never on 206, never when refused.
func TestGzip(t *testing.T) {
	s := newSite(t)
	s.write(t, "large.txt", []byte(strings.Repeat("0123456789abcdef\n", 2000))) // 34 000 bytes
	c := dial(t, start(t, s.root, static.Config{GzipMax: 20000}))
	const ae = "Accept-Encoding: gzip"
	tests := []struct {
		name, path string
		header     []string
		status     int
		encoding   string
		vary       string
		body       []byte // decoded
		exact      []byte // the exact bytes sent, when known
	}{
		{name: "on the fly", path: "/style.css", header: []string{ae}, status: 200, encoding: "gzip", vary: "Accept-Encoding", body: css},
		{name: "gzip among others with q", path: "/style.css", header: []string{"Accept-Encoding: br;q=1, gzip;q=0.5"}, status: 200, encoding: "gzip", vary: "Accept-Encoding", body: css},
		{name: "not accepted", path: "/style.css", status: 200, vary: "Accept-Encoding", body: css},
		{name: "refused with q=0", path: "/style.css", header: []string{"Accept-Encoding: gzip;q=0, *"}, status: 200, vary: "Accept-Encoding", body: css},
		{name: "precompressed sibling, by sendfile", path: "/app.js", header: []string{ae}, status: 200, encoding: "gzip", vary: "Accept-Encoding", body: jsBody, exact: s.files["app.js.gz"]},
		{name: "stale sibling ignored", path: "/stale.js", header: []string{ae}, status: 200, encoding: "gzip", vary: "Accept-Encoding", body: jsBody},
		{name: "already compressed type", path: "/image.png", header: []string{ae}, status: 200, body: s.files["image.png"]},
		{name: "too small to gain", path: "/hello.txt", header: []string{ae}, status: 200, vary: "Accept-Encoding", body: s.files["hello.txt"]},
		{name: "past GzipMax", path: "/large.txt", header: []string{ae}, status: 200, vary: "Accept-Encoding", body: s.files["large.txt"]},
		{name: "never on 206", path: "/style.css", header: []string{ae, "Range: bytes=0-9"}, status: 206, vary: "Accept-Encoding", body: css[:10]},
		{name: "listing", path: "/", header: []string{ae}, status: 200, encoding: "gzip", vary: "Accept, Accept-Encoding"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := c.Request("GET", tc.path, tc.header...)
			if r.Status != tc.status {
				t.Fatalf("status %d, want %d", r.Status, tc.status)
			}
			if got := r.Get(t, "Content-Encoding"); got != tc.encoding {
				t.Errorf("Content-Encoding %q, want %q", got, tc.encoding)
			}
			if got := r.Get(t, "Vary"); got != tc.vary {
				t.Errorf("Vary %q, want %q", got, tc.vary)
			}
			if tc.exact != nil && !bytes.Equal(r.Body, tc.exact) {
				t.Errorf("not the sibling's bytes")
			}
			body := r.Body
			if tc.encoding == "gzip" {
				body = gunzip(t, r.Body)
			}
			if tc.body != nil && !bytes.Equal(body, tc.body) {
				t.Errorf("decoded body %.40q, want %.40q", body, tc.body)
			}
		})
	}

	t.Run("each representation has its own ETag, and a 304 of its own", func(t *testing.T) {
		plain := c.Request("GET", "/style.css")
		zipped := c.Request("GET", "/style.css", ae)
		pre := c.Request("GET", "/app.js", ae)
		ids := map[string]bool{plain.Get(t, "ETag"): true, zipped.Get(t, "ETag"): true, pre.Get(t, "ETag"): true}
		if len(ids) != 3 {
			t.Fatalf("ETags not distinct: %v", ids)
		}
		if r := c.Request("GET", "/style.css", ae, "If-None-Match: "+zipped.Get(t, "ETag")); r.Status != 304 || r.Get(t, "Vary") != "Accept-Encoding" {
			t.Errorf("gzip revalidation: %d Vary %q", r.Status, r.Get(t, "Vary"))
		}
		if r := c.Request("GET", "/style.css", "If-None-Match: "+zipped.Get(t, "ETag")); r.Status != 200 {
			t.Errorf("identity request with the gzip ETag: %d, want 200", r.Status)
		}
		again := c.Request("GET", "/style.css", ae)
		if !bytes.Equal(again.Body, zipped.Body) || again.Get(t, "ETag") != zipped.Get(t, "ETag") {
			t.Errorf("on-the-fly gzip is not deterministic")
		}
	})
}
