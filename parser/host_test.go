package parser_test

import (
	"testing"

	"pipehttp/parser"
)

// TestEmptyHost checks RFC 9112 §3.2 and §3.3: an empty Host gives an
// http(s) target URI an empty host, which a recipient must reject
// (RFC 9110 §4.2.1), unless the request-target carries the authority
// itself, in which case the Host field is ignored (RFC 9112 §3.2.2).
func TestEmptyHost(t *testing.T) {
	tests := []struct {
		name   string
		raw    string
		status int    // 0: accepted
		host   string // Request.Host when accepted
	}{
		{"RFC 9112 §3.2.1 origin-form", "GET / HTTP/1.1\r\nHost:\r\n\r\n", 400, ""},
		{"RFC 9112 §3.2.1 origin-form, OWS only", "GET /p HTTP/1.1\r\nHost: \t \r\n\r\n", 400, ""},
		{"RFC 9112 §3.2.1 origin-form in HTTP/1.0", "GET / HTTP/1.0\r\nHost:\r\n\r\n", 400, ""},
		{"RFC 9112 §3.2.4 asterisk-form", "OPTIONS * HTTP/1.1\r\nHost:\r\n\r\n", 400, ""},
		{"RFC 9112 §3.2.2 absolute-form takes its authority", "GET http://h:8/p HTTP/1.1\r\nHost:\r\n\r\n", 0, "h:8"},
		{"RFC 9112 §3.2.3 authority-form takes its authority", "CONNECT h:443 HTTP/1.1\r\nHost:\r\n\r\n", 0, "h:443"},
		{"RFC 9112 §3.2 HTTP/1.0 without Host", "GET / HTTP/1.0\r\n\r\n", 0, "<nil>"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h, err := parseWhole(tt.raw, parser.Limits{})
			if tt.status != 0 {
				checkStatus(t, err, tt.status)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if h.Host != tt.host {
				t.Fatalf("Host %q, want %q", h.Host, tt.host)
			}
		})
	}
}
