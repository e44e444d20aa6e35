package parser_test

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"pipehttp/parser"
)

// splitCorpus holds whole requests (head and body) for the split tests,
// valid and invalid: a split must change neither the head nor the error.
var splitCorpus = []struct {
	name string
	raw  string
}{
	{"RFC 9112 §3 minimal", "GET /echo/abc HTTP/1.1\r\nHost: x\r\n\r\n"},
	{"RFC 9112 §2.2 leading empty lines and bare LF", "\r\n\nGET /a?b HTTP/1.1\nHost: x\nUser-Agent: t\n\n"},
	{"RFC 9112 §6.3 Content-Length body", "POST /files/a HTTP/1.1\r\nHost: x\r\nContent-Length: 11\r\n\r\nhello world"},
	{"RFC 9112 §7.1 chunked with extensions and trailer", "POST /u HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n" +
		"5;a=b;c=\"d;\\\"e\"\r\nhello\r\n1\r\n \r\n00A\r\n0123456789\r\n0\r\nX-Sum: 1\r\nX-T: 2\r\n\r\n"},
	{"RFC 9112 §3.2.2 absolute-form", "GET http://h:8/p?q HTTP/1.1\r\nHost: ignored\r\nConnection: close\r\n\r\n"},
	{"RFC 9112 §9.3 HTTP/1.0 keep-alive", "GET / HTTP/1.0\r\nConnection: keep-alive\r\nContent-Length: 2\r\n\r\nok"},
	{"RFC 9112 §5.1 error: space before colon", "GET / HTTP/1.1\r\nHost : x\r\n\r\n"},
	{"RFC 9112 §3.2 error: missing Host", "GET / HTTP/1.1\r\nA: b\r\n\r\n"},
	{"RFC 9112 §2.2 error: bare CR", "GET / HTTP/1.1\r\nHost: x\rY: z\r\n\r\n"},
	{"RFC 9112 §2.3 error: HTTP/2.0", "GET / HTTP/2.0\r\nHost: x\r\n\r\n"},
	{"RFC 9112 §6.1 error: CL and TE", "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n"},
	{"RFC 8446 §4.1.2 error: TLS ClientHello", "\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03\r\n\r\n"},
	{"RFC 9110 §5.6.2 error: delimiter in method", "\r\nGE(T / HTTP/1.1\r\nHost: x\r\n\r\n"},
	{"RFC 9112 §3 error: CTL in target", "GET /a\x01b HTTP/1.1\r\nHost: x\r\n\r\n"},
	{"RFC 9112 §2.2 error: bare CR in request line", "GET /a\rb HTTP/1.1\r\nHost: x\r\n\r\n"},
	{"RFC 9110 §15.6.2 error: method of 33 bytes", "\nABCDEFGHIJKLMNOPQRSTUVWXYZ0123456 / HTTP/1.1\r\nHost: x\r\n\r\n"},
}

// TestParseHeadSplit parses every request of splitCorpus in two calls, cut
// at every byte, the second call with a copy (the caller may move its
// buffer), and requires the whole-buffer result each time.
func TestParseHeadSplit(t *testing.T) {
	for _, tt := range splitCorpus {
		t.Run(tt.name, func(t *testing.T) {
			want := outcome(parseWhole(tt.raw, parser.Limits{}))
			for cut := 0; cut <= len(tt.raw); cut++ {
				var p parser.Parser
				var req parser.Request
				n, err := p.ParseHead([]byte(tt.raw[:cut]), &req)
				if errors.Is(err, parser.ErrNeedMore) {
					if n != 0 {
						t.Fatalf("cut %d: ErrNeedMore with n=%d", cut, n)
					}
					n, err = p.ParseHead([]byte(tt.raw), &req)
				}
				got := outcome(summarize(n, &req), err)
				if got != want {
					t.Fatalf("cut %d:\n got %s\nwant %s", cut, got, want)
				}
			}
		})
	}
}

// TestParseHeadByteByByte delivers each request one byte at a time.
func TestParseHeadByteByByte(t *testing.T) {
	for _, tt := range splitCorpus {
		t.Run(tt.name, func(t *testing.T) {
			want := outcome(parseWhole(tt.raw, parser.Limits{}))
			var p parser.Parser
			var req parser.Request
			var got string
			for i := 0; i <= len(tt.raw); i++ {
				buf := []byte(tt.raw[:i]) // a fresh array every time
				n, err := p.ParseHead(buf, &req)
				if !errors.Is(err, parser.ErrNeedMore) {
					got = outcome(summarize(n, &req), err)
					break
				}
			}
			if got != want {
				t.Fatalf("\n got %s\nwant %s", got, want)
			}
		})
	}
}

