package router_test

import (
	"bytes"
	"compress/gzip"
	"io"
	"testing"

	"pipehttp/parser"
	"pipehttp/response"
	"pipehttp/router"
)

// newRequest builds a request by hand, the way the parser would fill it:
// fields are name, value pairs; User-Agent is also picked out.
func newRequest(method, path string, fields ...string) *parser.Request {
	req := &parser.Request{
		Method:        []byte(method),
		Target:        []byte(path),
		Path:          []byte(path),
		Version:       parser.HTTP11,
		Host:          []byte("localhost"),
		ContentLength: -1,
		KeepAlive:     true,
	}
	for i := 0; i+1 < len(fields); i += 2 {
		f := parser.Field{Name: []byte(fields[i]), Value: []byte(fields[i+1])}
		req.Fields = append(req.Fields, f)
		if bytes.EqualFold(f.Name, []byte("User-Agent")) {
			req.UserAgent = f.Value
		}
	}
	return req
}

func allowOf(resp *response.Response) string {
	for _, f := range resp.Fields {
		if f.Name == "Allow" {
			return f.Value
		}
	}
	return ""
}

func gunzip(t *testing.T, b []byte) []byte {
	t.Helper()
	zr, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("gzip.NewReader: %v", err)
	}
	out, err := io.ReadAll(zr)
	if err != nil {
		t.Fatalf("gunzip: %v", err)
	}
	return out
}

// routeCase is one row of a routing table test.
type routeCase struct {
	name     string
	method   string
	path     string
	fields   []string
	kind     router.Kind
	status   int
	ctype    string
	encoding string
	vary     string
	body     string // decoded body (gunzipped when encoding is gzip)
	allow    string
	headOnly bool
}

const ae = "Accept-Encoding"

