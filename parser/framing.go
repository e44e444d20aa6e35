package parser

import (
	"fmt"
	"math"
)

// framing collects, field by field, what the head says about the
// connection and the body; settle then checks the whole. It holds no
// slices, so it survives the buffer moving between ParseHead calls.
type framing struct {
	hosts     int
	emptyHost bool // the Host field's value is empty

	hasCL bool
	cl    int64

	hasTE        bool
	teChunked    int  // times "chunked" was listed
	teLast       bool // the last coding listed was a bare "chunked"
	teUnknown    bool // a coding other than chunked was listed
	teMalformed  bool // an element that is not a coding at all
	connClose    bool
	connKeepOpen bool
	expectOther  bool
	expect100    bool
}

// observe takes one field. Names are compared case-insensitively
// (RFC 9110 §5.1); a switch on length keeps unrelated fields cheap.
func (f *framing) observe(name, value []byte) error {
	switch len(name) {
	case 4:
		if lowerEqual(name, "host") {
			return f.host(value)
		}
	case 6:
		if lowerEqual(name, "expect") {
			f.expect(value)
		}
	case 10:
		if lowerEqual(name, "connection") {
			f.connection(value)
		}
	case 14:
		if lowerEqual(name, "content-length") {
			return f.contentLength(value)
		}
	case 17:
		if lowerEqual(name, "transfer-encoding") {
			f.transferEncoding(value)
		}
	}
	return nil
}

// host checks a Host field (RFC 9112 §3.2, RFC 9110 §7.2). An empty value
// is well-formed (a client sends one when the target URI has no
// authority); settle judges it against the request-target.
func (f *framing) host(value []byte) error {
	f.hosts++
	if f.hosts > 1 {
		return fmt.Errorf("parse header: more than one Host: %w", ErrBadHost)
	}
	f.emptyHost = len(value) == 0
	if len(value) > 0 && !validHostPort(value, false) {
		return fmt.Errorf("parse header: Host %q: %w", value, ErrBadHost)
	}
	return nil
}

// contentLength takes one Content-Length field (RFC 9110 §8.6): 1*DIGIT,
// or a list of identical values, which RFC 9110 §8.6 lets a recipient take
// as one. Repeated fields are treated the same way. Signs, spaces inside a
// number, hex, empty elements and values beyond int64 are rejected.
func (f *framing) contentLength(value []byte) error {
	for rest, more := value, true; more; {
		var elem []byte
		elem, rest, more = nextElement(rest)
		n, ok := parseDecimal(elem)
		if !ok {
			return fmt.Errorf("parse header: Content-Length %q: %w", value, ErrBadContentLength)
		}
		if f.hasCL && n != f.cl {
			return fmt.Errorf("parse header: differing Content-Length values %d and %d: %w", f.cl, n, ErrBadContentLength)
		}
		f.hasCL, f.cl = true, n
	}
	return nil
}

// parseDecimal parses 1*DIGIT into an int64, refusing overflow.
func parseDecimal(b []byte) (int64, bool) {
	if len(b) == 0 {
		return 0, false
	}
	var n int64
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		d := int64(c - '0')
		if n > (math.MaxInt64-d)/10 {
			return 0, false
		}
		n = n*10 + d
	}
	return n, true
}

// transferEncoding takes one Transfer-Encoding field: a list of transfer
// codings (RFC 9112 §6.1), each a token with optional parameters. Only
// their order and names matter here; settle judges them.
func (f *framing) transferEncoding(value []byte) {
	f.hasTE = true
	for rest, more := value, true; more; {
		var elem []byte
		elem, rest, more = nextElement(rest)
		n := tokenLen(elem)
		params := trimOWS(elem[n:])
		switch {
		case n == 0 || len(params) > 0 && params[0] != ';':
			f.teMalformed = true
			f.teLast = false
		case lowerEqual(elem[:n], "chunked"):
			f.teChunked++
			// chunked takes no parameters; one with them is not a coding
			// we can frame by.
			f.teLast = len(params) == 0
			f.teMalformed = f.teMalformed || len(params) > 0
		default:
			f.teUnknown = true
			f.teLast = false
		}
	}
}

