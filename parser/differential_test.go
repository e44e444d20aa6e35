package parser_test

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net/http"
	"net/textproto"
	"slices"
	"strings"
	"testing"

	"pipehttp/parser"
)

// diffCorpus is run through both this parser and net/http.
var diffCorpus = []struct{ name, raw string }{
	{"minimal", "GET / HTTP/1.1\r\nHost: h\r\n\r\n"},
	{"browser", browserGET},
	{"query", "GET /a/b?x=1&y=%20&z=/? HTTP/1.1\r\nHost: h\r\n\r\n"},
	{"HTTP/1.0 with Host and body", "POST /x HTTP/1.0\r\nHost: h\r\nContent-Length: 3\r\n\r\nabc"},
	{"upper-case scheme", "GET HTTP://Example.COM/a HTTP/1.1\r\nHost: x\r\n\r\n"},
	{"TE case-insensitive", "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: CHUNKED\r\n\r\n1\r\nx\r\n0\r\n\r\n"},
	{"Connection list", "GET / HTTP/1.1\r\nHost: h\r\nConnection: keep-alive, Close\r\n\r\n"},
	{"HTTP/1.0", "GET /x HTTP/1.0\r\n\r\n"},
	{"HTTP/1.0 keep-alive", "GET /x HTTP/1.0\r\nConnection: keep-alive\r\n\r\n"},
	{"close", "GET / HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n"},
	{"absolute-form", "GET http://example.com:81/p?q=1 HTTP/1.1\r\nHost: other\r\n\r\n"},
	{"absolute-form https", "GET https://example.com HTTP/1.1\r\nHost: example.com\r\n\r\n"},
	{"CONNECT", "CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n"},
	{"OPTIONS *", "OPTIONS * HTTP/1.1\r\nHost: h\r\n\r\n"},
	{"unknown method", "BREW /pot HTTP/1.1\r\nHost: h\r\n\r\n"},
	{"bare LF", "GET / HTTP/1.1\nHost: h\nX: y\n\n"},
	{"OWS", "GET / HTTP/1.1\r\nHost:h\r\nX-A: \t a  b \t\r\nX-Empty:\r\n\r\n"},
	{"obs-text value", "GET / HTTP/1.1\r\nHost: h\r\nX: caf\xc3\xa9\r\n\r\n"},
	{"repeated field", "GET / HTTP/1.1\r\nHost: h\r\nAccept: a\r\naccept: b\r\n\r\n"},
	{"empty Host", "GET / HTTP/1.1\r\nHost:\r\n\r\n"},
	{"IPv6 Host", "GET / HTTP/1.1\r\nHost: [::1]:8080\r\n\r\n"},
	{"Content-Length body", "POST /f HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\n\r\nhello"},
	{"Content-Length on GET", "GET / HTTP/1.1\r\nHost: h\r\nContent-Length: 2\r\n\r\nhi"},
	{"Content-Length 0", "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 0\r\n\r\n"},
	{"repeated identical Content-Length", "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\nContent-Length: 3\r\n\r\nabc"},
	{"Content-Length list", "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 3, 3\r\n\r\nabc"},
	{"chunked", "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\na\r\n0123456789\r\n0\r\n\r\n"},
	{"chunked extensions and trailer", "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n5;a=b;c=\"d\"\r\nhello\r\n0\r\nX-T: 1\r\n\r\n"},
	{"Expect 100-continue", "PUT / HTTP/1.1\r\nHost: h\r\nExpect: 100-continue\r\nContent-Length: 1\r\n\r\nx"},
	{"leading CRLF", "\r\nGET / HTTP/1.1\r\nHost: h\r\n\r\n"},

	{"double SP", "GET  / HTTP/1.1\r\nHost: h\r\n\r\n"},
	{"HTAB separator", "GET\t/ HTTP/1.1\r\nHost: h\r\n\r\n"},
	{"lower-case version", "GET / http/1.1\r\nHost: h\r\n\r\n"},
	{"HTTP/2.0", "GET / HTTP/2.0\r\nHost: h\r\n\r\n"},
	{"HTTP/1.2", "GET / HTTP/1.2\r\nHost: h\r\n\r\n"},
	{"fragment", "GET /a#b HTTP/1.1\r\nHost: h\r\n\r\n"},
	{"non-ASCII target", "GET /caf\xc3\xa9 HTTP/1.1\r\nHost: h\r\n\r\n"},
	{"'<' in target", "GET /a<b HTTP/1.1\r\nHost: h\r\n\r\n"},
	{"'|' and '[' in target", "GET /a|b?f[x]=1 HTTP/1.1\r\nHost: h\r\n\r\n"},
	{"bad percent-escape", "GET /%zz HTTP/1.1\r\nHost: h\r\n\r\n"},
	{"relative target", "GET a/b HTTP/1.1\r\nHost: h\r\n\r\n"},
	{"asterisk with GET", "GET * HTTP/1.1\r\nHost: h\r\n\r\n"},
	{"CONNECT origin-form", "CONNECT / HTTP/1.1\r\nHost: h\r\n\r\n"},
	{"CONNECT without Host", "CONNECT h:443 HTTP/1.1\r\n\r\n"},
	{"userinfo", "GET http://u@h/ HTTP/1.1\r\nHost: h\r\n\r\n"},
	{"space before colon", "GET / HTTP/1.1\r\nHost : h\r\n\r\n"},
	{"obs-fold", "GET / HTTP/1.1\r\nHost: h\r\nX: a\r\n b\r\n\r\n"},
	{"NUL in value", "GET / HTTP/1.1\r\nHost: h\r\nX: a\x00b\r\n\r\n"},
	{"bare CR in value", "GET / HTTP/1.1\r\nHost: h\r\nX: a\rb\r\n\r\n"},
	{"missing Host", "GET / HTTP/1.1\r\n\r\n"},
	{"double Host", "GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n"},
	{"Host with space", "GET / HTTP/1.1\r\nHost: a b\r\n\r\n"},
	{"Host with slash", "GET / HTTP/1.1\r\nHost: a/b\r\n\r\n"},
	{"Host with comma", "GET / HTTP/1.1\r\nHost: a,b\r\n\r\n"},
	{"Host port too large", "GET / HTTP/1.1\r\nHost: a:99999\r\n\r\n"},
	{"Content-Length sign", "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: +5\r\n\r\nhello"},
	{"Content-Length hex", "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 0x5\r\n\r\nhello"},
	{"Content-Length two numbers", "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 5 5\r\n\r\nhello"},
	{"differing Content-Length", "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello!"},
	{"CL and TE", "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"},
	{"TE in HTTP/1.0", "POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"},
	{"TE xchunked", "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: xchunked\r\n\r\n0\r\n\r\n"},
	{"TE chunked, identity", "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked, identity\r\n\r\n0\r\n\r\n"},
	{"TE gzip, chunked", "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n"},
	{"TE twice", "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"},
	{"chunk bare LF", "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n5\nhello\r\n0\r\n\r\n"},
	{"chunk data without CRLF", "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhelloX0\r\n\r\n"},
	{"chunk size with trailing space", "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n5 \r\nhello\r\n0\r\n\r\n"},
	{"chunk extension with BWS", "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n5; a = b\r\nhello\r\n0\r\n\r\n"},
	{"chunk size overflow", "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\nffffffffffffffffff\r\nhello\r\n0\r\n\r\n"},
	{"unknown expectation", "GET / HTTP/1.1\r\nHost: h\r\nExpect: foo\r\n\r\n"},
}