func TestRoute(t *testing.T) {
	tests := []routeCase{
		{name: "root", method: "GET", path: "/", status: 200},
		{name: "root HEAD", method: "HEAD", path: "/", status: 200, headOnly: true},
		{name: "root POST", method: "POST", path: "/", status: 405, allow: "GET, HEAD"},
		{name: "root OPTIONS", method: "OPTIONS", path: "/", status: 204, allow: "GET, HEAD, OPTIONS"},

		{name: "echo", method: "GET", path: "/echo/abc", status: 200, ctype: "text/plain", vary: ae, body: "abc"},
		{name: "echo raw encoding", method: "GET", path: "/echo/a%20b%2Fc", status: 200, ctype: "text/plain", vary: ae, body: "a%20b%2Fc"},
		{name: "echo slashes", method: "GET", path: "/echo/a/b/c/", status: 200, ctype: "text/plain", vary: ae, body: "a/b/c/"},
		{name: "echo empty", method: "GET", path: "/echo/", status: 200, ctype: "text/plain", vary: ae},
		{name: "echo HEAD", method: "HEAD", path: "/echo/abc", status: 200, ctype: "text/plain", vary: ae, body: "abc", headOnly: true},
		{name: "echo POST", method: "POST", path: "/echo/x", status: 405, allow: "GET, HEAD"},
		{name: "echo PUT", method: "PUT", path: "/echo/x", status: 405, allow: "GET, HEAD"},
		{name: "echo DELETE", method: "DELETE", path: "/echo/x", status: 405, allow: "GET, HEAD"},
		{name: "echo PATCH", method: "PATCH", path: "/echo/x", status: 405, allow: "GET, HEAD"},
		{name: "echo TRACE", method: "TRACE", path: "/echo/x", status: 405, allow: "GET, HEAD"},
		{name: "echo OPTIONS", method: "OPTIONS", path: "/echo/x", status: 204, allow: "GET, HEAD, OPTIONS"},
		{name: "echo without slash", method: "GET", path: "/echo", status: 404},
		{name: "echo prefix only", method: "GET", path: "/echoes/x", status: 404},

		{name: "echo gzip", method: "GET", path: "/echo/abc", fields: []string{ae, "gzip"}, status: 200, ctype: "text/plain", encoding: "gzip", vary: ae, body: "abc"},
		{name: "echo gzip among others", method: "GET", path: "/echo/abc", fields: []string{ae, "br, gzip;q=0.5, deflate"}, status: 200, ctype: "text/plain", encoding: "gzip", vary: ae, body: "abc"},
		{name: "echo gzip refused", method: "GET", path: "/echo/abc", fields: []string{ae, "gzip;q=0"}, status: 200, ctype: "text/plain", vary: ae, body: "abc"},
		{name: "echo unknown coding", method: "GET", path: "/echo/abc", fields: []string{ae, "invalid-encoding-1, br"}, status: 200, ctype: "text/plain", vary: ae, body: "abc"},
		{name: "echo gzip HEAD", method: "HEAD", path: "/echo/abc", fields: []string{ae, "gzip"}, status: 200, ctype: "text/plain", encoding: "gzip", vary: ae, body: "abc", headOnly: true},
		{name: "echo gzip empty body", method: "GET", path: "/echo/", fields: []string{ae, "gzip"}, status: 200, ctype: "text/plain", vary: ae},

		{name: "user-agent", method: "GET", path: "/user-agent", fields: []string{"User-Agent", "foobar/1.2.3"}, status: 200, ctype: "text/plain", vary: ae, body: "foobar/1.2.3"},
		{name: "user-agent absent", method: "GET", path: "/user-agent", status: 200, ctype: "text/plain", vary: ae},
		{name: "user-agent gzip", method: "GET", path: "/user-agent", fields: []string{"User-Agent", "curl/8", ae, "gzip"}, status: 200, ctype: "text/plain", encoding: "gzip", vary: ae, body: "curl/8"},
		{name: "user-agent HEAD", method: "HEAD", path: "/user-agent", fields: []string{"User-Agent", "curl/8"}, status: 200, ctype: "text/plain", vary: ae, body: "curl/8", headOnly: true},
		{name: "user-agent trailing slash", method: "GET", path: "/user-agent/", status: 404},
		{name: "user-agent POST", method: "POST", path: "/user-agent", status: 405, allow: "GET, HEAD"},

		{name: "files GET", method: "GET", path: "/files/a.txt", kind: router.File},
		{name: "files HEAD", method: "HEAD", path: "/files/a.txt", kind: router.File},
		{name: "files POST", method: "POST", path: "/files/a.txt", kind: router.File},
		{name: "files nested", method: "GET", path: "/files/sub/a.txt", kind: router.File},
		{name: "files PUT", method: "PUT", path: "/files/a.txt", status: 405, allow: "GET, HEAD, POST"},
		{name: "files DELETE", method: "DELETE", path: "/files/a.txt", status: 405, allow: "GET, HEAD, POST"},
		{name: "files OPTIONS", method: "OPTIONS", path: "/files/a.txt", status: 204, allow: "GET, HEAD, POST, OPTIONS"},
		{name: "files empty name", method: "GET", path: "/files/", status: 404},
		{name: "files empty name POST", method: "POST", path: "/files/", status: 404},
		{name: "files without slash", method: "GET", path: "/files", status: 404},

		{name: "OPTIONS *", method: "OPTIONS", path: "*", status: 204, allow: "GET, HEAD, POST, OPTIONS"},
		{name: "GET *", method: "GET", path: "*", status: 404},

		{name: "not found", method: "GET", path: "/nope", status: 404},
		{name: "not found HEAD", method: "HEAD", path: "/nope", status: 404, headOnly: true},
		{name: "not found POST", method: "POST", path: "/nope", status: 404},
		{name: "empty path", method: "GET", path: "", status: 404},

		{name: "CONNECT", method: "CONNECT", path: "/", status: 501},
		{name: "CONNECT authority", method: "CONNECT", path: "example.com:443", status: 501},
		{name: "lowercase get", method: "get", path: "/", status: 501},
		{name: "unknown method", method: "BREW", path: "/echo/x", status: 501},
		{name: "unknown method unknown path", method: "PROPFIND", path: "/nope", status: 501},
	}
	runRouteCases(t, router.New(), tests)
}