// connection takes one Connection field: a list of connection options
// (RFC 9112 §9.3). Only "close" and "keep-alive" mean anything here.
func (f *framing) connection(value []byte) {
	for rest, more := value, true; more; {
		var elem []byte
		elem, rest, more = nextElement(rest)
		switch {
		case lowerEqual(elem, "close"):
			f.connClose = true
		case lowerEqual(elem, "keep-alive"):
			f.connKeepOpen = true
		}
	}
}

// expect takes one Expect field (RFC 9110 §10.1.1). Empty elements are
// ignored; anything but "100-continue" is an expectation we cannot meet.
func (f *framing) expect(value []byte) {
	for rest, more := value, true; more; {
		var elem []byte
		elem, rest, more = nextElement(rest)
		switch {
		case len(elem) == 0:
		case lowerEqual(elem, "100-continue"):
			f.expect100 = true
		default:
			f.expectOther = true
		}
	}
}

// settle checks the head as a whole and fills req's framing fields.
func (f *framing) settle(req *Request, lim *Limits) error {
	if req.Version == HTTP11 && f.hosts == 0 {
		return fmt.Errorf("parse header: HTTP/1.1 request without Host: %w", ErrBadHost)
	}
	// With an origin- or asterisk-form target the authority of the target
	// URI is the Host value (RFC 9112 §3.3); empty, it makes an http(s)
	// URI with an empty host, which a recipient must reject (RFC 9110
	// §4.2.1). Absolute- and authority-form carry their own authority,
	// and the Host field is then ignored (RFC 9112 §3.2.2).
	if f.emptyHost && (req.Target[0] == '/' || req.Target[0] == '*') {
		return fmt.Errorf("parse header: empty Host for a target without authority: %w", ErrBadHost)
	}
	if f.hasTE {
		if req.Version == HTTP10 {
			// RFC 9112 §6.1: the framing of an HTTP/1.0 message with
			// Transfer-Encoding must be treated as faulty.
			return fmt.Errorf("parse header: Transfer-Encoding in HTTP/1.0: %w", ErrMalformed)
		}
		if f.hasCL {
			// RFC 9112 §6.1 allows letting TE win, but the sender is
			// broken or attacking; §6.3 smuggling note. Reject and close.
			return fmt.Errorf("parse header: %w", ErrAmbiguousFraming)
		}
		switch {
		case f.teMalformed:
			return fmt.Errorf("parse header: malformed Transfer-Encoding: %w", ErrMalformed)
		case f.teChunked > 1:
			return fmt.Errorf("parse header: chunked applied twice: %w", ErrMalformed)
		case f.teChunked == 1 && !f.teLast:
			// RFC 9112 §6.3: chunked not final; the length is unknowable.
			return fmt.Errorf("parse header: chunked is not the final coding: %w", ErrMalformed)
		case f.teUnknown:
			return fmt.Errorf("parse header: %w", ErrTransferCodingUnknown)
		}
		req.Chunked = true
	}
	if f.hasCL {
		if f.cl > lim.MaxBody {
			return fmt.Errorf("parse header: Content-Length %d over %d: %w", f.cl, lim.MaxBody, ErrBodyTooLarge)
		}
		req.ContentLength = f.cl
	}
	if f.expectOther {
		return fmt.Errorf("parse header: %w", ErrExpectationFailed)
	}
	// RFC 9110 §10.1.1: 100-continue in an HTTP/1.0 request is ignored.
	req.Expect100 = f.expect100 && req.Version == HTTP11
	req.KeepAlive = !f.connClose && (req.Version == HTTP11 || f.connKeepOpen)
	return nil
}
