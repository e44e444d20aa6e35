package pipeline_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"pipehttp/parser"
	"pipehttp/pipeline"
)

// Raw-byte conformance over a real socket: each case names the rule it
// checks. "close" means the server must answer and then close, because
// the stream can no longer be trusted (or the client asked for it).
func TestConformance(t *testing.T) {
	ts := start(t, options{})
	os.WriteFile(filepath.Join(ts.dir, "f.txt"), []byte("file"), 0o644)
	os.WriteFile(filepath.Join(filepath.Dir(ts.dir), "outside.txt"), []byte("secret"), 0o644)
	tests := []struct {
		name   string
		raw    string
		status int
		close  bool
		body   string
		allow  string // expected Allow field, if any
	}{
		// RFC 9112 §2.2: a leading empty line is ignored.
		{"§2.2 leading CRLF ignored", "\r\nGET /echo/a HTTP/1.1\r\nHost: x\r\n\r\n", 200, false, "a", ""},
		{"§2.2 bare CR rejected", "GET /echo/a HTTP/1.1\r\nHost: x\rX: y\r\n\r\n", 400, true, "", ""},
		// RFC 9112 §3: request line.
		{"§3 two spaces", "GET  /echo/a HTTP/1.1\r\nHost: x\r\n\r\n", 400, true, "", ""},
		{"§3 tab separator", "GET\t/echo/a HTTP/1.1\r\nHost: x\r\n\r\n", 400, true, "", ""},
		{"§3 missing version", "GET /echo/a\r\nHost: x\r\n\r\n", 400, true, "", ""},
		{"§2.3 lowercase version", "GET /echo/a http/1.1\r\nHost: x\r\n\r\n", 400, true, "", ""},
		{"§2.3 HTTP/1.0", "GET /echo/a HTTP/1.0\r\n\r\n", 200, true, "a", ""},
		{"§2.3 HTTP/3.0 → 505", "GET / HTTP/3.0\r\nHost: x\r\n\r\n", 505, true, "", ""},
		{"§3.2.2 absolute-form", "GET http://example.com/echo/abs HTTP/1.1\r\nHost: example.com\r\n\r\n", 200, false, "abs", ""},
		{"§3.2.4 OPTIONS *", "OPTIONS * HTTP/1.1\r\nHost: x\r\n\r\n", 204, false, "", "GET, HEAD, POST, OPTIONS"},
		{"§3.2.3 CONNECT → 501", "CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n", 501, false, "", ""},
		{"§3.2.4 asterisk with GET", "GET * HTTP/1.1\r\nHost: x\r\n\r\n", 400, true, "", ""},
		{"§3.2 missing Host", "GET / HTTP/1.1\r\n\r\n", 400, true, "", ""},
		{"§3.2 two Hosts", "GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", 400, true, "", ""},
		{"§3.2 invalid Host", "GET / HTTP/1.1\r\nHost: a b\r\n\r\n", 400, true, "", ""},
		// RFC 9112 §5: field syntax.
		{"§5.1 space before colon", "GET / HTTP/1.1\r\nHost: x\r\nX-A : b\r\n\r\n", 400, true, "", ""},
		{"§5.2 obs-fold", "GET / HTTP/1.1\r\nHost: x\r\nX-A: b\r\n c\r\n\r\n", 400, true, "", ""},
		{"§5.1 empty field name", "GET / HTTP/1.1\r\nHost: x\r\n: b\r\n\r\n", 400, true, "", ""},
		{"§5.5 NUL in value", "GET / HTTP/1.1\r\nHost: x\r\nX: a\x00b\r\n\r\n", 400, true, "", ""},
		{"§5.1 OWS trimmed, names case-insensitive", "GET /user-agent HTTP/1.1\r\nhost: x\r\nuSeR-aGeNt: \t ua/1 \t\r\n\r\n", 200, false, "ua/1", ""},
		// RFC 9112 §6: message body framing (request smuggling).
		{"§6.1 TE and CL", "POST /files/s HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nContent-Length: 4\r\n\r\n0\r\n\r\n", 400, true, "", ""},
		{"§6.1 TE not chunked → 501", "POST /files/s HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n\r\n", 501, true, "", ""},
		{"§6.1 chunked not last", "POST /files/s HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked, gzip\r\n\r\n", 400, true, "", ""},
		{"§6.1 TE on HTTP/1.0", "POST /files/s HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 400, true, "", ""},
		{"§6.3 differing Content-Lengths", "POST /files/s HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab", 400, true, "", ""},
		{"§6.3 signed Content-Length", "POST /files/s HTTP/1.1\r\nHost: x\r\nContent-Length: +2\r\n\r\nab", 400, true, "", ""},
		{"§6.3 hex Content-Length", "POST /files/s HTTP/1.1\r\nHost: x\r\nContent-Length: 0x2\r\n\r\nab", 400, true, "", ""},
		{"§7.1 bad chunk size", "POST /files/s HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nab\r\n0\r\n\r\n", 400, true, "", ""},
		{"§7.1 chunk without CRLF", "POST /files/s HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nabXX0\r\n\r\n", 400, true, "", ""},
		// RFC 9110 §9: methods.
		{"§9.1 unknown method → 501", "BREW /echo/a HTTP/1.1\r\nHost: x\r\n\r\n", 501, false, "", ""},
		{"§9.1 methods are case-sensitive", "get /echo/a HTTP/1.1\r\nHost: x\r\n\r\n", 501, false, "", ""},
		{"§15.5.6 405 with Allow", "DELETE /echo/a HTTP/1.1\r\nHost: x\r\n\r\n", 405, false, "", "GET, HEAD"},
		{"§15.5.6 405 on /files", "PUT /files/f.txt HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n", 405, false, "", "GET, HEAD, POST"},
		// Confinement to --directory.
		{"dot-dot", "GET /files/../outside.txt HTTP/1.1\r\nHost: x\r\n\r\n", 403, false, "", ""},
		{"encoded dot-dot", "GET /files/%2e%2e/outside.txt HTTP/1.1\r\nHost: x\r\n\r\n", 403, false, "", ""},
		{"encoded slash", "GET /files/..%2foutside.txt HTTP/1.1\r\nHost: x\r\n\r\n", 403, false, "", ""},
		{"decoded once only", "GET /files/%252e%252e%252foutside.txt HTTP/1.1\r\nHost: x\r\n\r\n", 404, false, "", ""},
		{"NUL byte", "GET /files/f.txt%00 HTTP/1.1\r\nHost: x\r\n\r\n", 403, false, "", ""},
		{"absolute path", "GET /files//etc/passwd HTTP/1.1\r\nHost: x\r\n\r\n", 403, false, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := dial(t, ts.addr)
			c.Send(tt.raw)
			r := c.Read(false)
			if r.Status != tt.status {
				t.Fatalf("status %d, want %d", r.Status, tt.status)
			}
			if tt.body != "" && string(r.Body) != tt.body {
				t.Errorf("body %q, want %q", r.Body, tt.body)
			}
			if strings.Contains(string(r.Body), "secret") {
				t.Fatal("served a file from outside the directory")
			}
			if got := r.Get(t, "Allow"); got != tt.allow {
				t.Errorf("Allow %q, want %q", got, tt.allow)
			}
			if tt.close {
				if r.Get(t, "Connection") != "close" {
					t.Errorf("no Connection: close")
				}
				c.ExpectClosed()
			}
		})
	}
	if _, err := os.Stat(filepath.Join(ts.dir, "s")); err == nil {
		t.Error("a rejected request wrote a file")
	}
}