// knownDifferences lists, with the reason, the cases where this parser and
// net/http deliberately disagree on acceptance. The test fails if a listed
// case turns out to agree, so the list stays true.
var knownDifferences = map[string]string{
	// net/http's server tolerates leading CRLF only after a POST; RFC 9112
	// §2.2 says a server SHOULD ignore at least one empty line before any
	// request line.
	"leading CRLF": "we skip leading empty lines (RFC 9112 §2.2)",
	// RFC 9112 §3.2: the request-target grammar has no fragment and no raw
	// non-ASCII; net/http passes both through as part of the path.
	"fragment":             "we reject '#' anywhere in the target",
	"non-ASCII target":     "we reject bytes >= 0x80 in the target",
	"'<' in target":        "we reject '\"', '<' and '>' in the target, which browsers always encode",
	"CONNECT origin-form":  "we require authority-form with CONNECT (RFC 9112 §3.2.3)",
	"CONNECT without Host": "we require Host in every HTTP/1.1 request (RFC 9112 §3.2); net/http exempts CONNECT",
	"userinfo":             "we reject userinfo in an http(s) URI (RFC 9110 §4.2.4)",
	// RFC 9112 §5.2 lets a server reject obs-fold; net/http unfolds it.
	"obs-fold": "we reject obs-fold (RFC 9112 §5.2)",
	// RFC 9112 §3.3 and RFC 9110 §4.2.1: with an origin-form target an
	// empty Host leaves the http URI without a host; net/http accepts it.
	"empty Host": "we reject an empty Host unless the target carries the authority",
	// ',' in a Host value is what joining two Host fields looks like.
	"Host with comma": "we reject ',' in Host",
	// RFC 9110 §4.2.3 port is a TCP port number.
	"Host port too large": "we check the Host port's range",
	// RFC 9110 §6.2 lets a server answer a higher minor version as 1.1, as
	// net/http does; we accept only the versions we implement and answer
	// 505 to the rest, so no unknown 1.x semantics are silently dropped.
	"HTTP/1.2": "we answer 505 to HTTP/1.2",
	// RFC 9112 §3.2.4: asterisk-form is only for OPTIONS.
	"asterisk with GET": "we accept '*' only with OPTIONS",
	// RFC 9112 §6.1 lets a server either let Transfer-Encoding override
	// Content-Length (net/http) or reject; both together mean a broken or
	// hostile sender, and a proxy in front may have framed by the other.
	"CL and TE": "we reject Content-Length with Transfer-Encoding",
	// RFC 9110 §8.6 allows taking "3, 3" as 3; net/http only merges
	// identical repeated fields.
	"Content-Length list": "we accept a list of identical Content-Length values (RFC 9110 §8.6)",
	// RFC 9112 §7.1.1 BWS in chunk-ext is refused for robustness; net/http
	// trims trailing whitespace from the size line and ignores extensions.
	"chunk size with trailing space": "we reject whitespace in a chunk-size line",
	"chunk extension with BWS":       "we reject whitespace in a chunk-size line",
}

