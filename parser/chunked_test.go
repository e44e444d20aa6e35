package parser_test

import (
	"strings"
	"testing"

	"pipehttp/parser"
)

func TestChunked(t *testing.T) {
	tests := []struct {
		name   string
		src    string
		body   string
		status int // 0: the body decodes
	}{
		{"RFC 9112 §7.1 one chunk", "5\r\nhello\r\n0\r\n\r\n", "hello", 0},
		{"RFC 9112 §7.1 several chunks", "3\r\nabc\r\n1\r\nd\r\n2\r\nef\r\n0\r\n\r\n", "abcdef", 0},
		{"RFC 9112 §7.1 empty body", "0\r\n\r\n", "", 0},
		{"RFC 9112 §7.1 hex size, both cases", "a\r\n0123456789\r\nB\r\nabcdefghijk\r\n0\r\n\r\n", "0123456789abcdefghijk", 0},
		{"RFC 9112 §7.1 leading zeros", "0005\r\nhello\r\n000\r\n\r\n", "hello", 0},
		{"RFC 9112 §7.1 data holding CRLF", "4\r\n\r\n\r\n\r\n0\r\n\r\n", "\r\n\r\n", 0},
		{"RFC 9112 §7.1.1 extension without value", "5;foo\r\nhello\r\n0;bar\r\n\r\n", "hello", 0},
		{"RFC 9112 §7.1.1 extension with token value", "5;a=b;c=d\r\nhello\r\n0\r\n\r\n", "hello", 0},
		{"RFC 9112 §7.1.1 extension with quoted value", "5;a=\"x; y=\\\"z\\\"\"\r\nhello\r\n0\r\n\r\n", "hello", 0},
		{"RFC 9112 §7.1.2 trailer fields discarded", "5\r\nhello\r\n0\r\nX-Sum: abc\r\nX-Other:\r\n\r\n", "hello", 0},

		{"RFC 9112 §7.1 missing size", "\r\nhello\r\n0\r\n\r\n", "", 400},
		{"RFC 9112 §7.1 non-hex size", "g\r\nhello\r\n0\r\n\r\n", "", 400},
		{"RFC 9112 §7.1 signed size", "+5\r\nhello\r\n0\r\n\r\n", "", 400},
		{"RFC 9112 §7.1 0x prefix", "0x5\r\nhello\r\n0\r\n\r\n", "", 400},
		{"RFC 9112 §7.1 space before size", " 5\r\nhello\r\n0\r\n\r\n", "", 400},
		{"RFC 9112 §7.1 space after size", "5 \r\nhello\r\n0\r\n\r\n", "", 400},
		{"RFC 9112 §7.1.1 BWS before extension (rejected)", "5 ;a\r\nhello\r\n0\r\n\r\n", "", 400},
		{"RFC 9112 §7.1.1 BWS after ';' (rejected)", "5; a\r\nhello\r\n0\r\n\r\n", "", 400},
		{"RFC 9112 §7.1.1 empty extension name", "5;\r\nhello\r\n0\r\n\r\n", "", 400},
		{"RFC 9112 §7.1.1 empty extension value", "5;a=\r\nhello\r\n0\r\n\r\n", "", 400},
		{"RFC 9112 §7.1.1 unterminated quoted value", "5;a=\"b\r\nhello\r\n0\r\n\r\n", "", 400},
		{"RFC 9112 §7.1.1 bare LF in extension", "5;a\nb\r\nhello\r\n0\r\n\r\n", "", 400},
		{"RFC 9112 §7.1.1 CTL in quoted value", "5;a=\"\x01\"\r\nhello\r\n0\r\n\r\n", "", 400},
		{"RFC 9112 §7.1 size overflow", "10000000000000000\r\n", "", 400},
		{"RFC 9112 §7.1 size overflow int64", "8000000000000000\r\n", "", 400},
		{"RFC 9112 §7.1 too many digits", "00000000000000001\r\nx\r\n0\r\n\r\n", "", 400},
		{"RFC 9112 §7.1 bare LF after size", "5\nhello\r\n0\r\n\r\n", "", 400},
		{"RFC 9112 §7.1 bare LF after data", "5\r\nhello\n0\r\n\r\n", "", 400},
		{"RFC 9112 §7.1 bare CR after data", "5\r\nhello\r0\r\n\r\n", "", 400},
		{"RFC 9112 §7.1 data longer than size", "5\r\nhello!\r\n0\r\n\r\n", "", 400},
		{"RFC 9112 §7.1 data shorter than size", "5\r\nhell\r\n0\r\n\r\n", "", 400},
		{"RFC 9112 §7.1 bare LF after last-chunk", "0\n\r\n", "", 400},
		{"RFC 9112 §7.1 bare LF as final line", "0\r\n\n", "", 400},
		{"RFC 9112 §7.1.2 trailer obs-fold", "0\r\nX: a\r\n b\r\n\r\n", "", 400},
		{"RFC 9112 §7.1.2 trailer space before colon", "0\r\nX : a\r\n\r\n", "", 400},
		{"RFC 9112 §7.1.2 trailer without colon", "0\r\nX\r\n\r\n", "", 400},
		{"RFC 9112 §7.1.2 trailer with NUL", "0\r\nX: \x00\r\n\r\n", "", 400},
		{"RFC 9112 §7.1.2 trailer bare LF", "0\r\nX: a\n\r\n", "", 400},
		{"RFC 9112 §7.1 chunk line over 4 KiB", "5;a=" + strings.Repeat("b", 4096) + "\r\nhello\r\n0\r\n\r\n", "", 400},
		{"RFC 9112 §7.1 chunk over MaxBody", "401\r\n", "", 413},
		{"RFC 9112 §7.1 chunks over MaxBody together", "400\r\n" + strings.Repeat("x", 1024) + "\r\n1\r\n", "", 413},
		{"RFC 9112 §7.1.2 trailer section over MaxHeaderBytes", "0\r\nX: " + strings.Repeat("a", 256) + "\r\n\r\n", "", 431},
		{"RFC 9112 §7.1.2 more trailer fields than MaxHeaders", "0\r\n" + strings.Repeat("X: a\r\n", 5) + "\r\n", "", 431},
	}
	lim := parser.Limits{MaxBody: 1024, MaxHeaderBytes: 256, MaxHeaders: 4}
	req := parser.Request{Chunked: true, ContentLength: -1}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src := tt.src + "NEXT"
			body, n, done, err := decodeAll(&req, lim, []byte(src))
			if tt.status != 0 {
				checkStatus(t, err, tt.status)
				return
			}
			if err != nil || !done {
				t.Fatalf("done=%v err=%v", done, err)
			}
			if string(body) != tt.body || n != len(tt.src) {
				t.Fatalf("body %q consumed %d, want %q %d", body, n, tt.body, len(tt.src))
			}
			// Every split gives the same body.
			for cut := 0; cut <= len(src); cut++ {
				b2, n2, done2, err2 := decodeAll(&req, lim, []byte(src), cut)
				if err2 != nil || !done2 || n2 != n || string(b2) != tt.body {
					t.Fatalf("cut %d: body %q consumed %d done %v err %v", cut, b2, n2, done2, err2)
				}
			}
		})
	}
}