// RFC 9110 §9.3.2: HEAD gets GET's head, Content-Length included, and no
// body; the connection stays usable (a body would desynchronize it).
func TestHeadHasNoBody(t *testing.T) {
	ts := start(t, options{})
	os.WriteFile(filepath.Join(ts.dir, "f.bin"), bytesOf(5000), 0o644)
	c := dial(t, ts.addr)
	for _, path := range []string{"/", "/echo/abc", "/user-agent", "/files/f.bin"} {
		c.Send("HEAD " + path + " HTTP/1.1\r\nHost: x\r\nUser-Agent: ua\r\n\r\n")
		head := c.Read(true)
		c.Send("GET " + path + " HTTP/1.1\r\nHost: x\r\nUser-Agent: ua\r\n\r\n")
		full := c.Read(false)
		if head.Status != 200 || head.Get(t, "Content-Length") != full.Get(t, "Content-Length") ||
			head.Get(t, "Content-Type") != full.Get(t, "Content-Type") {
			t.Errorf("%s: HEAD %d %v, GET %d %v", path, head.Status, head.Fields, full.Status, full.Fields)
		}
	}
}

// RFC 9112 §2: a request split at any byte boundary across TCP segments
// is the same request.
func TestEverySplitPoint(t *testing.T) {
	ts := start(t, options{})
	reqs := []string{
		"GET /echo/split HTTP/1.1\r\nHost: x\r\nUser-Agent: u\r\n\r\n",
		"POST /files/split.txt HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2;x=y\r\nde\r\n0\r\nT: v\r\n\r\n",
	}
	for _, req := range reqs {
		c := dial(t, ts.addr)
		for i := 1; i < len(req); i++ {
			c.Send(req[:i])
			time.Sleep(time.Millisecond) // a separate segment, most of the time
			c.Send(req[i:])
			r := c.Read(false)
			if r.Status != 200 && r.Status != 201 {
				t.Fatalf("split at %d: status %d", i, r.Status)
			}
			if strings.HasPrefix(req, "GET") && string(r.Body) != "split" {
				t.Fatalf("split at %d: body %q", i, r.Body)
			}
		}
		if strings.HasPrefix(req, "POST") {
			if got, _ := os.ReadFile(filepath.Join(ts.dir, "split.txt")); string(got) != "abcde" {
				t.Fatalf("file holds %q", got)
			}
		}
	}
}

