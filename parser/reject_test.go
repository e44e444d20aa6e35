package parser_test

import (
	"strings"
	"testing"

	"pipehttp/parser"
)

func TestParseHeadRejects(t *testing.T) {
	const (
		ok = "GET / HTTP/1.1\r\nHost: h\r\n" // a valid start to append fields to
		p1 = "POST / HTTP/1.1\r\nHost: h\r\n"
	)
	tests := []struct {
		name   string
		raw    string
		status int
	}{
		// Request line.
		{"RFC 9112 §3 two SP after method", "GET  / HTTP/1.1\r\nHost: h\r\n\r\n", 400},
		{"RFC 9112 §3 two SP before version", "GET /  HTTP/1.1\r\nHost: h\r\n\r\n", 400},
		{"RFC 9112 §3 HTAB as separator", "GET\t/ HTTP/1.1\r\nHost: h\r\n\r\n", 400},
		{"RFC 9112 §3 HTAB before version", "GET /\tHTTP/1.1\r\nHost: h\r\n\r\n", 400},
		{"RFC 9112 §3 trailing SP", "GET / HTTP/1.1 \r\nHost: h\r\n\r\n", 400},
		{"RFC 9112 §3 leading SP", " GET / HTTP/1.1\r\nHost: h\r\n\r\n", 400},
		{"RFC 9112 §3 missing version (HTTP/0.9 style)", "GET /\r\n\r\n", 400},
		{"RFC 9112 §3 missing target", "GET HTTP/1.1\r\nHost: h\r\n\r\n", 400},
		{"RFC 9112 §3 SP inside target", "GET /a b HTTP/1.1\r\nHost: h\r\n\r\n", 400},
		{"RFC 9112 §3 garbage line", "\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03\r\n\r\n", 400},
		{"RFC 9110 §9.1 method not a token", "GE(T / HTTP/1.1\r\nHost: h\r\n\r\n", 400},
		{"RFC 9110 §9.1 method with obs-text", "G\xc3\x89T / HTTP/1.1\r\nHost: h\r\n\r\n", 400},
		{"RFC 9112 §2.3 lower-case version", "GET / http/1.1\r\nHost: h\r\n\r\n", 400},
		{"RFC 9112 §2.3 version without minor", "GET / HTTP/1\r\nHost: h\r\n\r\n", 400},
		{"RFC 9112 §2.3 version with suffix", "GET / HTTP/1.1x\r\nHost: h\r\n\r\n", 400},
		{"RFC 9112 §2.3 two-digit minor", "GET / HTTP/1.10\r\nHost: h\r\n\r\n", 400},
		{"RFC 9112 §2.3 letter for digit", "GET / HTTP/1.A\r\nHost: h\r\n\r\n", 400},
		{"RFC 9112 §2.3 HTTP/2.0", "GET / HTTP/2.0\r\nHost: h\r\n\r\n", 505},
		{"RFC 9112 §2.3 HTTP/1.2", "GET / HTTP/1.2\r\nHost: h\r\n\r\n", 505},
		{"RFC 9112 §2.3 HTTP/0.9", "GET / HTTP/0.9\r\n\r\n", 505},
		{"RFC 9112 §2.3 HTTP/3.0", "GET / HTTP/3.0\r\nHost: h\r\n\r\n", 505},
		{"RFC 9113 §3.4 HTTP/2 preface", "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", 505},

		// Request target.
		{"RFC 9112 §3.2 fragment", "GET /a#b HTTP/1.1\r\nHost: h\r\n\r\n", 400},
		{"RFC 9112 §3.2 raw non-ASCII byte", "GET /caf\xc3\xa9 HTTP/1.1\r\nHost: h\r\n\r\n", 400},
		{"RFC 9112 §3.2 DEL in target", "GET /a\x7f HTTP/1.1\r\nHost: h\r\n\r\n", 400},
		{"RFC 9112 §3.2 NUL in target", "GET /a\x00 HTTP/1.1\r\nHost: h\r\n\r\n", 400},
		{"RFC 9112 §3.2 CTL in target", "GET /a\x01b HTTP/1.1\r\nHost: h\r\n\r\n", 400},
		{"RFC 3986 §2.1 bad percent-escape", "GET /%zz HTTP/1.1\r\nHost: h\r\n\r\n", 400},
		{"RFC 3986 §2.1 truncated percent-escape", "GET /a%4 HTTP/1.1\r\nHost: h\r\n\r\n", 400},
		{"RFC 9112 §3.2 relative target", "GET a/b HTTP/1.1\r\nHost: h\r\n\r\n", 400},
		{"RFC 9112 §3.2.4 asterisk-form without OPTIONS", "GET * HTTP/1.1\r\nHost: h\r\n\r\n", 400},
		{"RFC 9112 §3.2.4 asterisk with more", "OPTIONS *x HTTP/1.1\r\nHost: h\r\n\r\n", 400},
		{"RFC 9112 §3.2.3 authority-form without CONNECT", "GET example.com:80 HTTP/1.1\r\nHost: h\r\n\r\n", 400},
		{"RFC 9112 §3.2.3 CONNECT with origin-form", "CONNECT / HTTP/1.1\r\nHost: h\r\n\r\n", 400},
		{"RFC 9112 §3.2.3 CONNECT without port", "CONNECT example.com HTTP/1.1\r\nHost: h\r\n\r\n", 400},
		{"RFC 9112 §3.2.3 CONNECT with empty port", "CONNECT example.com: HTTP/1.1\r\nHost: h\r\n\r\n", 400},
		{"RFC 9112 §3.2.3 CONNECT with absolute-form", "CONNECT http://example.com:80/ HTTP/1.1\r\nHost: h\r\n\r\n", 400},
		{"RFC 9112 §3.2.2 unknown scheme", "GET ftp://example.com/ HTTP/1.1\r\nHost: h\r\n\r\n", 400},
		{"RFC 9110 §4.2.1 empty host in http URI", "GET http:///p HTTP/1.1\r\nHost: h\r\n\r\n", 400},
		{"RFC 9110 §4.2.4 userinfo in http URI", "GET http://user@h/p HTTP/1.1\r\nHost: h\r\n\r\n", 400},
		{"RFC 9110 §4.2.1 absolute-form bad port", "GET http://h:99999/ HTTP/1.1\r\nHost: h\r\n\r\n", 400},
		{"RFC 9112 §3.2.2 scheme without //", "GET http:/h/ HTTP/1.1\r\nHost: h\r\n\r\n", 400},
		{"RFC 3986 §2.1 bad escape in absolute-form path", "GET http://h/%g0 HTTP/1.1\r\nHost: h\r\n\r\n", 400},

		// Line endings and control bytes.
		{"RFC 9112 §2.2 bare CR ends request line", "GET / HTTP/1.1\rHost: h\r\n\r\n", 400},
		{"RFC 9112 §2.2 bare CR in field line", ok + "X: a\rb\r\n\r\n", 400},
		{"RFC 9112 §2.2 CR CR LF", ok + "X: a\r\r\n\r\n", 400},
		{"RFC 9112 §2.2 bare CR before request line", "\rGET / HTTP/1.1\r\nHost: h\r\n\r\n", 400},
		{"RFC 9112 §2.2 bare CR before the empty line", ok + "\r\r\n\r\n", 400},
		{"RFC 9110 §5.5 NUL in field value", ok + "X: a\x00b\r\n\r\n", 400},
		{"RFC 9110 §5.5 CTL in field value", ok + "X: a\x1bb\r\n\r\n", 400},
		{"RFC 9110 §5.5 DEL in field value", ok + "X: a\x7f\r\n\r\n", 400},
		{"RFC 9110 §5.5 NUL in field name", ok + "X\x00: a\r\n\r\n", 400},

		// Field lines.
		{"RFC 9112 §5.1 whitespace before colon", ok + "X-A : b\r\n\r\n", 400},
		{"RFC 9112 §5.1 HTAB before colon", ok + "X-A\t: b\r\n\r\n", 400},
		{"RFC 9112 §5.2 obs-fold", ok + "X-A: b\r\n c\r\n\r\n", 400},
		{"RFC 9112 §5.2 obs-fold with HTAB", ok + "X-A: b\r\n\tc\r\n\r\n", 400},
		{"RFC 9112 §2.2 whitespace before first field", "GET / HTTP/1.1\r\n Host: h\r\n\r\n", 400},
		{"RFC 9112 §5 no colon", ok + "X-A b\r\n\r\n", 400},
		{"RFC 9112 §5 empty name", ok + ": b\r\n\r\n", 400},
		{"RFC 9110 §5.1 name not a token", ok + "X(A): b\r\n\r\n", 400},
		{"RFC 9110 §5.1 obs-text in name", ok + "X\xc3\xa9: b\r\n\r\n", 400},

		// Host.
		{"RFC 9112 §3.2 HTTP/1.1 without Host", "GET / HTTP/1.1\r\n\r\n", 400},
		{"RFC 9112 §3.2 CONNECT without Host", "CONNECT h:443 HTTP/1.1\r\n\r\n", 400},
		{"RFC 9112 §3.2 absolute-form without Host", "GET http://h/ HTTP/1.1\r\n\r\n", 400},
		{"RFC 9112 §3.2 two Host fields", ok + "Host: h\r\n\r\n", 400},
		{"RFC 9112 §3.2 two Host fields, second empty", ok + "Host:\r\n\r\n", 400},
		{"RFC 9112 §3.2 two Host fields in HTTP/1.0", "GET / HTTP/1.0\r\nHost: a\r\nHost: b\r\n\r\n", 400},
		{"RFC 9110 §7.2 Host list", "GET / HTTP/1.1\r\nHost: a, b\r\n\r\n", 400},
		{"RFC 9110 §7.2 Host with comma", "GET / HTTP/1.1\r\nHost: a,b\r\n\r\n", 400},
		{"RFC 9110 §7.2 Host with space", "GET / HTTP/1.1\r\nHost: a b\r\n\r\n", 400},
		{"RFC 9110 §7.2 Host with slash", "GET / HTTP/1.1\r\nHost: a/b\r\n\r\n", 400},
		{"RFC 9110 §7.2 Host with userinfo", "GET / HTTP/1.1\r\nHost: u@h\r\n\r\n", 400},
		{"RFC 9110 §7.2 Host with query", "GET / HTTP/1.1\r\nHost: h?x\r\n\r\n", 400},
		{"RFC 9110 §7.2 Host with fragment", "GET / HTTP/1.1\r\nHost: h#x\r\n\r\n", 400},
		{"RFC 9110 §7.2 Host with non-numeric port", "GET / HTTP/1.1\r\nHost: h:http\r\n\r\n", 400},
		{"RFC 9110 §7.2 Host port above 65535", "GET / HTTP/1.1\r\nHost: h:65536\r\n\r\n", 400},
		{"RFC 9110 §7.2 Host port too long", "GET / HTTP/1.1\r\nHost: h:000080\r\n\r\n", 400},
		{"RFC 9110 §7.2 Host with two ports", "GET / HTTP/1.1\r\nHost: h:80:80\r\n\r\n", 400},
		{"RFC 9110 §7.2 Host port without host", "GET / HTTP/1.1\r\nHost: :80\r\n\r\n", 400},
		{"RFC 9110 §7.2 Host unclosed IPv6", "GET / HTTP/1.1\r\nHost: [::1\r\n\r\n", 400},
		{"RFC 9110 §7.2 Host junk after IPv6", "GET / HTTP/1.1\r\nHost: [::1]x\r\n\r\n", 400},
		{"RFC 9110 §7.2 Host bad percent-escape", "GET / HTTP/1.1\r\nHost: h%zz\r\n\r\n", 400},
		{"RFC 9110 §7.2 Host with obs-text", "GET / HTTP/1.1\r\nHost: caf\xc3\xa9\r\n\r\n", 400},

		// Content-Length.
		{"RFC 9110 §8.6 sign", p1 + "Content-Length: +5\r\n\r\n", 400},
		{"RFC 9110 §8.6 negative", p1 + "Content-Length: -1\r\n\r\n", 400},
		{"RFC 9110 §8.6 hex", p1 + "Content-Length: 0x5\r\n\r\n", 400},
		{"RFC 9110 §8.6 space inside", p1 + "Content-Length: 5 5\r\n\r\n", 400},
		{"RFC 9110 §8.6 empty", p1 + "Content-Length:\r\n\r\n", 400},
		{"RFC 9110 §8.6 decimal point", p1 + "Content-Length: 5.0\r\n\r\n", 400},
		{"RFC 9110 §8.6 differing list", p1 + "Content-Length: 5, 6\r\n\r\n", 400},
		{"RFC 9110 §8.6 empty list element", p1 + "Content-Length: 5,\r\n\r\n", 400},
		{"RFC 9110 §8.6 differing fields", p1 + "Content-Length: 5\r\nContent-Length: 6\r\n\r\n", 400},
		{"RFC 9110 §8.6 overflow", p1 + "Content-Length: 99999999999999999999\r\n\r\n", 400},
		{"RFC 9110 §8.6 just past int64", p1 + "Content-Length: 9223372036854775808\r\n\r\n", 400},
		{"RFC 9110 §8.6 over MaxBody", p1 + "Content-Length: 67108865\r\n\r\n", 413},
		{"RFC 9110 §8.6 int64 max is over MaxBody", p1 + "Content-Length: 9223372036854775807\r\n\r\n", 413},

		// Transfer-Encoding.
		{"RFC 9112 §6.1 Transfer-Encoding in HTTP/1.0", "POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n", 400},
		{"RFC 9112 §6.1 Transfer-Encoding and Content-Length", p1 + "Transfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n", 400},
		{"RFC 9112 §6.1 Content-Length then Transfer-Encoding", p1 + "Content-Length: 0\r\nTransfer-Encoding: chunked\r\n\r\n", 400},
		{"RFC 9112 §6.1 TE and CL with unknown coding", p1 + "Transfer-Encoding: gzip\r\nContent-Length: 5\r\n\r\n", 400},
		{"RFC 9112 §5.1 Transfer-Encoding with space before colon", p1 + "Transfer-Encoding : chunked\r\n\r\n", 400},
		{"RFC 9112 §5.2 Transfer-Encoding with obs-fold", p1 + "Transfer-Encoding:\r\n chunked\r\n\r\n", 400},
		{"RFC 9112 §5.2 obs-fold continuing TE", p1 + "Transfer-Encoding: gzip\r\n ,chunked\r\n\r\n", 400},
		{"RFC 9112 §6.1 xchunked", p1 + "Transfer-Encoding: xchunked\r\n\r\n", 501},
		{"RFC 9112 §6.1 gzip", p1 + "Transfer-Encoding: gzip\r\n\r\n", 501},
		{"RFC 9112 §6.1 identity (removed coding)", p1 + "Transfer-Encoding: identity\r\n\r\n", 501},
		{"RFC 9112 §6.1 gzip, chunked", p1 + "Transfer-Encoding: gzip, chunked\r\n\r\n", 501},
		{"RFC 9112 §6.3 chunked, identity", p1 + "Transfer-Encoding: chunked, identity\r\n\r\n", 400},
		{"RFC 9112 §6.3 chunked not final across fields", p1 + "Transfer-Encoding: chunked\r\nTransfer-Encoding: gzip\r\n\r\n", 400},
		{"RFC 9112 §7 chunked twice", p1 + "Transfer-Encoding: chunked, chunked\r\n\r\n", 400},
		{"RFC 9112 §7 chunked twice across fields", p1 + "Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n", 400},
		{"RFC 9112 §6.1 empty Transfer-Encoding", p1 + "Transfer-Encoding:\r\n\r\n", 400},
		{"RFC 9112 §6.1 empty coding in list", p1 + "Transfer-Encoding: , chunked\r\n\r\n", 400},
		{"RFC 9112 §7 chunked with parameter", p1 + "Transfer-Encoding: chunked;q=1\r\n\r\n", 400},
		{"RFC 9112 §6.1 quoted coding", p1 + "Transfer-Encoding: \"chunked\"\r\n\r\n", 400},
		{"RFC 9112 §6.1 two codings without comma", p1 + "Transfer-Encoding: chunked chunked\r\n\r\n", 400},
		{"RFC 9112 §6.1 NUL after chunked", p1 + "Transfer-Encoding: chunked\x00\r\n\r\n", 400},
		{"RFC 9112 §6.1 obs-text after chunked", p1 + "Transfer-Encoding: chunked\xff\r\n\r\n", 400},

		// Expect.
		{"RFC 9110 §10.1.1 unknown expectation", ok + "Expect: the-unexpected\r\n\r\n", 417},
		{"RFC 9110 §10.1.1 100-continue with another", ok + "Expect: 100-continue, x\r\n\r\n", 417},
		{"RFC 9110 §10.1.1 100-continue with parameter", ok + "Expect: 100-continue;a=b\r\n\r\n", 417},

		// Limits.
		{"RFC 9112 §3 request line over MaxRequestLine", "GET /" + strings.Repeat("a", 8192) + " HTTP/1.1\r\nHost: h\r\n\r\n", 414},
		{"RFC 9112 §2.2 endless empty lines", strings.Repeat("\r\n", 4097) + "GET / HTTP/1.1\r\nHost: h\r\n\r\n", 414},
		{"RFC 6585 §5 header section over MaxHeaderBytes", ok + "X: " + strings.Repeat("a", 16384) + "\r\n\r\n", 431},
		{"RFC 6585 §5 more fields than MaxHeaders", ok + strings.Repeat("X: a\r\n", 100) + "\r\n", 431},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := parseWhole(tt.raw, parser.Limits{})
			checkStatus(t, err, tt.status)
		})
	}
}
