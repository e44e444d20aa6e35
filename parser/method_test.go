package parser_test

import (
	"errors"
	"strings"
	"testing"

	"pipehttp/parser"
)

// TestLongMethod checks that a method too long to be implemented gets 501,
// not 414 (the URI is not the problem), while a long target stays 414.
func TestLongMethod(t *testing.T) {
	small := parser.Limits{MaxRequestLine: 16}
	tests := []struct {
		name   string
		raw    string
		lim    parser.Limits
		status int // 0: accepted; -1: ErrNeedMore
	}{
		{"RFC 9110 §9.1 method of 32 bytes", strings.Repeat("M", 32) + " / HTTP/1.1\r\nHost: h\r\n\r\n", parser.Limits{}, 0},
		{"RFC 9110 §15.6.2 method of 33 bytes", strings.Repeat("M", 33) + " / HTTP/1.1\r\nHost: h\r\n\r\n", parser.Limits{}, 501},
		{"RFC 9110 §15.6.2 method of 33 bytes, no line end", strings.Repeat("M", 33), parser.Limits{}, 501},
		{"RFC 9110 §15.6.2 method over MaxRequestLine", strings.Repeat("M", 9000) + " / HTTP/1.1\r\nHost: h\r\n\r\n", parser.Limits{}, 501},
		{"RFC 9110 §15.6.2 method over MaxRequestLine, no line end", strings.Repeat("M", 9000), parser.Limits{}, 501},
		{"RFC 9110 §15.6.2 method over a small MaxRequestLine", strings.Repeat("M", 17), small, 501},
		{"RFC 9110 §15.6.2 method of a small MaxRequestLine", strings.Repeat("M", 16), small, -1},
		{"RFC 9112 §3 target over a small MaxRequestLine", strings.Repeat("M", 15) + " /", small, 414},
		{"RFC 9112 §3 target over MaxRequestLine", "GET /" + strings.Repeat("a", 9000) + " HTTP/1.1\r\nHost: h\r\n\r\n", parser.Limits{}, 414},
		{"RFC 9112 §3 target over MaxRequestLine, no line end", "GET /" + strings.Repeat("a", 9000), parser.Limits{}, 414},
		{"RFC 9112 §2.2 empty lines push a short method over the limit", strings.Repeat("\n", 14) + "GET", small, 414},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := parseWhole(tt.raw, tt.lim)
			switch tt.status {
			case 0:
				if err != nil {
					t.Fatal(err)
				}
			case -1:
				if !errors.Is(err, parser.ErrNeedMore) {
					t.Fatalf("got %v, want ErrNeedMore", err)
				}
			default:
				checkStatus(t, err, tt.status)
			}
		})
	}
}