// runRouteCases routes every case with rt and checks the answer.
func runRouteCases(t *testing.T, rt *router.Router, tests []routeCase) {
	t.Helper()
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			req := newRequest(tc.method, tc.path, tc.fields...)
			var resp response.Response
			kind := rt.Route(req, &resp)
			if kind != tc.kind {
				t.Fatalf("kind = %v, want %v", kind, tc.kind)
			}
			if kind == router.File || kind == router.Static {
				if resp.Status != 0 || len(resp.Body) != 0 || len(resp.Fields) != 0 {
					t.Errorf("%v route touched resp: %+v", kind, resp)
				}
				return
			}
			if resp.Status != tc.status {
				t.Errorf("status = %d, want %d", resp.Status, tc.status)
			}
			if resp.ContentType != tc.ctype {
				t.Errorf("content type = %q, want %q", resp.ContentType, tc.ctype)
			}
			if resp.ContentEncoding != tc.encoding {
				t.Errorf("content encoding = %q, want %q", resp.ContentEncoding, tc.encoding)
			}
			if resp.Vary != tc.vary {
				t.Errorf("vary = %q, want %q", resp.Vary, tc.vary)
			}
			if got := allowOf(&resp); got != tc.allow {
				t.Errorf("Allow = %q, want %q", got, tc.allow)
			}
			if resp.HeadOnly != tc.headOnly {
				t.Errorf("HeadOnly = %v, want %v", resp.HeadOnly, tc.headOnly)
			}
			if resp.File != nil {
				t.Errorf("inline response has a file")
			}
			body := resp.Body
			if resp.ContentEncoding == "gzip" {
				body = gunzip(t, resp.Body)
			}
			if string(body) != tc.body {
				t.Errorf("body = %q, want %q", body, tc.body)
			}
			if resp.ContentLength() != int64(len(resp.Body)) {
				t.Errorf("ContentLength = %d, want %d", resp.ContentLength(), len(resp.Body))
			}
		})
	}
}

// TestRouteStatic: in static mode the classic routes keep precedence and
// own their prefixes whole, and every other absolute path belongs to the
// static tree, which serves GET and HEAD (RFC 9110 §9.3.1, §9.3.2), answers
// OPTIONS (§9.3.7) and refuses other known methods with 405 and Allow
// (§15.5.6). Error answers carry a plain-text body.
func TestRouteStatic(t *testing.T) {
	const text = "text/plain; charset=utf-8"
	tests := []routeCase{
		{name: "root is the tree", method: "GET", path: "/", kind: router.Static},
		{name: "root HEAD", method: "HEAD", path: "/", kind: router.Static},
		{name: "file", method: "GET", path: "/index.html", kind: router.Static},
		{name: "nested", method: "GET", path: "/a/b/c.css", kind: router.Static},
		{name: "directory", method: "GET", path: "/a/b/", kind: router.Static},
		{name: "encoded", method: "GET", path: "/a%20b/%2e%2e", kind: router.Static},
		{name: "files without name is not a listing", method: "GET", path: "/files/", status: 404, ctype: text, body: "404 Not Found\n"},
		{name: "files without slash", method: "GET", path: "/files", status: 404, ctype: text, body: "404 Not Found\n"},
		{name: "echo without slash", method: "GET", path: "/echo", status: 404, ctype: text, body: "404 Not Found\n"},
		{name: "user-agent with slash", method: "GET", path: "/user-agent/", kind: router.Static},
		{name: "files-like name", method: "GET", path: "/filesystem.txt", kind: router.Static},
		{name: "POST", method: "POST", path: "/a.txt", status: 405, allow: "GET, HEAD", ctype: text, body: "405 Method Not Allowed\n"},
		{name: "PUT root", method: "PUT", path: "/", status: 405, allow: "GET, HEAD", ctype: text, body: "405 Method Not Allowed\n"},
		{name: "DELETE", method: "DELETE", path: "/a.txt", status: 405, allow: "GET, HEAD", ctype: text, body: "405 Method Not Allowed\n"},
		{name: "OPTIONS", method: "OPTIONS", path: "/a.txt", status: 204, allow: "GET, HEAD, OPTIONS"},

		{name: "echo keeps precedence", method: "GET", path: "/echo/abc", status: 200, ctype: "text/plain", vary: ae, body: "abc"},
		{name: "user-agent keeps precedence", method: "GET", path: "/user-agent", fields: []string{"User-Agent", "ua/1"}, status: 200, ctype: "text/plain", vary: ae, body: "ua/1"},
		{name: "files keeps precedence", method: "GET", path: "/files/a.txt", kind: router.File},
		{name: "files POST", method: "POST", path: "/files/a.txt", kind: router.File},

		{name: "OPTIONS *", method: "OPTIONS", path: "*", status: 204, allow: "GET, HEAD, POST, OPTIONS"},
		{name: "GET *", method: "GET", path: "*", status: 404, ctype: text, body: "404 Not Found\n"},
		{name: "empty path", method: "GET", path: "", status: 404, ctype: text, body: "404 Not Found\n"},
		{name: "CONNECT", method: "CONNECT", path: "/", status: 501, ctype: text, body: "501 Not Implemented\n"},
		{name: "unknown method", method: "BREW", path: "/a.txt", status: 501, ctype: text, body: "501 Not Implemented\n"},
	}
	runRouteCases(t, router.NewStatic(), tests)
}