// TestBodySplit decodes the body of every valid request of splitCorpus
// delivered in two pieces cut at every byte, and in three pieces cut at
// every pair of bytes for the chunked one.
func TestBodySplit(t *testing.T) {
	for _, tt := range splitCorpus {
		var p parser.Parser
		var req parser.Request
		raw := []byte(tt.raw + "GET /next HTTP/1.1\r\n") // a pipelined request follows
		n, err := p.ParseHead(raw, &req)
		if err != nil {
			continue
		}
		t.Run(tt.name, func(t *testing.T) {
			src := raw[n:]
			wantBody, wantN, done, err := decodeAll(&req, parser.Limits{}, src)
			if err != nil || !done {
				t.Fatalf("whole: done=%v err=%v", done, err)
			}
			if !bytes.HasPrefix(src[wantN:], []byte("GET /next")) {
				t.Fatalf("whole: consumed %d, leaving %q", wantN, src[wantN:])
			}
			check := func(cuts ...int) {
				body, m, done, err := decodeAll(&req, parser.Limits{}, src, cuts...)
				if err != nil || !done || m != wantN || !bytes.Equal(body, wantBody) {
					t.Fatalf("cuts %v: body %q consumed %d done %v err %v; want %q %d", cuts, body, m, done, err, wantBody, wantN)
				}
			}
			for i := 0; i <= len(src); i++ {
				check(i)
			}
			if req.Chunked {
				for i := 0; i <= wantN; i++ {
					for j := i; j <= wantN; j++ {
						check(i, j)
					}
				}
			}
		})
	}
}

// TestLimitsWhileIncomplete checks that an oversized head fails as soon as
// the buffer proves it, without waiting for the head to end.
func TestLimitsWhileIncomplete(t *testing.T) {
	lim := parser.Limits{MaxRequestLine: 32, MaxHeaderBytes: 64, MaxHeaders: 3}
	tests := []struct {
		name   string
		raw    string
		status int // 0: ErrNeedMore
	}{
		{"RFC 9112 §3 request line at the limit", "GET /" + strings.Repeat("a", 32-14) + " HTTP/1.1\r", 0},
		{"RFC 9112 §3 request line over the limit", "GET /" + strings.Repeat("a", 32-13) + " HTTP/1.1", 414},
		{"RFC 9112 §3 long target without end", "GET /" + strings.Repeat("a", 28), 414},
		{"RFC 9110 §15.6.2 long method without end", strings.Repeat("A", 33), 501},
		{"RFC 9112 §2.2 empty lines count toward the request line", strings.Repeat("\r\n", 10) + "GET /" + strings.Repeat("a", 10), 414},
		{"RFC 9112 §2.2 empty lines alone", strings.Repeat("\n", 33), 414},
		{"RFC 9112 §5 header bytes just under", "GET / HTTP/1.1\r\nX: " + strings.Repeat("a", 63-3), 0},
		{"RFC 9112 §5 header bytes at the limit without end", "GET / HTTP/1.1\r\nX: " + strings.Repeat("a", 64-3), 431},
		{"RFC 9112 §5 too many complete fields", "GET / HTTP/1.1\r\nA: 1\r\nB: 2\r\nC: 3\r\nD: 4\r\n", 431},
		{"RFC 9112 §5 fields at the limit", "GET / HTTP/1.1\r\nA: 1\r\nB: 2\r\nC: 3\r\n", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := parseWhole(tt.raw, lim)
			if tt.status == 0 {
				if !errors.Is(err, parser.ErrNeedMore) {
					t.Fatalf("got %v, want ErrNeedMore", err)
				}
				return
			}
			checkStatus(t, err, tt.status)
		})
	}
}

// TestLimitsExact checks both sides of each limit on complete heads.
func TestLimitsExact(t *testing.T) {
	lim := parser.Limits{MaxRequestLine: 32, MaxHeaderBytes: 64, MaxHeaders: 3, MaxBody: 10}
	line := func(n int) string { return "GET /" + strings.Repeat("a", n-14) + " HTTP/1.1\r\n" }
	fields := func(n int) string { return "Host: h\r\nX: " + strings.Repeat("a", n-16) + "\r\n\r\n" }
	tests := []struct {
		name   string
		raw    string
		status int // 0: accepted
	}{
		{"RFC 9112 §3 request line of MaxRequestLine bytes", line(32) + "Host: h\r\n\r\n", 0},
		{"RFC 9112 §3 request line of MaxRequestLine+1 bytes", line(33) + "Host: h\r\n\r\n", 414},
		{"RFC 9112 §5 header section of MaxHeaderBytes", line(20) + fields(64), 0},
		{"RFC 9112 §5 header section of MaxHeaderBytes+1", line(20) + fields(65), 431},
		{"RFC 9112 §5 MaxHeaders fields", line(20) + "Host: h\r\nA: 1\r\nB: 2\r\n\r\n", 0},
		{"RFC 9112 §5 MaxHeaders+1 fields", line(20) + "Host: h\r\nA: 1\r\nB: 2\r\nC: 3\r\n\r\n", 431},
		{"RFC 9110 §8.6 Content-Length of MaxBody", line(20) + "Host: h\r\nContent-Length: 10\r\n\r\n", 0},
		{"RFC 9110 §8.6 Content-Length of MaxBody+1", line(20) + "Host: h\r\nContent-Length: 11\r\n\r\n", 413},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := parseWhole(tt.raw, lim)
			if tt.status == 0 {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			checkStatus(t, err, tt.status)
		})
	}
}

