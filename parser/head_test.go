package parser_test

import (
	"testing"

	"pipehttp/parser"
)

func TestParseHeadValid(t *testing.T) {
	const nul = "<nil>"
	tests := []struct {
		name string
		raw  string
		want head
	}{
		{"RFC 9112 §3 minimal GET", "GET /echo/abc HTTP/1.1\r\nHost: x\r\n\r\n", head{
			Method: "GET", Target: "/echo/abc", Path: "/echo/abc", Query: nul, Version: 11,
			Host: "x", UserAgent: nul, ContentLength: -1, KeepAlive: true, Fields: "Host: x"}},
		{"RFC 9112 §3.2.1 origin-form with query", "GET /a/b?x=1&y=%20 HTTP/1.1\r\nHost: h\r\n\r\n", head{
			Method: "GET", Target: "/a/b?x=1&y=%20", Path: "/a/b", Query: "x=1&y=%20", Version: 11,
			Host: "h", UserAgent: nul, ContentLength: -1, KeepAlive: true, Fields: "Host: h"}},
		{"RFC 9112 §3.2.1 empty query is not absent", "GET /? HTTP/1.1\r\nHost: h\r\n\r\n", head{
			Method: "GET", Target: "/?", Path: "/", Query: "", Version: 11,
			Host: "h", UserAgent: nul, ContentLength: -1, KeepAlive: true, Fields: "Host: h"}},
		{"RFC 9112 §3.2.1 query may hold '/' and '?'", "GET /p?a=/b?c HTTP/1.1\r\nHost: h\r\n\r\n", head{
			Method: "GET", Target: "/p?a=/b?c", Path: "/p", Query: "a=/b?c", Version: 11,
			Host: "h", UserAgent: nul, ContentLength: -1, KeepAlive: true, Fields: "Host: h"}},
		{"RFC 3986 §2.1 percent-encoded path", "GET /a%2Fb%c3%A9 HTTP/1.1\r\nHost: h\r\n\r\n", head{
			Method: "GET", Target: "/a%2Fb%c3%A9", Path: "/a%2Fb%c3%A9", Query: nul, Version: 11,
			Host: "h", UserAgent: nul, ContentLength: -1, KeepAlive: true, Fields: "Host: h"}},
		{"RFC 9112 §3.2.2 absolute-form overrides Host", "GET http://example.com:8080/p?q HTTP/1.1\r\nHost: other\r\n\r\n", head{
			Method: "GET", Target: "http://example.com:8080/p?q", Path: "/p", Query: "q", Version: 11,
			Host: "example.com:8080", UserAgent: nul, ContentLength: -1, KeepAlive: true, Fields: "Host: other"}},
		{"RFC 9112 §3.2.2 absolute-form empty path is /", "GET HTTPS://example.com HTTP/1.1\r\nHost: example.com\r\n\r\n", head{
			Method: "GET", Target: "HTTPS://example.com", Path: "/", Query: nul, Version: 11,
			Host: "example.com", UserAgent: nul, ContentLength: -1, KeepAlive: true, Fields: "Host: example.com"}},
		{"RFC 9112 §3.2.2 absolute-form query without path", "GET http://h?x HTTP/1.1\r\nHost: h\r\n\r\n", head{
			Method: "GET", Target: "http://h?x", Path: "/", Query: "x", Version: 11,
			Host: "h", UserAgent: nul, ContentLength: -1, KeepAlive: true, Fields: "Host: h"}},
		{"RFC 9112 §3.2.2 absolute-form IPv6 literal", "GET http://[::1]:80/ HTTP/1.1\r\nHost: [::1]:80\r\n\r\n", head{
			Method: "GET", Target: "http://[::1]:80/", Path: "/", Query: nul, Version: 11,
			Host: "[::1]:80", UserAgent: nul, ContentLength: -1, KeepAlive: true, Fields: "Host: [::1]:80"}},
		{"RFC 9112 §3.2.3 CONNECT authority-form", "CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n", head{
			Method: "CONNECT", Target: "example.com:443", Path: nul, Query: nul, Version: 11,
			Host: "example.com:443", UserAgent: nul, ContentLength: -1, KeepAlive: true, Fields: "Host: example.com:443"}},
		{"RFC 9112 §3.2.4 OPTIONS asterisk-form", "OPTIONS * HTTP/1.1\r\nHost: h\r\n\r\n", head{
			Method: "OPTIONS", Target: "*", Path: "*", Query: nul, Version: 11,
			Host: "h", UserAgent: nul, ContentLength: -1, KeepAlive: true, Fields: "Host: h"}},
		{"RFC 9110 §9.1 unknown token method is the router's business", "BREW /pot HTTP/1.1\r\nHost: h\r\n\r\n", head{
			Method: "BREW", Target: "/pot", Path: "/pot", Query: nul, Version: 11,
			Host: "h", UserAgent: nul, ContentLength: -1, KeepAlive: true, Fields: "Host: h"}},
		{"RFC 9112 §2.2 leading empty lines skipped and counted", "\r\n\n\r\nGET / HTTP/1.1\r\nHost: h\r\n\r\n", head{
			Method: "GET", Target: "/", Path: "/", Query: nul, Version: 11,
			Host: "h", UserAgent: nul, ContentLength: -1, KeepAlive: true, Fields: "Host: h"}},
		{"RFC 9112 §2.2 bare LF line terminators", "GET / HTTP/1.1\nHost: h\nA: b\n\n", head{
			Method: "GET", Target: "/", Path: "/", Query: nul, Version: 11,
			Host: "h", UserAgent: nul, ContentLength: -1, KeepAlive: true, Fields: "Host: h|A: b"}},
		{"RFC 9112 §2.2 mixed CRLF and LF", "GET / HTTP/1.1\r\nHost: h\n\r\n", head{
			Method: "GET", Target: "/", Path: "/", Query: nul, Version: 11,
			Host: "h", UserAgent: nul, ContentLength: -1, KeepAlive: true, Fields: "Host: h"}},
		{"RFC 9112 §5 OWS trimmed, inner space kept, empty value", "GET / HTTP/1.1\r\nHost:h\r\nX-A: \t a  b \t\r\nX-Empty:\r\nX-Sp:   \r\n\r\n", head{
			Method: "GET", Target: "/", Path: "/", Query: nul, Version: 11,
			Host: "h", UserAgent: nul, ContentLength: -1, KeepAlive: true, Fields: "Host: h|X-A: a  b|X-Empty: |X-Sp: "}},
		{"RFC 9110 §5.5 obs-text and HTAB in value", "GET / HTTP/1.1\r\nHost: h\r\nX: caf\xc3\xa9\tok\r\n\r\n", head{
			Method: "GET", Target: "/", Path: "/", Query: nul, Version: 11,
			Host: "h", UserAgent: nul, ContentLength: -1, KeepAlive: true, Fields: "Host: h|X: caf\xc3\xa9\tok"}},
		{"RFC 9110 §5.1 names are case-insensitive; first User-Agent", "GET / HTTP/1.1\r\nhOsT: h\r\nuser-AGENT: a/1\r\nUser-Agent: b/2\r\n\r\n", head{
			Method: "GET", Target: "/", Path: "/", Query: nul, Version: 11,
			Host: "h", UserAgent: "a/1", ContentLength: -1, KeepAlive: true, Fields: "hOsT: h|user-AGENT: a/1|User-Agent: b/2"}},
		{"RFC 9110 §4.2.1 Host IPv6 literal with port", "GET / HTTP/1.1\r\nHost: [2001:db8::1]:8080\r\n\r\n", head{
			Method: "GET", Target: "/", Path: "/", Query: nul, Version: 11,
			Host: "[2001:db8::1]:8080", UserAgent: nul, ContentLength: -1, KeepAlive: true, Fields: "Host: [2001:db8::1]:8080"}},
		{"RFC 9112 §9.3 HTTP/1.0 without Host closes", "GET / HTTP/1.0\r\n\r\n", head{
			Method: "GET", Target: "/", Path: "/", Query: nul, Version: 10,
			Host: nul, UserAgent: nul, ContentLength: -1}},
		{"RFC 9112 §9.3 HTTP/1.0 keep-alive", "GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n", head{
			Method: "GET", Target: "/", Path: "/", Query: nul, Version: 10,
			Host: nul, UserAgent: nul, ContentLength: -1, KeepAlive: true, Fields: "Connection: Keep-Alive"}},
		{"RFC 9112 §9.3 close wins over keep-alive", "GET / HTTP/1.0\r\nConnection: keep-alive\r\nConnection: foo, CLOSE\r\n\r\n", head{
			Method: "GET", Target: "/", Path: "/", Query: nul, Version: 10,
			Host: nul, UserAgent: nul, ContentLength: -1, Fields: "Connection: keep-alive|Connection: foo, CLOSE"}},
		{"RFC 9112 §9.6 HTTP/1.1 Connection: close", "GET / HTTP/1.1\r\nHost: h\r\nConnection: Upgrade, close\r\n\r\n", head{
			Method: "GET", Target: "/", Path: "/", Query: nul, Version: 11,
			Host: "h", UserAgent: nul, ContentLength: -1, Fields: "Host: h|Connection: Upgrade, close"}},
		{"RFC 9110 §8.6 Content-Length on GET", "GET / HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\n\r\nhello", head{
			Method: "GET", Target: "/", Path: "/", Query: nul, Version: 11,
			Host: "h", UserAgent: nul, ContentLength: 5, KeepAlive: true, Fields: "Host: h|Content-Length: 5"}},
		{"RFC 9110 §8.6 Content-Length 0", "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 0\r\n\r\n", head{
			Method: "POST", Target: "/", Path: "/", Query: nul, Version: 11,
			Host: "h", UserAgent: nul, ContentLength: 0, KeepAlive: true, Fields: "Host: h|Content-Length: 0"}},
		{"RFC 9110 §8.6 identical list values taken as one", "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 42, 42\r\nContent-Length: 042\r\n\r\n", head{
			Method: "POST", Target: "/", Path: "/", Query: nul, Version: 11,
			Host: "h", UserAgent: nul, ContentLength: 42, KeepAlive: true, Fields: "Host: h|Content-Length: 42, 42|Content-Length: 042"}},
		{"RFC 9112 §7 chunked, case-insensitive", "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: Chunked\r\n\r\n", head{
			Method: "POST", Target: "/", Path: "/", Query: nul, Version: 11,
			Host: "h", UserAgent: nul, ContentLength: -1, Chunked: true, KeepAlive: true, Fields: "Host: h|Transfer-Encoding: Chunked"}},
		{"RFC 9110 §10.1.1 Expect: 100-continue", "PUT /f HTTP/1.1\r\nHost: h\r\nExpect: 100-Continue\r\nContent-Length: 3\r\n\r\n", head{
			Method: "PUT", Target: "/f", Path: "/f", Query: nul, Version: 11,
			Host: "h", UserAgent: nul, ContentLength: 3, KeepAlive: true, Expect100: true, Fields: "Host: h|Expect: 100-Continue|Content-Length: 3"}},
		{"RFC 9110 §10.1.1 100-continue ignored in HTTP/1.0", "PUT /f HTTP/1.0\r\nExpect: 100-continue\r\nContent-Length: 3\r\n\r\n", head{
			Method: "PUT", Target: "/f", Path: "/f", Query: nul, Version: 10,
			Host: nul, UserAgent: nul, ContentLength: 3, Fields: "Expect: 100-continue|Content-Length: 3"}},
		{"RFC 9112 §3.2 Host with port and sub-delims", "GET / HTTP/1.1\r\nHost: my-host_1.example:08080\r\n\r\n", head{
			Method: "GET", Target: "/", Path: "/", Query: nul, Version: 11,
			Host: "my-host_1.example:08080", UserAgent: nul, ContentLength: -1, KeepAlive: true, Fields: "Host: my-host_1.example:08080"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseWhole(tt.raw, parser.Limits{})
			if err != nil {
				t.Fatalf("ParseHead: %v", err)
			}
			want := tt.want
			want.N = len(tt.raw) - bodyLen(tt.raw)
			if want.Fields == "" {
				want.Fields = got.Fields
				if got.Fields != "" {
					t.Errorf("fields %q, want none", got.Fields)
				}
			}
			if got != want {
				t.Errorf("got  %+v\nwant %+v", got, want)
			}
		})
	}
}

