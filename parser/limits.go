package parser

import (
	"errors"
	"fmt"
)

// Defaults for the zero fields of Limits. They match what common servers
// allow (nginx: 8 KiB request line, Go: 1 MiB headers, 100 fields is the
// usual proxy ceiling) while keeping one connection's worst case small.
const (
	DefaultMaxRequestLine = 8 << 10  // bytes
	DefaultMaxHeaderBytes = 16 << 10 // bytes
	DefaultMaxHeaders     = 100      // field lines
	DefaultMaxBody        = 64 << 20 // bytes
)

// Ceilings are the largest values Limits.Validate accepts.
//
// A connection's request line and header section (or a chunked body's
// trailer section) are held in memory whole until they end, so
// MaxRequestLine and MaxHeaderBytes are one connection's worst case, paid
// by every connection an attacker opens: 1 MiB each (Go's net/http
// default for the whole head) is already generous. 10000 field lines is
// far past any real client. The body is streamed, not held, so its
// ceiling only keeps sums of sizes within int64.
const (
	CeilingRequestLine = 1 << 20 // bytes
	CeilingHeaderBytes = 1 << 20 // bytes
	CeilingHeaders     = 10000   // field lines
	CeilingBody        = 1 << 62 // bytes
)

// maxChunkLine bounds a chunk-size line, extensions included, without its
// CRLF. Extensions carry no meaning here, so 4 KiB is generous.
const maxChunkLine = 4 << 10

// Limits bound what a request may use. A zero field takes the default
// named after it. Validate says whether a Limits is usable; the parser
// takes any value without failing (a negative one as zero, a huge one as
// no limit at all), but only validated limits bound memory.
type Limits struct {
	// MaxRequestLine is the longest request line accepted, in bytes, not
	// counting its CRLF but counting any empty lines skipped before it
	// (RFC 9112 §2.2). Longer: ErrRequestLineTooLong (414), except that a
	// method longer than 32 bytes, or than MaxRequestLine, gets
	// ErrMethodNotImplemented (501): the target is not to blame.
	// Default DefaultMaxRequestLine; at most CeilingRequestLine.
	MaxRequestLine int

	// MaxHeaderBytes bounds the header section after the request line,
	// through the final empty line, in bytes. It also bounds a chunked
	// body's trailer section, and since BodyReader consumes a trailer line
	// only once it is whole, a caller decoding chunked bodies must be able
	// to pass Decode a buffer of MaxHeaderBytes bytes (CeilingHeaderBytes
	// covers every valid Limits). Larger: ErrHeaderTooLarge (431).
	// Default DefaultMaxHeaderBytes; at most CeilingHeaderBytes.
	MaxHeaderBytes int

	// MaxHeaders is the most field lines a head (or a trailer section) may
	// hold. More: ErrTooManyHeaders (431). Default DefaultMaxHeaders; at
	// most CeilingHeaders.
	MaxHeaders int

	// MaxBody bounds the body, in bytes. A Content-Length above it is
	// rejected by ParseHead with ErrBodyTooLarge (413) before any of the
	// body is read; a chunked body is checked as each chunk-size arrives.
	// Default DefaultMaxBody; at most CeilingBody.
	MaxBody int64
}

// Validate reports every field of l that is negative or above its ceiling
// (CeilingRequestLine and the like); zero fields are valid and mean the
// default. Check configured limits once, at start.
func (l Limits) Validate() error {
	var errs []error
	check := func(name string, v, ceiling int64) {
		if v < 0 || v > ceiling {
			errs = append(errs, fmt.Errorf("parser: Limits.%s is %d, want 0 (default) to %d", name, v, ceiling))
		}
	}
	check("MaxRequestLine", int64(l.MaxRequestLine), CeilingRequestLine)
	check("MaxHeaderBytes", int64(l.MaxHeaderBytes), CeilingHeaderBytes)
	check("MaxHeaders", int64(l.MaxHeaders), CeilingHeaders)
	check("MaxBody", l.MaxBody, CeilingBody)
	return errors.Join(errs...)
}

// WithDefaults returns l with every zero field replaced by its default.
// Negative fields, which Validate refuses, are replaced too.
func (l Limits) WithDefaults() Limits {
	if l.MaxRequestLine <= 0 {
		l.MaxRequestLine = DefaultMaxRequestLine
	}
	if l.MaxHeaderBytes <= 0 {
		l.MaxHeaderBytes = DefaultMaxHeaderBytes
	}
	if l.MaxHeaders <= 0 {
		l.MaxHeaders = DefaultMaxHeaders
	}
	if l.MaxBody <= 0 {
		l.MaxBody = DefaultMaxBody
	}
	return l
}
