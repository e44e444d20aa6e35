package parser_test

import (
	"errors"
	"testing"

	"pipehttp/parser"
)

// RFC 3986 §2.1: percent-encoding, decoded exactly once.
func TestUnescape(t *testing.T) {
	tests := []struct {
		in, want string
		err      bool
	}{
		{"plain", "plain", false},
		{"a%20b", "a b", false},
		{"%2e%2E", "..", false},
		{"%252e", "%2e", false}, // once, not twice
		{"a+b", "a+b", false},
		{"%00", "\x00", false}, // decoded; callers refuse NUL
		{"%", "", true},
		{"%2", "", true},
		{"%zz", "", true},
	}
	for _, tt := range tests {
		got, err := parser.Unescape([]byte(tt.in))
		if tt.err {
			if !errors.Is(err, parser.ErrBadEscape) {
				t.Errorf("%q: err %v, want ErrBadEscape", tt.in, err)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("%q: %q, %v; want %q", tt.in, got, err, tt.want)
		}
	}
}
