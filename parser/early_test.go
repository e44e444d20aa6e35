package parser_test

import (
	"errors"
	"strings"
	"testing"

	"pipehttp/parser"
)

// TestRequestLineEarly feeds request lines that have not ended: bytes that
// cannot be the start of `method SP`, or that hold a control character,
// are rejected at once instead of waiting (ErrNeedMore) for a line end
// that a client speaking another protocol never sends.
func TestRequestLineEarly(t *testing.T) {
	tests := []struct {
		name   string
		raw    string
		status int // 0: ErrNeedMore
	}{
		{"RFC 8446 §4.1.2 TLS ClientHello on the plain port", "\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03", 400},
		{"RFC 8446 §5.1 TLS record type alone", "\x16", 400},
		{"RFC 9112 §2.2 junk after empty lines", "\r\n\n\x16\x03\x01", 400},
		{"RFC 9110 §5.6.2 obs-text first", "\x80GET", 400},
		{"RFC 9110 §5.6.2 NUL first", "\x00", 400},
		{"RFC 9112 §3 SP first (empty method)", " GET /", 400},
		{"RFC 9110 §5.6.2 delimiter in method", "GE(T", 400},
		{"RFC 9110 §5.6.2 '/' in method", "GET/ HTTP", 400},
		{"RFC 9112 §3 HTAB after method", "GET\t/", 400},
		{"RFC 9112 §3 CR ends method", "GET\r", 400},
		{"RFC 9112 §3 NUL in target", "GET /a\x00", 400},
		{"RFC 9112 §3 ESC in target", "GET /a\x1b[2J", 400},
		{"RFC 9112 §3 DEL in target", "GET /a\x7f", 400},
		{"RFC 9112 §3 HTAB in target", "GET /a\tb", 400},
		{"RFC 9112 §3 CTL in version", "GET / HTTP/1.1\x01", 400},
		{"RFC 9112 §2.2 bare CR inside the line", "GET /a\rb", 400},

		{"RFC 9112 §3 method so far", "POS", 0},
		{"RFC 9112 §3 method of every tchar", "!#$%&'*+-.^_`|~09AZaz", 0},
		{"RFC 9112 §3 method at the bound", strings.Repeat("M", 32), 0},
		{"RFC 9112 §3 method and SP", "GET ", 0},
		{"RFC 9112 §2.2 empty lines then method", "\r\n\nGE", 0},
		{"RFC 9112 §3 target so far", "GET /" + strings.Repeat("a", 100), 0},
		{"RFC 9112 §3 obs-text is judged when the line ends", "GET /caf\xc3", 0},
		{"RFC 9112 §3 CR waiting for its LF", "GET / HTTP/1.1\r", 0},
		{"RFC 9112 §3 asterisk-form so far", "OPTIONS * HT", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := parseWhole(tt.raw, parser.Limits{})
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
