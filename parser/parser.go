package parser

import "fmt"

// Parser finds and parses request heads in a connection's buffered bytes.
//
// It keeps the scanning state of one head between calls, so a head that
// arrives in pieces is scanned once, not once per piece. The zero value is
// ready to use with the default limits. A Parser is not safe for concurrent
// use; one per connection is the intended shape.
type Parser struct {
	// Limits bound request heads; zero fields take their defaults. Set
	// them between heads: a change in the middle of one makes the next
	// ParseHead scan that head again from its start.
	Limits Limits

	scan       scanState
	scanLimits Limits // the limits scan was made with
}

// scanState records how far the head being received has been scanned. All
// positions are offsets into buf, which may move between calls: only its
// content is stable.
type scanState struct {
	phase     uint8
	pos       int // next byte to scan
	start     int // first byte of the request line (after empty lines)
	method    int // length of the method, once its SP has been seen
	lineEnd   int // end of the request line, CR excluded
	fields    int // first byte after the request line's terminator
	line      int // first byte of the field line being scanned
	numFields int // complete field lines so far
	framing   framing
}

const (
	phaseLeading     = iota // skipping empty lines before the request line
	phaseMethod             // checking the method up to its SP
	phaseRequestLine        // looking for the end of the request line
	phaseFields             // looking for the empty line ending the head
)

// Reset forgets a partly scanned head, so the next ParseHead starts at the
// beginning of its buffer. ParseHead resets the state itself whenever it
// returns a head or an error; Reset is needed only to abandon a head that
// is still incomplete (say, when the connection is dropped and the Parser
// reused).
func (p *Parser) Reset() {
	p.scan = scanState{}
}

// ParseHead parses the request head at the start of buf: the request line,
// the field lines and the empty line ending them (RFC 9112 §2.1).
//
// When buf holds a whole head, ParseHead fills *req (resetting it first)
// and returns the number of bytes the head occupies, empty lines before the
// request line included; the body, if any, starts at buf[n]. req's slices
// alias buf. When buf ends first it returns 0 and ErrNeedMore: call again
// with a buffer holding the same bytes followed by more (it may be a
// different, larger array). Limits are enforced as bytes arrive, so an
// oversized head fails without waiting for its end. So are the method's
// characters and the absence of control characters in the request line,
// so that another protocol's bytes (a TLS ClientHello, say) are refused
// at once rather than held until a timeout. Any other error wraps one of
// the protocol errors of this package; Status maps it to a response
// status, and the connection should be closed after answering, since the
// rest of its bytes cannot be framed. *req is unspecified after an error.
//
// Line endings: CRLF, or a bare LF (RFC 9112 §2.2 allows recognizing it,
// as nginx and Go do). A CR not followed by LF is an error anywhere.
//
// ParseHead does not allocate when req.Fields has room for every field.
func (p *Parser) ParseHead(buf []byte, req *Request) (n int, err error) {
	lim := p.Limits.WithDefaults()
	s := &p.scan
	if s.pos > len(buf) || p.scanLimits != lim {
		// The caller broke the contract (a shorter buffer, or limits
		// changed mid-head): start over rather than index out of range.
		*s = scanState{}
		p.scanLimits = lim
	}
	req.Reset()
	n, err = p.scanHead(buf, req, &lim)
	if err == nil {
		p.scan = scanState{}
		return n, nil
	}
	if err != ErrNeedMore {
		p.scan = scanState{}
	}
	return 0, err
}

// scanHead advances the scan over buf. Each line is checked as soon as it
// is complete, and the request line also byte by byte as it arrives, so
// the first violation in byte order is the one reported, however the head
// was split across calls.
func (p *Parser) scanHead(buf []byte, req *Request, lim *Limits) (int, error) {
	s := &p.scan
	parsedLine := false
	// Field lines go into req as they are parsed only if none was
	// completed by an earlier call (whose buffer may be gone).
	fresh := s.numFields == 0
	if s.phase == phaseLeading {
		for s.pos < len(buf) {
			switch buf[s.pos] {
			case '\n':
				s.pos++
			case '\r':
				if s.pos+1 == len(buf) {
					return 0, ErrNeedMore
				}
				if buf[s.pos+1] != '\n' {
					return 0, fmt.Errorf("parse request line: CR without LF: %w", ErrMalformed)
				}
				s.pos += 2
			default:
				s.start, s.phase = s.pos, phaseMethod
			}
			if s.phase != phaseLeading {
				break
			}
			if s.pos > lim.MaxRequestLine {
				return 0, fmt.Errorf("parse request line: %d bytes of empty lines: %w", s.pos, ErrRequestLineTooLong)
			}
		}
		if s.phase == phaseLeading {
			return 0, ErrNeedMore
		}
	}
	if s.phase == phaseMethod {
		if err := s.scanMethod(buf, lim); err != nil {
			return 0, err
		}
	}
	if s.phase == phaseRequestLine {
		end, next, err := s.scanLine(buf, lim)
		if err != nil {
			return 0, err
		}
		if err := parseRequestLine(buf[s.start:end], s.method, req); err != nil {
			return 0, err
		}
		parsedLine = true
		s.lineEnd = end
		s.fields, s.line, s.pos = next, next, next
		s.phase = phaseFields
	}
	return p.scanFields(buf, req, lim, fresh, parsedLine)
}
