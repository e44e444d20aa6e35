package response_test

import (
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	"pipehttp/response"
)

func TestAppendHead(t *testing.T) {
	date := []byte("Tue, 24 Nov 2026 11:23:57 GMT")
	tests := []struct {
		name string
		resp response.Response
		want string
	}{
		{"empty 200 (RFC 9110 §8.6: Content-Length 0)", response.Response{Status: 200},
			"HTTP/1.1 200 OK\r\nDate: Tue, 24 Nov 2026 11:23:57 GMT\r\nContent-Length: 0\r\n\r\n"},
		{"text body", response.Response{Status: 200, ContentType: "text/plain", Body: []byte("abc")},
			"HTTP/1.1 200 OK\r\nDate: Tue, 24 Nov 2026 11:23:57 GMT\r\nContent-Type: text/plain\r\nContent-Length: 3\r\n\r\n"},
		{"gzip", response.Response{Status: 200, ContentType: "text/plain", ContentEncoding: "gzip", Vary: "Accept-Encoding", Body: make([]byte, 23)},
			"HTTP/1.1 200 OK\r\nDate: Tue, 24 Nov 2026 11:23:57 GMT\r\nContent-Type: text/plain\r\nContent-Encoding: gzip\r\nVary: Accept-Encoding\r\nContent-Length: 23\r\n\r\n"},
		{"close", response.Response{Status: 404, Close: true},
			"HTTP/1.1 404 Not Found\r\nDate: Tue, 24 Nov 2026 11:23:57 GMT\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"},
		{"HTTP/1.0 keep-alive", response.Response{Status: 201, KeepAlive: true},
			"HTTP/1.1 201 Created\r\nDate: Tue, 24 Nov 2026 11:23:57 GMT\r\nContent-Length: 0\r\nConnection: keep-alive\r\n\r\n"},
		{"extra fields", response.Response{Status: 503, Fields: []response.Field{{Name: "Retry-After", Value: "1"}}},
			"HTTP/1.1 503 Service Unavailable\r\nDate: Tue, 24 Nov 2026 11:23:57 GMT\r\nRetry-After: 1\r\nContent-Length: 0\r\n\r\n"},
		{"HEAD keeps the body's length (RFC 9110 §9.3.2)", response.Response{Status: 200, Body: []byte("12345"), HeadOnly: true},
			"HTTP/1.1 200 OK\r\nDate: Tue, 24 Nov 2026 11:23:57 GMT\r\nContent-Length: 5\r\n\r\n"},
		{"304 has no Content-Length (RFC 9110 §8.6)", response.Response{Status: 304},
			"HTTP/1.1 304 Not Modified\r\nDate: Tue, 24 Nov 2026 11:23:57 GMT\r\n\r\n"},
		{"204 has no Content-Length", response.Response{Status: 204},
			"HTTP/1.1 204 No Content\r\nDate: Tue, 24 Nov 2026 11:23:57 GMT\r\n\r\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := string(tt.resp.AppendHead(nil, date)); got != tt.want {
				t.Errorf("got\n%q\nwant\n%q", got, tt.want)
			}
		})
	}
}

func TestFileContentLength(t *testing.T) {
	f, err := os.Create(filepath.Join(t.TempDir(), "f"))
	if err != nil {
		t.Fatal(err)
	}
	r := response.Response{Status: 200, File: f, FileSize: 1234, Body: []byte("ignored")}
	if r.ContentLength() != 1234 {
		t.Fatalf("ContentLength %d", r.ContentLength())
	}
	r.Release()
	if r.File != nil || f.Close() == nil {
		t.Fatal("Release did not close the file")
	}
}

// RFC 9110 §15: the standard reason phrases.
func TestStatusTextMatchesStandard(t *testing.T) {
	for _, code := range []int{100, 200, 201, 204, 206, 301, 304, 400, 403, 404, 405, 408, 411, 412, 413, 414, 416, 417, 431, 500, 501, 503, 505} {
		want := http.StatusText(code)
		switch code { // net/http keeps RFC 7231's phrases; RFC 9110 §15 renamed these
		case 413:
			want = "Content Too Large"
		case 414:
			want = "URI Too Long"
		case 416:
			want = "Range Not Satisfiable"
		}
		if got := response.StatusText(code); got != want {
			t.Errorf("%d: %q, want %q", code, got, want)
		}
	}
}

func TestClockIsIMFFixdate(t *testing.T) {
	var c response.Clock
	d := c.Date()
	parsed, err := time.Parse(http.TimeFormat, string(d))
	if err != nil {
		t.Fatalf("%q: %v", d, err)
	}
	if time.Since(parsed) > 2*time.Second || time.Since(parsed) < -time.Second {
		t.Fatalf("%q is not now", d)
	}
	if allocs := testing.AllocsPerRun(100, func() { c.Date() }); allocs > 0.1 {
		t.Errorf("Date allocates %.1f per call", allocs)
	}
}
