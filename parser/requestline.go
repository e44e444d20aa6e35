package parser

import (
	"bytes"
	"fmt"
)

// parseRequestLine parses `method SP request-target SP HTTP-version`
// (RFC 9112 §3), line excluding its line terminator, into req.
//
// Exactly one SP separates the parts: RFC 9112 §3 lets a server split on
// any whitespace, but doing so is how one parser comes to disagree with
// another about where the target ends, so runs of spaces and tabs are
// rejected. The version is checked first, so that another protocol's
// preface ("PRI * HTTP/2.0") gets 505 rather than 400.
func parseRequestLine(line []byte, req *Request) error {
	sp1 := bytes.IndexByte(line, ' ')
	if sp1 < 0 {
		return fmt.Errorf("parse request line: no SP after method: %w", ErrMalformed)
	}
	rest := line[sp1+1:]
	sp2 := bytes.IndexByte(rest, ' ')
	if sp2 < 0 {
		return fmt.Errorf("parse request line: no SP after request-target: %w", ErrMalformed)
	}
	method, target, version := line[:sp1], rest[:sp2], rest[sp2+1:]
	v, err := parseVersion(version)
	if err != nil {
		return err
	}
	if !isToken(method) {
		return fmt.Errorf("parse request line: method is not a token: %w", ErrMalformed)
	}
	req.Method, req.Version = method, v
	return parseTarget(target, req)
}

// parseVersion parses HTTP-version: "HTTP/" DIGIT "." DIGIT, case-sensitive
// (RFC 9112 §2.3). A well-formed version other than 1.0 and 1.1 yields
// ErrVersionNotSupported.
func parseVersion(b []byte) (Version, error) {
	if len(b) != 8 || string(b[:5]) != "HTTP/" || b[6] != '.' ||
		b[5] < '0' || b[5] > '9' || b[7] < '0' || b[7] > '9' {
		return 0, fmt.Errorf("parse request line: malformed HTTP-version: %w", ErrMalformed)
	}
	switch v := Version((b[5]-'0')*10 + b[7] - '0'); v {
	case HTTP10, HTTP11:
		return v, nil
	}
	return 0, fmt.Errorf("parse request line: %s: %w", b, ErrVersionNotSupported)
}