// bodyLen is the length of what follows the first empty line of raw that
// comes after a request line.
func bodyLen(raw string) int {
	start := 0
	for start < len(raw) && (raw[start] == '\r' || raw[start] == '\n') {
		start++
	}
	for i := start; i < len(raw); i++ {
		if raw[i] != '\n' {
			continue
		}
		if i+1 < len(raw) && raw[i+1] == '\n' {
			return len(raw) - i - 2
		}
		if i+2 < len(raw) && raw[i+1] == '\r' && raw[i+2] == '\n' {
			return len(raw) - i - 3
		}
	}
	return 0
}

func TestRequestHeader(t *testing.T) {
	var p parser.Parser
	var req parser.Request
	raw := []byte("GET / HTTP/1.1\r\nHost: h\r\nAccept: a\r\naccept: b\r\n\r\n")
	if _, err := p.ParseHead(raw, &req); err != nil {
		t.Fatal(err)
	}
	if v, ok := req.Header("ACCEPT"); !ok || string(v) != "a" {
		t.Errorf("Header(ACCEPT) = %q, %v; want first value", v, ok)
	}
	if _, ok := req.Header("Cookie"); ok {
		t.Error("Header(Cookie) found")
	}
	if !req.MethodIs("GET") || req.MethodIs("get") {
		t.Error("MethodIs is not case-sensitive")
	}
}

// A Parser reused across pipelined requests starts each at its buffer's
// first byte.
func TestParseHeadPipelined(t *testing.T) {
	raw := []byte("GET /1 HTTP/1.1\r\nHost: h\r\n\r\nGET /2 HTTP/1.1\r\nHost: h\r\n\r\n\r\nGET /3 HTTP/1.0\r\n\r\n")
	var p parser.Parser
	var req parser.Request
	var paths []string
	for len(raw) > 0 {
		n, err := p.ParseHead(raw, &req)
		if err != nil {
			t.Fatal(err)
		}
		paths = append(paths, string(req.Path))
		raw = raw[n:]
	}
	if got := len(paths); got != 3 || paths[2] != "/3" {
		t.Fatalf("paths %q", paths)
	}
}