// TestRouteTreeOnly: static mode without the built-in routes (pipehttp DIR)
// gives the tree every path, /echo/ and /files/ included, and takes no
// upload anywhere.
func TestRouteTreeOnly(t *testing.T) {
	tests := []routeCase{
		{name: "root", method: "GET", path: "/", kind: router.Static},
		{name: "site echo folder", method: "GET", path: "/echo/index.html", kind: router.Static},
		{name: "site files folder", method: "GET", path: "/files/report.txt", kind: router.Static},
		{name: "files listing is the site's", method: "GET", path: "/files/", kind: router.Static},
		{name: "user-agent", method: "GET", path: "/user-agent", kind: router.Static},
		{name: "POST files", method: "POST", path: "/files/x", status: 405, allow: "GET, HEAD", ctype: "text/plain; charset=utf-8", body: "405 Method Not Allowed\n"},
		{name: "PUT files", method: "PUT", path: "/files/x", status: 405, allow: "GET, HEAD", ctype: "text/plain; charset=utf-8", body: "405 Method Not Allowed\n"},
		{name: "OPTIONS *", method: "OPTIONS", path: "*", status: 204, allow: "GET, HEAD, OPTIONS"},
	}
	runRouteCases(t, router.NewWith(router.Config{Static: true, NoBuiltin: true}), tests)
}

// TestRouteFilesAccess: what /files/{name} takes follows Config.Files, and
// the 405's Allow and the OPTIONS answers say so.
func TestRouteFilesAccess(t *testing.T) {
	t.Run("read-only", func(t *testing.T) {
		runRouteCases(t, router.NewWith(router.Config{Files: router.FilesReadOnly}), []routeCase{
			{name: "GET", method: "GET", path: "/files/a", kind: router.File},
			{name: "HEAD", method: "HEAD", path: "/files/a", kind: router.File},
			{name: "POST", method: "POST", path: "/files/a", status: 405, allow: "GET, HEAD"},
			{name: "PUT", method: "PUT", path: "/files/a", status: 405, allow: "GET, HEAD"},
			{name: "OPTIONS", method: "OPTIONS", path: "/files/a", status: 204, allow: "GET, HEAD, OPTIONS"},
			{name: "OPTIONS *", method: "OPTIONS", path: "*", status: 204, allow: "GET, HEAD, OPTIONS"},
		})
	})
	t.Run("read-write", func(t *testing.T) {
		runRouteCases(t, router.NewWith(router.Config{Files: router.FilesReadWrite}), []routeCase{
			{name: "POST", method: "POST", path: "/files/a", kind: router.File},
			{name: "PUT", method: "PUT", path: "/files/a", kind: router.File},
			{name: "DELETE", method: "DELETE", path: "/files/a", status: 405, allow: "GET, HEAD, POST, PUT"},
			{name: "OPTIONS", method: "OPTIONS", path: "/files/a", status: 204, allow: "GET, HEAD, POST, PUT, OPTIONS"},
			{name: "OPTIONS *", method: "OPTIONS", path: "*", status: 204, allow: "GET, HEAD, POST, PUT, OPTIONS"},
			{name: "PUT echo", method: "PUT", path: "/echo/a", status: 405, allow: "GET, HEAD"},
		})
	})
}

// TestCheck: the method check on the head alone agrees with Route for
// every configuration, so the pipeline can answer 405 before 413.
func TestCheck(t *testing.T) {
	configs := map[string]router.Config{
		"classic":    {},
		"read-write": {Files: router.FilesReadWrite},
		"read-only":  {Files: router.FilesReadOnly},
		"static":     {Static: true},
		"tree only":  {Static: true, NoBuiltin: true},
	}
	methods := []string{"GET", "HEAD", "POST", "PUT", "DELETE", "OPTIONS", "PATCH", "CONNECT", "BREW"}
	paths := []string{"/", "/echo/x", "/echo", "/user-agent", "/files/a", "/files/", "/files", "/nope", "*", ""}
	for name, cfg := range configs {
		rt := router.NewWith(cfg)
		for _, m := range methods {
			for _, p := range paths {
				var resp response.Response
				kind := rt.Route(newRequest(m, p), &resp)
				want, wantAllow := 0, ""
				if kind == router.Inline && resp.Status >= 400 {
					want, wantAllow = resp.Status, allowOf(&resp)
				}
				if got, allow := rt.Check([]byte(m), []byte(p)); got != want || allow != wantAllow {
					t.Errorf("%s: Check(%s %s) = %d %q; Route answers %d %q", name, m, p, got, allow, want, wantAllow)
				}
			}
		}
	}
	if st, allow := router.New().Check([]byte("PUT"), []byte("/files/big")); st != 405 || allow != "GET, HEAD, POST" {
		t.Errorf("classic PUT /files/big: %d %q, want 405 with Allow", st, allow)
	}
}

