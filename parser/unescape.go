package parser

import (
	"errors"
	"fmt"
)

// ErrBadEscape is a '%' not followed by two hex digits.
var ErrBadEscape = errors.New("bad percent-escape")

// Unescape percent-decodes b exactly once (RFC 3986 §2.1): "%252e" becomes
// "%2e", never ".". '+' stays '+' (that rule is for query strings). Handlers
// that map a request path to a name call it once, after splitting the path
// where they need to.
func Unescape(b []byte) (string, error) {
	if !validPercent(b) {
		return "", fmt.Errorf("unescape %q: %w", b, ErrBadEscape)
	}
	n := 0
	for _, c := range b {
		if c == '%' {
			n++
		}
	}
	if n == 0 {
		return string(b), nil
	}
	out := make([]byte, 0, len(b)-2*n)
	for i := 0; i < len(b); i++ {
		c := b[i]
		if c == '%' {
			c = unhex(b[i+1])<<4 | unhex(b[i+2])
			i += 2
		}
		out = append(out, c)
	}
	return string(out), nil
}
