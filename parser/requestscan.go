package parser

import (
	"bytes"
	"fmt"
)

// maxMethod bounds the method, in bytes. The longest method in the IANA
// HTTP Method Registry is 17 bytes ("UPDATEREDIRECTREF", RFC 4437); one
// longer than 32 is no method any server implements, so it gets
// ErrMethodNotImplemented (501, RFC 9110 §15.6.2) rather than the 414 a
// request line over MaxRequestLine gets, which would blame the target.
const maxMethod = 32

// scanMethod checks the method byte by byte as it arrives (RFC 9112 §3:
// method = token, then SP). A request line whose first bytes cannot be
// `token SP` is refused at once: the first byte of a TLS ClientHello
// (0x16) or of any other binary protocol is not a tchar, and waiting for a
// line end that never comes would hold the connection until a timeout.
//
// A method longer than maxMethod, or than MaxRequestLine if that is
// smaller, is refused with ErrMethodNotImplemented as its first byte too
// many arrives. Past MaxRequestLine otherwise (the empty lines before the
// method count toward it) the line gets ErrRequestLineTooLong.
func (s *scanState) scanMethod(buf []byte, lim *Limits) error {
	bound := min(maxMethod, lim.MaxRequestLine)
	// A tchar past b is one too many: for the method's bound or for
	// MaxRequestLine, whichever comes first. No overflow: s.start is at
	// most len(buf), bound at most maxMethod.
	b := buf[:min(len(buf), s.start+bound, lim.MaxRequestLine)]
	i := s.pos
	for i < len(b) && charClass[b[i]]&cToken != 0 {
		i++
	}
	s.pos = i
	if i == len(buf) {
		return ErrNeedMore
	}
	switch c := buf[i]; {
	case charClass[c]&cToken != 0: // past b
		if i-s.start >= bound {
			return fmt.Errorf("parse request line: method longer than %d bytes: %w", bound, ErrMethodNotImplemented)
		}
		return fmt.Errorf("parse request line: more than %d bytes: %w", lim.MaxRequestLine, ErrRequestLineTooLong)
	case c == ' ' && i > s.start:
		if i >= lim.MaxRequestLine {
			return fmt.Errorf("parse request line: more than %d bytes: %w", lim.MaxRequestLine, ErrRequestLineTooLong)
		}
		s.method = i - s.start
		s.pos = i + 1
		s.phase = phaseRequestLine
		return nil
	case i == s.start:
		return fmt.Errorf("parse request line: starts with byte %#02x, not a method: %w", c, ErrMalformed)
	}
	return fmt.Errorf("parse request line: byte %#02x in method: %w", buf[i], ErrMalformed)
}

// scanLine looks for the end of the request line after the method and
// returns where the line ends (its CR excluded) and where the next line
// starts. Until the line ends, the bytes that have arrived are searched
// for control characters, which are refused at once: no part of a target
// or version may hold one (RFC 9112 §3.2, §2.3), and a CR must be followed
// by LF (RFC 9112 §2.2). A whole line is left to parseRequestLine, which
// gives a control character in it the same error.
//
// Only the bytes the line may occupy are looked at: content below offset
// MaxRequestLine (leading empty lines included), then its terminator.
func (s *scanState) scanLine(buf []byte, lim *Limits) (end, next int, err error) {
	window := buf
	if len(buf) > lim.MaxRequestLine {
		window = buf[:lim.MaxRequestLine+1] // cannot overflow: less than len(buf)
	}
	if lf := bytes.IndexByte(window[s.pos:], '\n'); lf >= 0 {
		lf += s.pos
		if buf[lf-1] == '\r' { // lf-1 is at least the method's SP
			return lf - 1, lf + 1, nil
		}
		return lf, lf + 1, nil
	}
	i := s.pos + ctlLen(window[s.pos:])
	switch {
	case i == len(window):
		if i > lim.MaxRequestLine { // content at offset MaxRequestLine
			return 0, 0, fmt.Errorf("parse request line: more than %d bytes: %w", lim.MaxRequestLine, ErrRequestLineTooLong)
		}
		s.pos = i
		return 0, 0, ErrNeedMore
	case window[i] != '\r':
		return 0, 0, ctlError(window[i])
	case i+1 == len(buf):
		s.pos = i // look at the CR again with the byte after it
		return 0, 0, ErrNeedMore
	case buf[i+1] == '\n': // a CRLF across the window's end
		return i, i + 2, nil
	}
	return 0, 0, ctlError('\r')
}

// ctlError is the error for a control character in the request line after
// the method.
func ctlError(c byte) error {
	if c == '\r' {
		return fmt.Errorf("parse request line: CR without LF: %w", ErrMalformed)
	}
	return fmt.Errorf("parse request line: control byte %#02x: %w", c, ErrMalformed)
}
