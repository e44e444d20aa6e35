package static_test

import (
	"bytes"
	"fmt"
	"strings"
	"testing"

	"pipehttp/static"
)

// TestServeFiles fetches every kind of file over a real socket: the body,
// and the Content-Type from the extension, then sniffing, then
// application/octet-stream (RFC 9110 §8.3).
func TestServeFiles(t *testing.T) {
	s := newSite(t)
	addr := start(t, s.root, static.Config{})
	tests := []struct {
		name, path, ctype string
		body              []byte
	}{
		{"text by extension", "/hello.txt", "text/plain; charset=utf-8", s.files["hello.txt"]},
		{"css", "/style.css", "text/css; charset=utf-8", css},
		{"html", "/page.html", "text/html; charset=utf-8", s.files["page.html"]},
		{"json", "/data.json", "application/json", s.files["data.json"]},
		{"js", "/stale.js", "text/javascript; charset=utf-8", jsBody},
		{"png", "/image.png", "image/png", s.files["image.png"]},
		{"sniffed html", "/noext-html", "text/html; charset=utf-8", s.files["noext-html"]},
		{"sniffed text", "/noext-text", "text/plain; charset=utf-8", s.files["noext-text"]},
		{"sniffed binary", "/noext-bin", "application/octet-stream", binary},
		{"unknown extension sniffed", "/weird.qqqzzz", "text/plain; charset=utf-8", []byte("plain words")},
		{"empty file", "/empty.txt", "text/plain; charset=utf-8", nil},
		{"encoded space", "/a%20b.txt", "text/plain; charset=utf-8", []byte("spaced")},
		{"encoded letters", "/%68ello.txt", "text/plain; charset=utf-8", s.files["hello.txt"]},
		{"decoded once: %252e%252e is a literal name", "/%252e%252e", "text/plain; charset=utf-8", []byte("literal percent name")},
		{"symlink inside", "/link-in", "text/plain; charset=utf-8", s.files["hello.txt"]},
		{"through a symlinked directory", "/link-site/sub/deep.txt", "text/plain; charset=utf-8", []byte("deep")},
		{"query ignored", "/hello.txt?v=2", "text/plain; charset=utf-8", s.files["hello.txt"]},
		{"double slash", "/site//sub/deep.txt", "text/plain; charset=utf-8", []byte("deep")},
		{"dots inside a name", "/dir.with.dots/", "text/html; charset=utf-8", nil},
	}
	c := dial(t, addr) // one keep-alive connection for all
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := c.Request("GET", tc.path)
			if r.Status != 200 {
				t.Fatalf("status %d", r.Status)
			}
			if got := r.Get(t, "Content-Type"); got != tc.ctype {
				t.Errorf("Content-Type %q, want %q", got, tc.ctype)
			}
			if tc.body != nil && !bytes.Equal(r.Body, tc.body) {
				t.Errorf("body %.60q, want %.60q", r.Body, tc.body)
			}
			if r.Get(t, "X-Content-Type-Options") != "nosniff" {
				t.Errorf("no X-Content-Type-Options: nosniff")
			}
			if r.Get(t, "Date") == "" {
				t.Errorf("no Date")
			}
		})
	}
}

