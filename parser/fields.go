package parser

import (
	"bytes"
	"encoding/binary"
	"fmt"
)

// scanFields continues the scan through the field lines to the empty line
// ending the head. Each complete line is parsed and its meaning noted at
// once; with fresh, it is also appended to req.Fields, otherwise the lines
// are collected again from the final buffer once the head is complete.
//
// MaxHeaderBytes is applied by parsing only the bytes below the limit: a
// line that has not ended there fails with ErrHeaderTooLarge whatever
// follows.
func (p *Parser) scanFields(buf []byte, req *Request, lim *Limits, fresh, parsedLine bool) (int, error) {
	s := &p.scan
	// The head's final LF must come within MaxHeaderBytes of s.fields.
	// Compared as lengths, not as s.fields+MaxHeaderBytes, which may
	// overflow with an unvalidated limit.
	full := len(buf)-s.fields >= lim.MaxHeaderBytes
	window := buf
	if full {
		window = buf[:s.fields+lim.MaxHeaderBytes]
	}
	for {
		var name, value []byte
		next, err := -1, error(nil)
		if s.pos == s.line {
			name, value, next, err = parseField(window[s.line:])
		} else if i := bytes.IndexByte(window[s.pos:], '\n'); i >= 0 {
			// The line began in an earlier call: find its end without
			// looking at it again, then parse it whole.
			name, value, next, err = parseField(window[s.line : s.pos+i+1])
		}
		if err != nil {
			return 0, err
		}
		if next < 0 {
			if full {
				return 0, fmt.Errorf("parse header: more than %d bytes: %w", lim.MaxHeaderBytes, ErrHeaderTooLarge)
			}
			s.pos = len(buf)
			return 0, ErrNeedMore
		}
		end := s.line + next
		if name == nil {
			return p.finishHead(buf, end, req, lim, fresh, parsedLine)
		}
		s.numFields++
		if s.numFields > lim.MaxHeaders {
			return 0, fmt.Errorf("parse header: more than %d fields: %w", lim.MaxHeaders, ErrTooManyHeaders)
		}
		if err := s.framing.observe(name, value); err != nil {
			return 0, err
		}
		if fresh {
			req.Fields = append(req.Fields, Field{Name: name, Value: value})
			pick(name, value, req)
		}
		s.line, s.pos = end, end
	}
}

// finishHead completes req once the head, ending at headEnd, is whole.
func (p *Parser) finishHead(buf []byte, headEnd int, req *Request, lim *Limits, fresh, parsedLine bool) (int, error) {
	s := &p.scan
	if !parsedLine {
		if err := parseRequestLine(buf[s.start:s.lineEnd], s.method, req); err != nil {
			return 0, err
		}
	}
	if !fresh {
		// These lines all parsed before; collect them from this buffer.
		for rest := buf[s.fields:headEnd]; ; {
			name, value, next, _ := parseField(rest)
			if name == nil {
				break
			}
			req.Fields = append(req.Fields, Field{Name: name, Value: value})
			pick(name, value, req)
			rest = rest[next:]
		}
	}
	if err := s.framing.settle(req, lim); err != nil {
		return 0, err
	}
	return headEnd, nil
}

// pick copies the fields Request keeps at hand. A Host from the target
// (absolute- or authority-form) wins over the field.
func pick(name, value []byte, req *Request) {
	switch len(name) {
	case 4:
		if req.Host == nil && lowerEqual(name, "host") {
			req.Host = value
		}
	case 10:
		if req.UserAgent == nil && lowerEqual(name, "user-agent") {
			req.UserAgent = value
		}
	}
}

// parseField parses the field line at the start of b (RFC 9112 §5),
// through its line terminator, CRLF or bare LF. It returns the name, the
// value with OWS trimmed, and the offset of the next line; name is nil if
// the line is the empty line ending the section, and next is -1 if b ends
// before the line does.
//
// Rejected, as RFC 9112 allows or requires: a line starting with SP or HTAB
// (obs-fold, §5.2, or whitespace before the first field, §2.2); whitespace
// between name and colon (§5.1, a classic smuggling vector); an empty or
// non-token name; a CR not followed by LF; any other CTL than HTAB in the
// value, NUL included (RFC 9110 §5.5).
//
// A line is judged only once it is complete: an error in an unfinished
// line is reported as next == -1, so the same bytes get the same verdict
// however they were split across ParseHead calls.
func parseField(b []byte) (name, value []byte, next int, err error) {
	name, value, next, err = splitField(b)
	if err != nil && bytes.IndexByte(b, '\n') < 0 {
		return nil, nil, -1, nil
	}
	return name, value, next, err
}

func splitField(b []byte) (name, value []byte, next int, err error) {
	if len(b) == 0 {
		return nil, nil, -1, nil
	}
	switch b[0] {
	case '\n':
		return nil, nil, 1, nil
	case '\r':
		if len(b) == 1 {
			return nil, nil, -1, nil
		}
		if b[1] == '\n' {
			return nil, nil, 2, nil
		}
		return nil, nil, 0, fmt.Errorf("parse header: CR without LF: %w", ErrMalformed)
	case ' ', '\t':
		return nil, nil, 0, fmt.Errorf("parse header: line folding or leading whitespace: %w", ErrMalformed)
	}
	n := tokenLen(b)
	switch {
	case n == len(b):
		return nil, nil, -1, nil
	case b[n] != ':':
		switch b[n] {
		case ' ', '\t':
			return nil, nil, 0, fmt.Errorf("parse header: whitespace before colon: %w", ErrMalformed)
		case '\r', '\n':
			return nil, nil, 0, fmt.Errorf("parse header: no colon in field line: %w", ErrMalformed)
		}
		return nil, nil, 0, fmt.Errorf("parse header: byte %#02x in field name: %w", b[n], ErrMalformed)
	case n == 0:
		return nil, nil, 0, fmt.Errorf("parse header: empty field name: %w", ErrMalformed)
	}
	v := n + 1
	for v < len(b) && isOWS(b[v]) {
		v++
	}
	end := v + valueLen(b[v:])
	if end == len(b) {
		return nil, nil, -1, nil
	}
	switch b[end] {
	case '\n':
		next = end + 1
	case '\r':
		if end+1 == len(b) {
			return nil, nil, -1, nil
		}
		if b[end+1] != '\n' {
			return nil, nil, 0, fmt.Errorf("parse header: CR without LF in value of %s: %w", b[:n], ErrMalformed)
		}
		next = end + 2
	default:
		return nil, nil, 0, fmt.Errorf("parse header: byte %#02x in value of %s: %w", b[end], b[:n], ErrMalformed)
	}
	value = b[v:end]
	for len(value) > 0 && isOWS(value[len(value)-1]) {
		value = value[:len(value)-1]
	}
	return b[:n], value, next, nil
}

// valueLen returns the length of the run of field-value bytes (VCHAR,
// obs-text, SP, HTAB) at the start of b. Like ctlLen, it tests eight
// bytes at a time, looking closer only at a word that may hold a CTL.
func valueLen(b []byte) int {
	i := 0
	for i+8 <= len(b) {
		if !hasCTL(binary.LittleEndian.Uint64(b[i:])) {
			i += 8
			continue
		}
		for end := i + 8; i < end; i++ {
			if charClass[b[i]]&cValue == 0 {
				return i
			}
		}
	}
	for ; i < len(b); i++ {
		if charClass[b[i]]&cValue == 0 {
			return i
		}
	}
	return len(b)
}
