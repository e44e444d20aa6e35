package parser

import "fmt"

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
	for ; s.pos < len(buf); s.pos++ {
		c := buf[s.pos]
		switch {
		case charClass[c]&cToken != 0:
			if s.pos-s.start >= bound {
				return fmt.Errorf("parse request line: method longer than %d bytes: %w", bound, ErrMethodNotImplemented)
			}
		case c == ' ' && s.pos > s.start:
			if s.pos >= lim.MaxRequestLine {
				return fmt.Errorf("parse request line: more than %d bytes: %w", lim.MaxRequestLine, ErrRequestLineTooLong)
			}
			s.pos++
			s.phase = phaseRequestLine
			return nil
		case s.pos == s.start:
			return fmt.Errorf("parse request line: starts with byte %#02x, not a method: %w", c, ErrMalformed)
		default:
			return fmt.Errorf("parse request line: byte %#02x in method: %w", c, ErrMalformed)
		}
		if s.pos >= lim.MaxRequestLine {
			return fmt.Errorf("parse request line: more than %d bytes: %w", lim.MaxRequestLine, ErrRequestLineTooLong)
		}
	}
	return ErrNeedMore
}

// scanLine looks for the end of the request line after the method and
// returns where the line ends (its CR excluded) and where the next line
// starts. Control characters are refused as they arrive: no part of a
// target or version may hold one (RFC 9112 §3.2, §2.3), and a CR must be
// followed by LF (RFC 9112 §2.2). Other bytes are judged by
// parseRequestLine once the line is whole.
//
// Only the bytes the line may occupy are looked at: content up to offset
// MaxRequestLine (leading empty lines included), then its terminator.
func (s *scanState) scanLine(buf []byte, lim *Limits) (end, next int, err error) {
	window := buf
	if len(buf) > lim.MaxRequestLine {
		window = buf[:lim.MaxRequestLine+1] // cannot overflow: less than len(buf)
	}
	i := s.pos + ctlLen(window[s.pos:])
	if i == len(window) {
		if i > lim.MaxRequestLine { // content at offset MaxRequestLine
			return 0, 0, fmt.Errorf("parse request line: more than %d bytes: %w", lim.MaxRequestLine, ErrRequestLineTooLong)
		}
		s.pos = i
		return 0, 0, ErrNeedMore
	}
	switch window[i] {
	case '\n':
		return i, i + 1, nil
	case '\r':
		switch {
		case i+1 == len(buf):
			s.pos = i // look at the CR again with the byte after it
			return 0, 0, ErrNeedMore
		case buf[i+1] == '\n':
			return i, i + 2, nil
		}
		return 0, 0, fmt.Errorf("parse request line: CR without LF: %w", ErrMalformed)
	}
	return 0, 0, fmt.Errorf("parse request line: control byte %#02x: %w", window[i], ErrMalformed)
}