// TestDirectories: index.html, the 301 to the slash form, listings.
func TestDirectories(t *testing.T) {
	s := newSite(t)
	addr := start(t, s.root, static.Config{})
	tests := []struct {
		name, path string
		status     int
		location   string
		body       string // substring
		byParser   bool   // answered by the pipeline's parser, whose error answers carry no body yet
	}{
		{name: "index.html", path: "/site/", status: 200, body: "site index"},
		{name: "index.html through a symlink", path: "/link-site/", status: 200, body: "site index"},
		{name: "redirect to slash (RFC 9110 §15.4.2)", path: "/site", status: 301, location: "/site/"},
		{name: "redirect keeps the query", path: "/site?a=1&b=%20", status: 301, location: "/site/?a=1&b=%20"},
		{name: "redirect keeps the encoding", path: "/site/s%75b", status: 301, location: "/site/s%75b/"},
		{name: "listing without index", path: "/site/sub/", status: 200, body: `<a href="./deep.txt">deep.txt</a>`},
		{name: "root listing", path: "/", status: 200, body: "Index of /"},
		{name: "empty directory", path: "/empty/", status: 200, body: "Index of /empty/"},
		{name: "a directory named index.html.d is no index", path: "/index.html.d/", status: 200, body: "Index of /index.html.d/"},
		{name: "file with trailing slash", path: "/hello.txt/", status: 404},
		{name: "missing", path: "/nope.txt", status: 404},
		{name: "missing directory", path: "/nodir/x", status: 404},
		{name: "through a file", path: "/hello.txt/x", status: 404},
		{name: "fifo", path: "/fifo", status: 403},
		{name: "bad escape", path: "/%zz", status: 400, byParser: true},
		{name: "truncated escape", path: "/a%2", status: 400, byParser: true},
		{name: "NUL", path: "/hello.txt%00", status: 400},
		{name: "too long", path: "/" + strings.Repeat("x", 300), status: 414},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := dial(t, addr).Request("GET", tc.path) // a 400 may close the connection
			if r.Status != tc.status {
				t.Fatalf("status %d, want %d", r.Status, tc.status)
			}
			if got := r.Get(t, "Location"); got != tc.location {
				t.Errorf("Location %q, want %q", got, tc.location)
			}
			if !strings.Contains(string(r.Body), tc.body) {
				t.Errorf("body lacks %q:\n%s", tc.body, r.Body)
			}
			if tc.status >= 400 && !tc.byParser {
				// Static mode: the status as one line of text, nothing more.
				if want := fmt.Sprintf("%d %s\n", tc.status, r.Reason); string(r.Body) != want || r.Get(t, "Content-Type") != "text/plain; charset=utf-8" {
					t.Errorf("error body %q (%s), want %q as text", r.Body, r.Get(t, "Content-Type"), want)
				}
			} else if tc.status >= 300 && len(r.Body) != 0 {
				t.Errorf("redirect with a body: %q", r.Body)
			}
		})
	}
}

// TestConfinement sends every traversal trick we know; none may reach the
// sentinel outside the root.
func TestConfinement(t *testing.T) {
	s := newSite(t)
	addr := start(t, s.root, static.Config{Dotfiles: true}) // the strictest test: nothing hidden
	tests := []struct {
		name, path string
		status     int
	}{
		{"dotdot", "/../secret.txt", 403},
		{"deep dotdot", "/site/../../secret.txt", 403},
		{"inner dotdot", "/site/../hello.txt", 403},
		{"encoded dotdot", "/%2e%2e/secret.txt", 403},
		{"encoded dotdot upper", "/%2E%2E/secret.txt", 403},
		{"encoded slash", "/..%2fsecret.txt", 403},
		{"all encoded", "/%2e%2e%2fsecret.txt", 403},
		{"dot segment", "/./hello.txt", 403},
		{"double-encoded traversal is a missing literal name", "/%252e%252e%252fsecret.txt", 404},
		{"backslash is a name", "/..%5csecret.txt", 404},
		{"absolute path", "/" + s.parent + "/secret.txt", 404},
		{"symlink outside", "/link-out", 403},
		{"absolute symlink", "/link-abs", 403},
		{"through symlink to parent", "/link-parent/secret.txt", 403},
		{"symlink to parent listing", "/link-parent/", 403},
		{"NUL", "/%00../secret.txt", 400},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := dial(t, addr).Request("GET", tc.path)
			if r.Status != tc.status {
				t.Errorf("status %d, want %d", r.Status, tc.status)
			}
			if bytes.Contains(r.Body, []byte("SECRET")) {
				t.Fatalf("served the sentinel")
			}
		})
	}
	// The listing leaves out symlinks that lead outside.
	r := dial(t, addr).Request("GET", "/")
	for _, name := range []string{"link-out", "link-abs", "link-parent"} {
		if bytes.Contains(r.Body, []byte(name)) {
			t.Errorf("listing shows %s", name)
		}
	}
}

// TestDotfiles: hidden by default (404, as if missing, and not listed,
// also through symlinks); served and listed with Config.Dotfiles.
func TestDotfiles(t *testing.T) {
	s := newSite(t)
	paths := []string{"/.secret", "/.hidden/x.txt", "/.hidden/", "/%2esecret", "/link-dot", "/link-dotdir/x.txt"}

	t.Run("default", func(t *testing.T) {
		c := dial(t, start(t, s.root, static.Config{}))
		for _, p := range paths {
			if r := c.Request("GET", p); r.Status != 404 {
				t.Errorf("%s: status %d, want 404", p, r.Status)
			}
		}
		r := c.Request("GET", "/")
		if bytes.Contains(r.Body, []byte(".secret")) || bytes.Contains(r.Body, []byte(".hidden")) {
			t.Errorf("listing shows dotfiles:\n%s", r.Body)
		}
	})
	t.Run("--dotfiles", func(t *testing.T) {
		c := dial(t, start(t, s.root, static.Config{Dotfiles: true}))
		for _, p := range paths {
			if r := c.Request("GET", p); r.Status != 200 {
				t.Errorf("%s: status %d, want 200", p, r.Status)
			}
		}
		r := c.Request("GET", "/")
		if !bytes.Contains(r.Body, []byte(`href="./.secret"`)) || !bytes.Contains(r.Body, []byte(`href="./.hidden/"`)) {
			t.Errorf("listing lacks dotfiles:\n%s", r.Body)
		}
	})
}