// An error is found at the same point however the input is split.
func TestChunkedErrorSplit(t *testing.T) {
	lim := parser.Limits{MaxBody: 1024, MaxHeaderBytes: 64, MaxHeaders: 4}
	req := parser.Request{Chunked: true, ContentLength: -1}
	for _, src := range []string{"5\r\nhello\n", "5\nhello", "3\r\nabc\r\n0\r\nX: " + strings.Repeat("a", 70), "zz\r\n"} {
		_, _, _, want := decodeAll(&req, lim, []byte(src))
		if want == nil {
			t.Fatalf("%q: no error", src)
		}
		for cut := 0; cut <= len(src); cut++ {
			_, _, _, err := decodeAll(&req, lim, []byte(src), cut)
			if err == nil || err.Error() != want.Error() {
				t.Fatalf("%q cut %d: %v, want %v", src, cut, err, want)
			}
		}
	}
}

func TestContentLengthBody(t *testing.T) {
	req := parser.Request{ContentLength: 5}
	var b parser.BodyReader
	b.Reset(&req, parser.Limits{})
	if r := b.Remaining(); r != 5 {
		t.Fatalf("Remaining %d, want 5", r)
	}
	data, n, done, err := b.Decode([]byte("hel"))
	if string(data) != "hel" || n != 3 || done || err != nil || b.Remaining() != 2 {
		t.Fatalf("first: %q %d %v %v, remaining %d", data, n, done, err, b.Remaining())
	}
	data, n, done, err = b.Decode(nil)
	if data != nil || n != 0 || done || err != nil {
		t.Fatalf("empty: %q %d %v %v", data, n, done, err)
	}
	data, n, done, err = b.Decode([]byte("loGET /"))
	if string(data) != "lo" || n != 2 || !done || err != nil || b.Remaining() != 0 {
		t.Fatalf("last: %q %d %v %v", data, n, done, err)
	}
	if _, n, done, _ := b.Decode([]byte("GET /")); n != 0 || !done {
		t.Fatal("Decode after the end consumed bytes")
	}
}

func TestNoBody(t *testing.T) {
	for _, req := range []parser.Request{{ContentLength: -1}, {ContentLength: 0}} {
		var b parser.BodyReader
		b.Reset(&req, parser.Limits{})
		data, n, done, err := b.Decode([]byte("GET / HTTP/1.1\r\n"))
		if data != nil || n != 0 || !done || err != nil || b.Remaining() != 0 {
			t.Fatalf("%+v: %q %d %v %v", req, data, n, done, err)
		}
	}
	req := parser.Request{Chunked: true}
	var b parser.BodyReader
	b.Reset(&req, parser.Limits{})
	if b.Remaining() != -1 {
		t.Fatal("chunked Remaining is not -1")
	}
}

func TestContentLengthOverLimit(t *testing.T) {
	req := parser.Request{ContentLength: 11}
	var b parser.BodyReader
	b.Reset(&req, parser.Limits{MaxBody: 10})
	_, _, _, err := b.Decode([]byte("x"))
	checkStatus(t, err, 413)
}
