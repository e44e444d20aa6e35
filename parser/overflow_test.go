package parser_test

import (
	"bytes"
	"errors"
	"fmt"
	"math"
	"strings"
	"testing"

	"pipehttp/parser"
)

// hugeLimits are limits nobody should configure (Validate refuses them) but
// that the parser must survive: offsets plus limits must not overflow.
var hugeLimits = []parser.Limits{
	{MaxRequestLine: math.MaxInt, MaxHeaderBytes: math.MaxInt, MaxHeaders: math.MaxInt, MaxBody: math.MaxInt64},
	{MaxHeaderBytes: math.MaxInt},
	{MaxRequestLine: math.MaxInt},
	{MaxHeaders: math.MaxInt},
	{MaxBody: math.MaxInt64},
	{MaxHeaderBytes: math.MaxInt - 1, MaxRequestLine: math.MaxInt - 1},
}

// TestHugeLimits parses the split corpus, whole and cut at every byte,
// and decodes its bodies under each of hugeLimits: nothing may panic, and
// since the corpus is within the default limits, the outcome must be the
// one the defaults give.
func TestHugeLimits(t *testing.T) {
	for i, lim := range hugeLimits {
		for _, tt := range splitCorpus {
			t.Run(fmt.Sprintf("limits %d/%s", i, tt.name), func(t *testing.T) {
				defer func() {
					if r := recover(); r != nil {
						t.Fatalf("panic: %v", r)
					}
				}()
				want := outcome(parseWhole(tt.raw, parser.Limits{}))
				if got := outcome(parseWhole(tt.raw, lim)); got != want {
					t.Fatalf("whole:\n got %s\nwant %s", got, want)
				}
				for cut := 0; cut <= len(tt.raw); cut++ {
					p := parser.Parser{Limits: lim}
					var req parser.Request
					n, err := p.ParseHead([]byte(tt.raw[:cut]), &req)
					if errors.Is(err, parser.ErrNeedMore) {
						n, err = p.ParseHead([]byte(tt.raw), &req)
					}
					if got := outcome(summarize(n, &req), err); got != want {
						t.Fatalf("cut %d:\n got %s\nwant %s", cut, got, want)
					}
				}
				var p parser.Parser
				var req parser.Request
				n, err := p.ParseHead([]byte(tt.raw), &req)
				if err != nil {
					return
				}
				src := []byte(tt.raw[n:])
				wantBody, _, _, _ := decodeAll(&req, parser.Limits{}, src)
				for cut := 0; cut <= len(src); cut++ {
					body, _, done, err := decodeAll(&req, lim, src, cut)
					if err != nil || !done || !bytes.Equal(body, wantBody) {
						t.Fatalf("body cut %d: %q done %v err %v", cut, body, done, err)
					}
				}
			})
		}
	}
}

// TestLimitsChangedMidHead shrinks the limits between two calls for the
// same head, which the Limits doc asks callers not to do: the parser must
// not panic, and must judge the head as a fresh Parser with the new
// limits would.
func TestLimitsChangedMidHead(t *testing.T) {
	long := parser.Limits{MaxRequestLine: 1 << 20, MaxHeaderBytes: 1 << 20}
	short := parser.Limits{MaxRequestLine: 16, MaxHeaderBytes: 16}
	tests := []struct {
		name string
		raw  string
		cut  int
	}{
		{"RFC 9112 §3 inside the target", "GET /" + strings.Repeat("a", 100) + " HTTP/1.1\r\nHost: h\r\n\r\n", 60},
		{"RFC 9112 §5 inside a field line", "GET / HTTP/1.1\r\nHost: h\r\nX: " + strings.Repeat("a", 100) + "\r\n\r\n", 90},
		{"RFC 9112 §5 after a field line", "GET / HTTP/1.1\r\nHost: h\r\nX: " + strings.Repeat("a", 100) + "\r\nY: b\r\n\r\n", 133},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			defer func() {
				if r := recover(); r != nil {
					t.Fatalf("panic: %v", r)
				}
			}()
			want := outcome(parseWhole(tt.raw, short))
			p := parser.Parser{Limits: long}
			var req parser.Request
			if _, err := p.ParseHead([]byte(tt.raw[:tt.cut]), &req); err != parser.ErrNeedMore {
				t.Fatalf("first call: %v", err)
			}
			p.Limits = short
			n, err := p.ParseHead([]byte(tt.raw), &req)
			if got := outcome(summarize(n, &req), err); got != want {
				t.Fatalf("\n got %s\nwant %s", got, want)
			}
		})
	}
}
