package parser

import (
	"bytes"
	"fmt"
)

// slash is the path of an absolute-form target whose path is empty
// (RFC 9112 §3.2.2 via RFC 3986 §6.2.3). Never modify it.
var slash = []byte("/")

// parseTarget checks the request-target (RFC 9112 §3.2) against the method
// already in req and sets req.Target, Path, Query and, for the forms that
// carry an authority, Host.
//
// Every byte must be visible ASCII (0x21–0x7E) other than '#', '"', '<'
// and '>': the grammar has no room for a fragment, spaces, controls or raw
// non-ASCII bytes, and a target holding them means different things to
// different parsers. The other visible bytes outside the grammar ('|', '^',
// '[' and the like) are let through because browsers send them unencoded.
// Percent-escapes in the path must be well-formed (as nginx and Go require);
// the query is passed on unchecked, for the application to interpret.
//
// Forms: origin-form ("/p?q") for any method but CONNECT; asterisk-form
// ("*") only with OPTIONS; authority-form ("host:port") only with, and
// always with, CONNECT; absolute-form ("http://host/p?q", scheme http or
// https in any case, no userinfo) with any method but CONNECT.
func parseTarget(target []byte, req *Request) error {
	if len(target) == 0 {
		return fmt.Errorf("parse request line: empty request-target: %w", ErrMalformed)
	}
	for _, c := range target {
		if charClass[c]&cTarget == 0 {
			return fmt.Errorf("parse request line: byte %#02x in request-target: %w", c, ErrMalformed)
		}
	}
	req.Target = target
	connect := req.MethodIs("CONNECT")
	switch {
	case connect:
		// authority-form = uri-host ":" port (RFC 9112 §3.2.3).
		if !validHostPort(target, true) {
			return fmt.Errorf("parse request line: CONNECT needs host:port: %w", ErrMalformed)
		}
		req.Host = target
		return nil
	case target[0] == '/':
		return splitPath(target, req)
	case len(target) == 1 && target[0] == '*':
		if !req.MethodIs("OPTIONS") {
			return fmt.Errorf("parse request line: asterisk-form without OPTIONS: %w", ErrMalformed)
		}
		req.Path = target
		return nil
	}
	return parseAbsolute(target, req)
}

// parseAbsolute parses an absolute-form target (RFC 9112 §3.2.2).
func parseAbsolute(target []byte, req *Request) error {
	var rest []byte
	switch {
	case len(target) > 7 && lowerEqual(target[:7], "http://"):
		rest = target[7:]
	case len(target) > 8 && lowerEqual(target[:8], "https://"):
		rest = target[8:]
	default:
		return fmt.Errorf("parse request line: request-target %q is in no known form: %w", target, ErrMalformed)
	}
	end := bytes.IndexAny(rest, "/?")
	if end < 0 {
		end = len(rest)
	}
	authority := rest[:end]
	// RFC 9110 §4.2.1: an empty host is invalid; §4.2.4: userinfo ('@' is
	// not a host byte) must be treated as an error.
	if !validHostPort(authority, false) {
		return fmt.Errorf("parse request line: bad authority in absolute-form: %w", ErrMalformed)
	}
	req.Host = authority
	if err := splitPath(rest[end:], req); err != nil {
		return err
	}
	if len(req.Path) == 0 {
		req.Path = slash
	}
	return nil
}

// splitPath sets req.Path to what precedes the first '?' of pq and
// req.Query to what follows it (nil when there is no '?').
func splitPath(pq []byte, req *Request) error {
	path := pq
	if q := bytes.IndexByte(pq, '?'); q >= 0 {
		path, req.Query = pq[:q], pq[q+1:]
	}
	if !validPercent(path) {
		return fmt.Errorf("parse request line: bad percent-encoding in path: %w", ErrMalformed)
	}
	req.Path = path
	return nil
}