const browserGET = "GET /files/index.html?lang=en HTTP/1.1\r\n" +
	"Host: localhost:4221\r\n" +
	"User-Agent: Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0\r\n" +
	"Accept: text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8\r\n" +
	"Accept-Language: en-US,en;q=0.5\r\n" +
	"Accept-Encoding: gzip, deflate, br, zstd\r\n" +
	"Connection: keep-alive\r\n" +
	"Upgrade-Insecure-Requests: 1\r\n" +
	"Sec-Fetch-Dest: document\r\n" +
	"\r\n"

func TestParseHeadAllocs(t *testing.T) {
	raws := [][]byte{[]byte(browserGET), []byte("GET /echo/abc HTTP/1.1\r\nHost: x\r\n\r\n"),
		[]byte("POST /u HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nExpect: 100-continue\r\n\r\n")}
	for _, raw := range raws {
		var p parser.Parser
		req := parser.Request{Fields: make([]parser.Field, 0, 16)}
		allocs := testing.AllocsPerRun(100, func() {
			if _, err := p.ParseHead(raw, &req); err != nil {
				t.Fatal(err)
			}
		})
		if allocs != 0 {
			t.Errorf("%q: %v allocs per ParseHead, want 0", raw[:20], allocs)
		}
	}
	// Incomplete heads cost nothing either.
	var p parser.Parser
	req := parser.Request{Fields: make([]parser.Field, 0, 16)}
	raw := []byte(browserGET)
	allocs := testing.AllocsPerRun(100, func() {
		p.Reset()
		for i := 1; i < len(raw); i += 50 {
			if _, err := p.ParseHead(raw[:i], &req); err != parser.ErrNeedMore {
				t.Fatal(err)
			}
		}
	})
	if allocs != 0 {
		t.Errorf("%v allocs per incomplete ParseHead series, want 0", allocs)
	}
}

func TestBodyReaderAllocs(t *testing.T) {
	req := parser.Request{Chunked: true}
	src := []byte("5;x=y\r\nhello\r\n3\r\nabc\r\n0\r\nT: v\r\n\r\n")
	var b parser.BodyReader
	allocs := testing.AllocsPerRun(100, func() {
		b.Reset(&req, parser.Limits{})
		for off := 0; ; {
			_, n, done, err := b.Decode(src[off:])
			if err != nil {
				t.Fatal(err)
			}
			off += n
			if done {
				break
			}
		}
	})
	if allocs != 0 {
		t.Errorf("%v allocs per chunked body, want 0", allocs)
	}
}

// TestParserReset abandons a partial head; the next buffer is a new head.
func TestParserReset(t *testing.T) {
	var p parser.Parser
	var req parser.Request
	if _, err := p.ParseHead([]byte("GET /old HTTP/1.1\r\nHost: a\r\nX-Long: aaaa"), &req); err != parser.ErrNeedMore {
		t.Fatal(err)
	}
	p.Reset()
	n, err := p.ParseHead([]byte("GET /new HTTP/1.1\r\nHost: b\r\n\r\n"), &req)
	if err != nil || string(req.Path) != "/new" || string(req.Host) != "b" || n != 30 {
		t.Fatalf("n=%d err=%v path=%q host=%q", n, err, req.Path, req.Host)
	}
}

// TestParserShorterBuffer checks that a caller breaking the contract (a
// buffer shorter than the last) gets a fresh scan, not a panic.
func TestParserShorterBuffer(t *testing.T) {
	var p parser.Parser
	var req parser.Request
	if _, err := p.ParseHead([]byte("GET /old HTTP/1.1\r\nHost: a\r\nX-Long: aaaa"), &req); err != parser.ErrNeedMore {
		t.Fatal(err)
	}
	n, err := p.ParseHead([]byte("GET / HTTP/1.0\r\n\r\n"), &req)
	if err != nil || n != 18 {
		t.Fatalf("n=%d err=%v", n, err)
	}
}
