package files_test

import (
	"bytes"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"pipehttp/files"
)

// TestPutOverSockets: PUT stores the body on the same atomic path as POST and says
// whether it created the file (201) or replaced it (204, RFC 9110 §9.3.4);
// POST keeps its classic 201. Over a real socket, buffered and streamed.
func TestPutOverSockets(t *testing.T) {
	fx := newFixture(t)
	c := dial(t, serve(t, &files.Handler{Store: fx.store}))
	big := strings.Repeat("0123456789abcdef", 8192) // 128 KiB: streamed
	tests := []struct {
		name, method, path string
		fields             []string
		body               string
		status             int
		file               string
	}{
		{name: "PUT new", method: "PUT", path: "/files/new.txt", body: "fresh", status: 201, file: "new.txt"},
		{name: "PUT replace", method: "PUT", path: "/files/new.txt", body: "again", status: 204, file: "new.txt"},
		{name: "PUT over a fixture", method: "PUT", path: "/files/a.txt", body: "replaced", status: 204, file: "a.txt"},
		{name: "PUT nested new", method: "PUT", path: "/files/sub/put.txt", body: "deep", status: 201, file: "sub/put.txt"},
		{name: "PUT empty", method: "PUT", path: "/files/empty.txt", body: "", status: 201, file: "empty.txt"},
		{name: "PUT streamed new", method: "PUT", path: "/files/big", body: big, status: 201, file: "big"},
		{name: "PUT streamed replace", method: "PUT", path: "/files/big", body: big[1:], status: 204, file: "big"},
		{name: "PUT with 100-continue", method: "PUT", path: "/files/cont", fields: []string{"Expect: 100-continue"}, body: "waited", status: 201, file: "cont"},
		{name: "POST replace stays 201", method: "POST", path: "/files/new.txt", body: "posted", status: 201, file: "new.txt"},
		{name: "PUT into a missing directory", method: "PUT", path: "/files/nodir/x", body: "x", status: 404},
		{name: "PUT onto a directory", method: "PUT", path: "/files/sub", body: "x", status: 403},
		{name: "PUT outside", method: "PUT", path: "/files/../secret.txt", body: "x", status: 403},
		{name: "PUT a temp name", method: "PUT", path: "/files/.a.txt.upload-0123456789abcdef", body: "x", status: 403},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			fields := append([]string{"Content-Length: " + strconv.Itoa(len(tc.body))}, tc.fields...)
			c.Send(formatRequest(tc.method, tc.path, fields...) + tc.body)
			r := c.Read(false)
			if r.Status == 100 {
				r = c.Read(false)
			}
			if r.Status != tc.status {
				t.Fatalf("status %d, want %d", r.Status, tc.status)
			}
			if len(r.Body) != 0 {
				t.Errorf("body %q", r.Body)
			}
			if tc.file != "" {
				if got, _ := os.ReadFile(filepath.Join(fx.dir, tc.file)); string(got) != tc.body {
					t.Errorf("file holds %d bytes, want the %d sent", len(got), len(tc.body))
				}
			}
			checkNoTemp(t, fx.dir)
			fx.checkSentinel(t)
		})
	}
}

// TestUploadsOff: a read-only /files/ refuses POST and PUT with 405 and
// Allow, and writes nothing.
func TestUploadsOff(t *testing.T) {
	fx := newFixture(t)
	c := dial(t, serve(t, &files.Handler{Store: fx.store, ReadOnly: true}))
	before := tree(t, fx.dir)
	for _, method := range []string{"POST", "PUT"} {
		c.Send(formatRequest(method, "/files/new.txt", "Content-Length: 5") + "hello")
		r := c.Read(false)
		if r.Status != 405 || r.Get(t, "Allow") != "GET, HEAD" {
			t.Errorf("%s: %d Allow %q, want 405 with GET, HEAD", method, r.Status, r.Get(t, "Allow"))
		}
		c = dial(t, c.Conn.RemoteAddr().String()) // a refused body may close the connection
	}
	if r := c.Request("GET", "/files/a.txt"); r.Status != 200 || string(r.Body) != "hello, world\n" {
		t.Errorf("GET: %d %q", r.Status, r.Body)
	}
	if after := tree(t, fx.dir); !equal(before, after) {
		t.Errorf("the store changed: %q -> %q", before, after)
	}
}

// TestPutConcurrentCreated: of uploads racing to a new name, exactly one
// is told it created the file.
func TestPutConcurrentCreated(t *testing.T) {
	fx := newFixture(t)
	const n = 8
	created := make(chan bool, n)
	done := make(chan struct{})
	for i := range n {
		go func() {
			c, err := fx.store.Put("race.txt", bytes.Repeat([]byte{byte('a' + i)}, 1000))
			if err != nil {
				t.Error(err)
			}
			created <- c
			done <- struct{}{}
		}()
	}
	count := 0
	for range n {
		<-done
		if <-created {
			count++
		}
	}
	if count != 1 {
		t.Errorf("%d uploads say they created the file, want 1", count)
	}
}

func formatRequest(method, path string, fields ...string) string {
	var b strings.Builder
	b.WriteString(method + " " + path + " HTTP/1.1\r\nHost: localhost\r\n")
	for _, f := range fields {
		b.WriteString(f + "\r\n")
	}
	b.WriteString("\r\n")
	return b.String()
}

func equal(a, b []string) bool {
	return strings.Join(a, "\x00") == strings.Join(b, "\x00")
}