// TestHead: HEAD gets exactly GET's head, Content-Length included, and no
// body (RFC 9110 §9.3.2); the next response on the connection proves that
// no body bytes were sent.
func TestHead(t *testing.T) {
	s := newSite(t)
	addr := start(t, s.root, static.Config{})
	tests := []struct {
		name, path string
		header     []string
	}{
		{"file", "/hello.txt", nil},
		{"binary", "/bin", nil},
		{"index", "/site/", nil},
		{"listing", "/site/sub/", nil},
		{"json listing", "/site/sub/", []string{"Accept: application/json"}},
		{"redirect", "/site", nil},
		{"missing", "/nope", nil},
		{"gzip on the fly", "/style.css", []string{"Accept-Encoding: gzip"}},
		{"precompressed", "/app.js", []string{"Accept-Encoding: gzip"}},
		{"not modified", "/hello.txt", []string{"If-Modified-Since: Thu, 01 Jan 2037 00:00:00 GMT"}},
		{"range is ignored for HEAD (RFC 9110 §14.2)", "/bin", []string{"Range: bytes=0-9"}},
	}
	c := dial(t, addr)
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			g := c.Request("GET", tc.path, tc.header...)
			h := c.Request("HEAD", tc.path, tc.header...)
			if tc.name == "range is ignored for HEAD (RFC 9110 §14.2)" {
				if h.Status != 200 || h.Get(t, "Content-Length") != "1024" {
					t.Errorf("HEAD with Range: %d, Content-Length %s", h.Status, h.Get(t, "Content-Length"))
				}
				return
			}
			if g.Status != h.Status {
				t.Fatalf("HEAD status %d, GET %d", h.Status, g.Status)
			}
			if gh, hh := headOf(g), headOf(h); gh != hh {
				t.Errorf("HEAD head differs:\nGET  %s\nHEAD %s", gh, hh)
			}
			if r := c.Request("GET", "/hello.txt"); r.Status != 200 || string(r.Body) != "hello, world\n" {
				t.Fatalf("next response on the connection: %d %q", r.Status, r.Body)
			}
		})
	}
}

// headOf is the header fields without Date (and the multipart boundary,
// which is random), one per line.
func headOf(r *resp) string {
	var b strings.Builder
	for _, f := range r.Fields {
		if f.Name == "Date" {
			continue
		}
		b.WriteString(f.Name + ": " + f.Value + "\n")
	}
	return b.String()
}

// TestMethods: the router sends only GET and HEAD to the tree; other
// methods are 405 with Allow (RFC 9110 §15.5.6), OPTIONS is 204, and the
// classic routes keep precedence.
func TestMethods(t *testing.T) {
	s := newSite(t)
	c := dial(t, start(t, s.root, static.Config{}))
	for _, m := range []string{"POST", "PUT", "DELETE", "PATCH"} {
		c.Send(m + " /hello.txt HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n")
		r := c.Read(false)
		if r.Status != 405 || r.Get(t, "Allow") != "GET, HEAD" {
			t.Errorf("%s: %d Allow %q", m, r.Status, r.Get(t, "Allow"))
		}
	}
	if r := c.Request("OPTIONS", "/hello.txt"); r.Status != 204 || r.Get(t, "Allow") != "GET, HEAD, OPTIONS" {
		t.Errorf("OPTIONS: %d Allow %q", r.Status, r.Get(t, "Allow"))
	}
	if r := c.Request("GET", "/echo/hi"); r.Status != 200 || string(r.Body) != "hi" {
		t.Errorf("/echo/hi: %d %q", r.Status, r.Body)
	}
	if r := c.Request("GET", "/files/none"); r.Status != 404 {
		t.Errorf("/files/none: %d", r.Status)
	}
}
