//go:build unix

package main

import (
	"bufio"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// request sends one raw request on a fresh connection and returns the
// status and body (read to Content-Length).
func request(t *testing.T, addr, method, path string, body string, fields ...string) (int, string) {
	t.Helper()
	var b strings.Builder
	b.WriteString(method + " " + path + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n")
	for _, f := range fields {
		b.WriteString(f + "\r\n")
	}
	if body != "" || method == "POST" || method == "PUT" {
		b.WriteString("Content-Length: " + strconv.Itoa(len(body)) + "\r\n")
	}
	b.WriteString("\r\n" + body)
	conn, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(10 * time.Second))
	io.WriteString(conn, b.String())
	resp, err := http.ReadResponse(bufio.NewReader(conn), &http.Request{Method: method})
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	got, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(got)
}

// site writes a tree with its own files/ and echo/ folders.
func site(t *testing.T) string {
	tree := t.TempDir()
	for name, body := range map[string]string{
		"index.html":       "<p>home</p>",
		"files/report.txt": "the site's report",
		"echo/index.html":  "<p>the site's echo page</p>",
		".env":             "SECRET=1",
	} {
		must(t, os.MkdirAll(filepath.Join(tree, filepath.Dir(name)), 0o755))
		must(t, os.WriteFile(filepath.Join(tree, name), []byte(body), 0o644))
	}
	return tree
}

// TestStaticModeOwnsTree: "pipehttp DIR" publishes the tree alone and
// read-only: the site's own files/ and echo/ folders are served, nothing
// can be written, dotfiles are hidden, and errors say their status in text.
func TestStaticModeOwnsTree(t *testing.T) {
	tree := site(t)
	p := startBinary(t, tree)
	for _, want := range []string{"mode=static", "uploads=off", `routes="the tree at / (read-only)"`} {
		if !strings.Contains(p.banner, want) {
			t.Errorf("banner lacks %s:\n%s", want, p.banner)
		}
	}
	tests := []struct {
		method, path, body string
		status             int
		want               string // body substring
	}{
		{"GET", "/files/report.txt", "", 200, "the site's report"},
		{"GET", "/files/", "", 200, "report.txt"}, // the site's own folder, listed as any other
		{"GET", "/echo/", "", 200, "the site's echo page"},
		{"GET", "/echo/hi", "", 404, "404 Not Found\n"},
		{"GET", "/user-agent", "", 404, "404 Not Found\n"},
		{"GET", "/.env", "", 404, "404 Not Found\n"},
		{"POST", "/files/report.txt", "overwritten", 405, "405 Method Not Allowed\n"},
		{"PUT", "/files/new.txt", "new", 405, "405 Method Not Allowed\n"},
		{"PUT", "/index.html", "new", 405, "405 Method Not Allowed\n"},
		{"DELETE", "/index.html", "", 405, "405 Method Not Allowed\n"},
	}
	for _, tc := range tests {
		status, body := request(t, p.addr, tc.method, tc.path, tc.body)
		if status != tc.status || !strings.Contains(body, tc.want) {
			t.Errorf("%s %s: %d %q, want %d with %q", tc.method, tc.path, status, body, tc.status, tc.want)
		}
	}
	if _, err := os.Stat(filepath.Join(tree, "files/new.txt")); err == nil {
		t.Errorf("a file was written into the tree")
	}
	if got, _ := os.ReadFile(filepath.Join(tree, "files/report.txt")); string(got) != "the site's report" {
		t.Errorf("the tree was changed: %q", got)
	}
	if status, body := request(t, p.addr, "GET", "/nope", "", "Accept: text/html,*/*;q=0.8"); status != 404 || !strings.Contains(body, "<h1>404 Not Found</h1>") {
		t.Errorf("browser 404: %d %q", status, body)
	}
	stop(t, p)
}

// TestStaticModeWithClassic: an explicit --directory (or --classic) brings
// the classic routes back ahead of the tree; the banner says which paths
// of the tree they shadow; uploads still need --uploads.
func TestStaticModeWithClassic(t *testing.T) {
	tree, dir := site(t), t.TempDir()
	must(t, os.WriteFile(filepath.Join(dir, "a.txt"), []byte("from --directory"), 0o644))
	p := startBinary(t, tree, "--directory", dir)
	if !strings.Contains(p.banner, `shadowed="/echo, /echo/*, /user-agent, /files, /files/*"`) || !strings.Contains(p.banner, "uploads=off") {
		t.Errorf("banner:\n%s", p.banner)
	}
	waitLog(t, p, `msg="the built-in routes shadow these paths of the tree; they are not served from it" paths="/echo /files"`)
	tests := []struct {
		method, path, body string
		status             int
		want               string
	}{
		{"GET", "/files/a.txt", "", 200, "from --directory"},
		{"GET", "/files/report.txt", "", 404, "404 Not Found\n"}, // shadowed: said in the banner
		{"GET", "/files/", "", 404, "404 Not Found\n"},           // never a listing
		{"GET", "/echo/hi", "", 200, "hi"},
		{"GET", "/index.html", "", 200, "home"},
		{"POST", "/files/new.txt", "x", 405, ""},
		{"PUT", "/files/new.txt", "x", 405, ""},
	}
	for _, tc := range tests {
		status, body := request(t, p.addr, tc.method, tc.path, tc.body)
		if status != tc.status || !strings.Contains(body, tc.want) {
			t.Errorf("%s %s: %d %q, want %d with %q", tc.method, tc.path, status, body, tc.status, tc.want)
		}
	}
	stop(t, p)

	p = startBinary(t, tree, "--classic", "--directory", dir, "--uploads")
	if status, _ := request(t, p.addr, "PUT", "/files/new.txt", "uploaded"); status != 201 {
		t.Errorf("PUT with --uploads: %d", status)
	}
	if got, _ := os.ReadFile(filepath.Join(dir, "new.txt")); string(got) != "uploaded" {
		t.Errorf("upload: %q", got)
	}
	stop(t, p)
}

// TestStartupSweep: with uploads on, leftover temp files of our own pattern
// are removed at start and counted in the log; nothing else is touched,
// and a read-only server removes nothing.
func TestStartupSweep(t *testing.T) {
	dir := t.TempDir()
	must(t, os.Mkdir(filepath.Join(dir, "sub"), 0o755))
	stale := []string{".a.txt.upload-0123456789abcdef", "sub/.b.upload-k3x9"}
	keep := []string{"a.txt.upload-0123", ".a.txt.upload-XYZ", ".profile", "a.txt"}
	for _, n := range append(append([]string{}, stale...), keep...) {
		must(t, os.WriteFile(filepath.Join(dir, n), []byte("x"), 0o644))
	}
	tree := t.TempDir()
	p := startBinary(t, tree, "--directory", dir) // static, uploads off: no sweep
	stop(t, p)
	if strings.Contains(p.log.String(), "removed leftover") {
		t.Errorf("a read-only server swept:\n%s", p.log)
	}
	p = startBinary(t, "--directory", dir)
	if !strings.Contains(p.log.String(), `msg="removed leftover upload temp files" count=2`) {
		t.Errorf("log:\n%s", p.log)
	}
	stop(t, p)
	for _, n := range stale {
		if _, err := os.Stat(filepath.Join(dir, n)); err == nil {
			t.Errorf("%s left", n)
		}
	}
	for _, n := range keep {
		if _, err := os.Stat(filepath.Join(dir, n)); err != nil {
			t.Errorf("%s removed", n)
		}
	}
}

// waitLog waits for a line of the process's log.
func waitLog(t *testing.T, p *process, want string) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); !strings.Contains(p.log.String(), want); time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("log lacks %s:\n%s", want, p.log)
		}
	}
}
