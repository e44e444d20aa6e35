package parser_test

import (
	"testing"

	"pipehttp/parser"
)

// TestTargetOutsideGrammar pins down which bytes outside the
// request-target grammar (RFC 9112 §3.2, RFC 3986 §3.3–3.4) are accepted:
// only those that browsers send without percent-encoding them (the WHATWG
// URL path and query percent-encode sets leave them), because real clients
// need them. '"', '<' and '>' are always encoded by such clients, so they
// get the 400 that RFC 9112 §3 recommends for an invalid request-line.
func TestTargetOutsideGrammar(t *testing.T) {
	tests := []struct {
		name   string
		target string
		status int // 0: accepted
	}{
		{"RFC 9112 §3 '\"' in path", `/a"b`, 400},
		{"RFC 9112 §3 '<' in path", "/a<b", 400},
		{"RFC 9112 §3 '>' in path", "/a>b", 400},
		{"RFC 9112 §3 '\"' in query", `/?q="x"`, 400},
		{"RFC 9112 §3 '<' in query", "/?q=<script>", 400},
		{"RFC 9112 §3 '>' in absolute-form", "http://h/a>b", 400},

		{"WHATWG URL '[' ']' in query", "/p?filter[a]=1", 0},
		{"WHATWG URL '{' '}' '|' in query", "/p?x={a|b}", 0},
		{"WHATWG URL '^' '`' '\\' in query", "/p?x=^`\\", 0},
		{"WHATWG URL '|' '^' '[' ']' in path", "/a|b^c[d]", 0},
		{"RFC 9112 §3.2.1 raw '%' in query", "/p?off=100%", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := parseWhole("GET "+tt.target+" HTTP/1.1\r\nHost: h\r\n\r\n", parser.Limits{})
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
