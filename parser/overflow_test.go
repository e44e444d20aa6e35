package parser_test

import (
	"bytes"
	"errors"
	"fmt"
	"math"
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
