package pipeline_test

import (
	"bytes"
	"compress/gzip"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"
)

// The behaviour every "build your own HTTP server" client checks, exactly:
// status line, Content-Type, Content-Length, Content-Encoding and body.
func TestClassicRoutes(t *testing.T) {
	ts := start(t, options{})
	if err := os.WriteFile(filepath.Join(ts.dir, "hello.txt"), []byte("Hello, World!"), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name        string
		raw         string
		status      int
		reason      string
		contentType string // "" means the field must be absent
		body        string
	}{
		{"root", get("/"), 200, "OK", "", ""},
		{"echo", get("/echo/abc"), 200, "OK", "text/plain", "abc"},
		{"echo raw segment, not decoded", get("/echo/a%20b"), 200, "OK", "text/plain", "a%20b"},
		{"echo empty", get("/echo/"), 200, "OK", "text/plain", ""},
		{"user-agent", "GET /user-agent HTTP/1.1\r\nHost: x\r\nUser-Agent: foobar/1.2.3\r\n\r\n", 200, "OK", "text/plain", "foobar/1.2.3"},
		{"file", get("/files/hello.txt"), 200, "OK", "application/octet-stream", "Hello, World!"},
		{"missing file", get("/files/nope.txt"), 404, "Not Found", "", ""},
		{"unknown path", get("/banana"), 404, "Not Found", "", ""},
		{"echo without slash", get("/echo"), 404, "Not Found", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := roundTrip(t, ts.addr, tt.raw)
			if r.Status != tt.status || r.Reason != tt.reason {
				t.Fatalf("status %d %s, want %d %s", r.Status, r.Reason, tt.status, tt.reason)
			}
			if got := r.Get(t, "Content-Type"); got != tt.contentType {
				t.Errorf("Content-Type %q, want %q", got, tt.contentType)
			}
			if got, want := r.Get(t, "Content-Length"), strconv.Itoa(len(tt.body)); got != want {
				t.Errorf("Content-Length %q, want %q", got, want)
			}
			if r.Has("Content-Encoding") {
				t.Errorf("unexpected Content-Encoding %q", r.Get(t, "Content-Encoding"))
			}
			if string(r.Body) != tt.body {
				t.Errorf("body %q, want %q", r.Body, tt.body)
			}
			// RFC 9110 §6.6.1: an origin server with a clock sends Date.
			if d, err := http.ParseTime(r.Get(t, "Date")); err != nil || time.Since(d) > time.Minute {
				t.Errorf("Date %q: %v", r.Get(t, "Date"), err)
			}
		})
	}
}

// RFC 9110 §12.5.3: gzip is used when Accept-Encoding allows it, and the
// Content-Length is that of the compressed bytes.
func TestGzip(t *testing.T) {
	ts := start(t, options{})
	tests := []struct {
		name           string
		acceptEncoding string
		gzip           bool
	}{
		{"gzip", "gzip", true},
		{"list", "deflate, gzip, br", true},
		{"case-insensitive", "GZIP", true},
		{"q-value", "gzip;q=0.5, identity", true},
		{"q=0 refuses", "gzip;q=0", false},
		{"only others", "br, deflate", false},
		{"invalid-encoding", "invalid-encoding-1, invalid-encoding-2", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := roundTrip(t, ts.addr, "GET /echo/hello-gzip HTTP/1.1\r\nHost: x\r\nAccept-Encoding: "+tt.acceptEncoding+"\r\n\r\n")
			if r.Status != 200 {
				t.Fatalf("status %d", r.Status)
			}
			if r.Get(t, "Content-Length") != strconv.Itoa(len(r.Body)) {
				t.Errorf("Content-Length %s for %d body bytes", r.Get(t, "Content-Length"), len(r.Body))
			}
			if !tt.gzip {
				if r.Has("Content-Encoding") {
					t.Fatalf("Content-Encoding %q, want none", r.Get(t, "Content-Encoding"))
				}
				if string(r.Body) != "hello-gzip" {
					t.Fatalf("body %q", r.Body)
				}
				return
			}
			if r.Get(t, "Content-Encoding") != "gzip" || r.Get(t, "Vary") != "Accept-Encoding" {
				t.Fatalf("Content-Encoding %q Vary %q", r.Get(t, "Content-Encoding"), r.Get(t, "Vary"))
			}
			zr, err := gzip.NewReader(bytes.NewReader(r.Body))
			if err != nil {
				t.Fatal(err)
			}
			plain, err := io.ReadAll(zr)
			if err != nil || string(plain) != "hello-gzip" {
				t.Fatalf("decompressed %q, %v", plain, err)
			}
		})
	}
}