type diffResult struct {
	method, target, host string
	version              parser.Version
	keepAlive            bool
	contentLength        int64
	header               http.Header
	body                 string
}

func (r diffResult) String() string {
	return fmt.Sprintf("%s %s v%d host=%q keepAlive=%v cl=%d body=%q\n%v",
		r.method, r.target, r.version, r.host, r.keepAlive, r.contentLength, r.body, r.header)
}

// ours parses raw with this package: head, then body with BodyReader.
func ours(raw []byte) (diffResult, error) {
	var p parser.Parser
	var req parser.Request
	n, err := p.ParseHead(raw, &req)
	if err != nil {
		return diffResult{}, err
	}
	body, m, done, err := decodeAll(&req, parser.Limits{}, raw[n:])
	if err != nil {
		return diffResult{}, err
	}
	if !done || n+m != len(raw) {
		return diffResult{}, fmt.Errorf("body ends at %d of %d (done %v)", n+m, len(raw), done)
	}
	r := diffResult{
		method: string(req.Method), target: string(req.Target), host: string(req.Host),
		version: req.Version, keepAlive: req.KeepAlive, contentLength: req.ContentLength,
		header: http.Header{}, body: string(body),
	}
	if req.Chunked {
		r.contentLength = -1
	} else if r.contentLength < 0 {
		r.contentLength = 0
	}
	for _, f := range req.Fields {
		k := textproto.CanonicalMIMEHeaderKey(string(f.Name))
		switch k {
		case "Host", "Transfer-Encoding", "Content-Length":
			continue // compared through host and contentLength
		}
		r.header[k] = append(r.header[k], string(f.Value))
	}
	return r, nil
}