// TestErrorForm: HTML only for a client that names text/html, text in
// static mode, nothing otherwise (the classic contract).
func TestErrorForm(t *testing.T) {
	tests := []struct {
		name   string
		accept []string
		static bool
		want   response.ErrorForm
	}{
		{name: "no Accept", want: response.NoErrorBody},
		{name: "no Accept, static", static: true, want: response.TextErrorBody},
		{name: "curl", accept: []string{"Accept", "*/*"}, want: response.NoErrorBody},
		{name: "curl, static", accept: []string{"Accept", "*/*"}, static: true, want: response.TextErrorBody},
		{name: "browser", accept: []string{"Accept", "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}, want: response.HTMLErrorBody},
		{name: "browser, static", accept: []string{"Accept", "text/html,*/*;q=0.8"}, static: true, want: response.HTMLErrorBody},
		{name: "case and spaces", accept: []string{"ACCEPT", " Text/HTML ; level=1 ; q=0.5"}, want: response.HTMLErrorBody},
		{name: "html refused", accept: []string{"Accept", "text/html;q=0, */*"}, want: response.NoErrorBody},
		{name: "text/* is not a page", accept: []string{"Accept", "text/*"}, want: response.NoErrorBody},
		{name: "image request", accept: []string{"Accept", "image/avif,image/webp,*/*;q=0.8"}, static: true, want: response.TextErrorBody},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := router.ErrorFormFor(newRequest("GET", "/", tc.accept...), tc.static); got != tc.want {
				t.Errorf("ErrorFormFor = %v, want %v", got, tc.want)
			}
		})
	}
	var resp response.Response
	router.New().Route(newRequest("GET", "/nope", "Accept", "text/html"), &resp)
	if resp.Status != 404 || resp.ContentType != "text/html; charset=utf-8" || !bytes.Contains(resp.Body, []byte("<h1>404 Not Found</h1>")) {
		t.Errorf("classic 404 for a browser: %d %q %q", resp.Status, resp.ContentType, resp.Body)
	}
}

// TestRouteCopiesBody checks that the body never aliases the request's
// bytes, which belong to the connection's read buffer.
func TestRouteCopiesBody(t *testing.T) {
	tests := []struct {
		name  string
		path  string
		field []string
	}{
		{name: "echo", path: "/echo/hello"},
		{name: "user-agent", path: "/user-agent", field: []string{"User-Agent", "hello"}},
	}
	rt := router.New()
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			req := newRequest("GET", tc.path, tc.field...)
			var resp response.Response
			rt.Route(req, &resp)
			for i := range req.Path {
				req.Path[i] = 'X'
			}
			for i := range req.UserAgent {
				req.UserAgent[i] = 'X'
			}
			if string(resp.Body) != "hello" {
				t.Errorf("body = %q after the request buffer changed, want %q", resp.Body, "hello")
			}
		})
	}
}

// TestRouteReusesResponse routes into one pooled response again and again,
// as the pipeline does, alternating identity and gzip.
func TestRouteReusesResponse(t *testing.T) {
	rt := router.New()
	var resp response.Response
	for i, tc := range []struct {
		path, ae, want string
	}{
		{"/echo/a-rather-longer-body-first", "", "a-rather-longer-body-first"},
		{"/echo/short", "gzip", "short"},
		{"/echo/x", "", "x"},
		{"/echo/" + string(bytes.Repeat([]byte("ab"), 5000)), "gzip", string(bytes.Repeat([]byte("ab"), 5000))},
		{"/nope", "", ""},
		{"/echo/y", "gzip", "y"},
	} {
		resp.Reset()
		req := newRequest("GET", tc.path, "Accept-Encoding", tc.ae)
		rt.Route(req, &resp)
		body := resp.Body
		if resp.ContentEncoding == "gzip" {
			body = gunzip(t, body)
		}
		if string(body) != tc.want {
			t.Errorf("%d: body = %.40q, want %.40q", i, body, tc.want)
		}
	}
}