// POST /files/{name} writes the exact bytes, binary-safe, and the file is
// complete on disk before the 201 is sent.
func TestFileUploadAndDownload(t *testing.T) {
	ts := start(t, options{})
	for _, size := range []int{0, 1, 4096, 100_000, 3 << 20} {
		t.Run(strconv.Itoa(size), func(t *testing.T) {
			body := bytesOf(size)
			name := "up-" + strconv.Itoa(size) + ".bin"
			c := dial(t, ts.addr)
			c.Send("POST /files/" + name + " HTTP/1.1\r\nHost: x\r\nContent-Type: application/octet-stream\r\nContent-Length: " + strconv.Itoa(size) + "\r\n\r\n")
			c.Send(string(body))
			r := c.Read(false)
			if r.Status != 201 || r.Reason != "Created" {
				t.Fatalf("status %d %s", r.Status, r.Reason)
			}
			onDisk, err := os.ReadFile(filepath.Join(ts.dir, name))
			if err != nil || !bytes.Equal(onDisk, body) {
				t.Fatalf("on disk: %d bytes, err %v; want %d bytes", len(onDisk), err, size)
			}
			c.Send(get("/files/" + name))
			r = c.Read(false)
			if r.Status != 200 || !bytes.Equal(r.Body, body) {
				t.Fatalf("GET back: status %d, %d bytes", r.Status, len(r.Body))
			}
		})
	}
}

// RFC 9112 §7.1: a chunked upload is decoded before it is written.
func TestChunkedUpload(t *testing.T) {
	ts := start(t, options{})
	c := dial(t, ts.addr)
	c.Send("POST /files/chunked.txt HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n" +
		"5\r\nhello\r\n6;ext=1\r\n world\r\n0\r\nX-Trailer: yes\r\n\r\n")
	if r := c.Read(false); r.Status != 201 {
		t.Fatalf("status %d", r.Status)
	}
	if got, _ := os.ReadFile(filepath.Join(ts.dir, "chunked.txt")); string(got) != "hello world" {
		t.Fatalf("file holds %q", got)
	}
}

// RFC 9110 §10.1.1: with Expect: 100-continue the server invites the body
// before the client sends it.
func TestExpectContinue(t *testing.T) {
	ts := start(t, options{})
	c := dial(t, ts.addr)
	c.Send("POST /files/expect.txt HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nExpect: 100-continue\r\n\r\n")
	if r := c.Read(false); r.Status != 100 {
		t.Fatalf("interim status %d, want 100", r.Status)
	}
	c.Send("data")
	if r := c.Read(false); r.Status != 201 {
		t.Fatalf("status %d, want 201", r.Status)
	}
}

// A large file goes out whole and exact, to a client that reads slowly.
func TestLargeFileToSlowReader(t *testing.T) {
	ts := start(t, options{})
	body := bytesOf(8 << 20)
	if err := os.WriteFile(filepath.Join(ts.dir, "big.bin"), body, 0o644); err != nil {
		t.Fatal(err)
	}
	c := dial(t, ts.addr)
	c.Send(get("/files/big.bin") + get("/echo/after"))
	time.Sleep(200 * time.Millisecond) // let the socket buffers fill: the server must wait, not spin or drop
	r := c.Read(false)
	if r.Status != 200 || !bytes.Equal(r.Body, body) {
		t.Fatalf("status %d, %d bytes (want %d), equal=%v", r.Status, len(r.Body), len(body), bytes.Equal(r.Body, body))
	}
	if r := c.Read(false); string(r.Body) != "after" {
		t.Fatalf("next response %q", r.Body)
	}
}