// theirs parses raw with http.ReadRequest plus the checks net/http's
// server makes after it (Host presence and count, field validity, Expect),
// so both sides judge a request as a server would.
func theirs(raw []byte) (diffResult, error) {
	br := bufio.NewReader(bytes.NewReader(raw))
	req, err := http.ReadRequest(br)
	if err != nil {
		return diffResult{}, err
	}
	if req.ProtoMajor != 1 {
		return diffResult{}, fmt.Errorf("unsupported protocol version")
	}
	// ReadRequest drops the Host fields; the server looks at them first.
	hosts, haveHost := hostFields(raw)
	switch {
	case req.ProtoAtLeast(1, 1) && !haveHost && req.Method != "CONNECT":
		return diffResult{}, fmt.Errorf("missing required Host header")
	case len(hosts) > 1:
		return diffResult{}, fmt.Errorf("too many Host headers")
	case len(hosts) == 1 && !validHostHeader(hosts[0]):
		return diffResult{}, fmt.Errorf("malformed Host header")
	}
	for _, vv := range req.Header {
		for _, v := range vv {
			if strings.ContainsFunc(v, func(r rune) bool { return r < ' ' && r != '\t' || r == 0x7f }) {
				return diffResult{}, fmt.Errorf("invalid header value")
			}
		}
	}
	if e := req.Header.Get("Expect"); e != "" && !strings.EqualFold(e, "100-continue") {
		return diffResult{}, fmt.Errorf("expectation failed")
	}
	body, err := io.ReadAll(req.Body)
	if err != nil {
		return diffResult{}, err
	}
	if br.Buffered() != 0 {
		return diffResult{}, fmt.Errorf("%d bytes left after the body", br.Buffered())
	}
	h := req.Header.Clone()
	delete(h, "Host")
	delete(h, "Content-Length")
	return diffResult{
		method: req.Method, target: req.RequestURI, host: req.Host,
		version: parser.Version(req.ProtoMajor*10 + req.ProtoMinor), keepAlive: !req.Close,
		contentLength: req.ContentLength, header: h, body: string(body),
	}, nil
}

// hostFields returns the Host fields of raw's head as net/textproto reads
// them.
func hostFields(raw []byte) ([]string, bool) {
	tp := textproto.NewReader(bufio.NewReader(bytes.NewReader(raw)))
	if _, err := tp.ReadLine(); err != nil {
		return nil, false
	}
	h, _ := tp.ReadMIMEHeader()
	hosts, ok := h["Host"]
	return hosts, ok
}

// validHostHeader mirrors golang.org/x/net/http/httpguts.ValidHostHeader,
// which net/http's server applies (a module this repository does not need).
func validHostHeader(h string) bool {
	for i := 0; i < len(h); i++ {
		c := h[i]
		ok := c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' ||
			strings.IndexByte("!$%&'()*+,-.:;=[]_~", c) >= 0
		if !ok {
			return false
		}
	}
	return true
}

func TestDifferentialNetHTTP(t *testing.T) {
	seen := map[string]bool{}
	for _, tt := range diffCorpus {
		t.Run(tt.name, func(t *testing.T) {
			if seen[tt.name] {
				t.Fatal("duplicate case name")
			}
			seen[tt.name] = true
			a, errA := ours([]byte(tt.raw))
			b, errB := theirs([]byte(tt.raw))
			why, known := knownDifferences[tt.name]
			if (errA == nil) != (errB == nil) {
				if !known {
					t.Fatalf("acceptance differs: ours %v, net/http %v", errA, errB)
				}
				t.Logf("known difference: %s (ours %v, net/http %v)", why, errA, errB)
				return
			}
			if known {
				t.Fatalf("listed as a known difference (%s), but both %s", why, map[bool]string{true: "accept", false: "reject"}[errA == nil])
			}
			if errA != nil {
				return
			}
			if a.String() != b.String() {
				t.Fatalf("results differ:\n ours    %v\n net/http %v", a, b)
			}
		})
	}
	for name := range knownDifferences {
		if !slices.ContainsFunc(diffCorpus, func(c struct{ name, raw string }) bool { return c.name == name }) {
			t.Errorf("known difference %q has no corpus case", name)
		}
	}
}
