package parser

import (
	"bytes"
	"fmt"
)

// parseRequestLine parses `method SP request-target SP HTTP-version`
// (RFC 9112 §3), line excluding its line terminator, into req. The method
// is line[:method]: scanMethod has already checked that it is a token of
// acceptable length followed by SP.
//
// Exactly one SP separates the parts: RFC 9112 §3 lets a server split on
// any whitespace, but doing so is how one parser comes to disagree with
// another about where the target ends, so runs of spaces and tabs are
// rejected.
//
// The order of checks fixes which error a bad line gets. A control
// character comes first, because scanLine refuses one before the line
// ends, and the verdict must not depend on how the line arrived; it is
// looked for only once another check has failed, since a line that
// passes them cannot hold one. The version comes next, so that another
// protocol's preface ("PRI * HTTP/2.0") gets 505 rather than 400; the
// target last.
func parseRequestLine(line []byte, method int, req *Request) error {
	req.Method = line[:method]
	rest := line[method+1:]
	err := parseTargetVersion(rest, req)
	if err != nil {
		if i := ctlLen(rest); i < len(rest) {
			return ctlError(rest[i])
		}
	}
	return err
}

// parseTargetVersion parses `request-target SP HTTP-version` into req.
func parseTargetVersion(rest []byte, req *Request) error {
	sp := bytes.IndexByte(rest, ' ')
	if sp < 0 {
		return fmt.Errorf("parse request line: no SP after request-target: %w", ErrMalformed)
	}
	v, err := parseVersion(rest[sp+1:])
	if err != nil {
		return err
	}
	req.Version = v
	return parseTarget(rest[:sp], req)
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