// Invariant 5: a body that stops arriving is cut off after BodyTimeout,
// and the cut upload leaves nothing.
func TestBodyTimeout(t *testing.T) {
	ts := start(t, options{cfg: pipeline.Config{BodyTimeout: 300 * time.Millisecond}})
	for _, head := range []string{
		"POST /files/stall.txt HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n0123456789",
		"POST /files/stall.txt HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n64\r\n0123456789",
	} {
		c := dial(t, ts.addr)
		c.Send(head)
		began := time.Now()
		r := c.Read(false)
		if r.Status != 408 {
			t.Fatalf("stalled body answered %d", r.Status)
		}
		c.ExpectClosed()
		if d := time.Since(began); d > 2*time.Second {
			t.Fatalf("cut off after %v", d)
		}
	}
	time.Sleep(50 * time.Millisecond)
	if names := tempFiles(t, ts.dir); len(names) != 0 {
		t.Fatalf("stalled uploads left %v", names)
	}
}

// The method is checked before the size: a body over --max-body is
// refused with 413 only on a route that would take the request; a method
// the route does not allow gets its 405 with Allow, an unknown path its
// 404, and an unknown method 501 (RFC 9110 §15.5.6, §15.5.14).
func TestMethodBeforeSize(t *testing.T) {
	ts := start(t, options{cfg: pipeline.Config{Limits: parser.Limits{MaxBody: 1000}}})
	for _, tc := range []struct {
		head   string
		status int
		allow  string
	}{
		{"PUT /echo/x", 405, "GET, HEAD"},
		{"DELETE /files/x", 405, "GET, HEAD, POST"},
		{"POST /nowhere", 404, ""},
		{"BREW /files/x", 501, ""},
		{"POST /files/x", 413, ""},
	} {
		t.Run(tc.head, func(t *testing.T) {
			r := roundTrip(t, ts.addr, tc.head+" HTTP/1.1\r\nHost: x\r\nContent-Length: 5000\r\n\r\n")
			if r.Status != tc.status || r.Get(t, "Allow") != tc.allow {
				t.Fatalf("%d Allow %q, want %d Allow %q", r.Status, r.Get(t, "Allow"), tc.status, tc.allow)
			}
		})
	}
}
