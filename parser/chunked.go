package parser

import (
	"bytes"
	"fmt"
)

// States of the chunked decoder (RFC 9112 §7.1).
const (
	chunkSize    = iota // expecting a chunk-size line
	chunkData           // inside chunk data
	chunkDataEnd        // expecting the CRLF after chunk data
	chunkTrailer        // expecting a trailer field line or the final CRLF
	chunkDone           // the body has been consumed
)

// decodeChunked runs the chunked state machine over src. It consumes
// framing only in whole lines, so a partial line is left in src for the
// next call; scanned remembers how much of it was already searched.
//
// Framing is held to CRLF: a bare LF after a chunk-size, after chunk data
// or in the trailer section is an error, because parsers that disagree on
// it disagree on where a body ends (a known smuggling vector).
func (b *BodyReader) decodeChunked(src []byte) (data []byte, consumed int, done bool, err error) {
	i := 0
	for {
		switch b.state {
		case chunkSize:
			line, next, err := b.line(src, i, maxChunkLine+2, ErrBadChunk)
			if err != nil || next < 0 {
				return nil, i, false, err
			}
			size, err := parseChunkLine(line)
			if err != nil {
				return nil, 0, false, err
			}
			i = next
			if size == 0 {
				b.state = chunkTrailer
				continue
			}
			if size > b.limits.MaxBody-b.total {
				return nil, 0, false, fmt.Errorf("read chunked body: more than %d bytes: %w", b.limits.MaxBody, ErrBodyTooLarge)
			}
			b.remaining, b.state = size, chunkData
		case chunkData:
			n := b.remaining
			if avail := int64(len(src) - i); avail < n {
				n = avail
			}
			if n == 0 {
				return nil, i, false, nil
			}
			end := i + int(n)
			b.remaining -= n
			b.total += n
			if b.remaining == 0 {
				b.state = chunkDataEnd
			}
			return src[i:end:end], end, false, nil
		case chunkDataEnd:
			switch {
			case len(src)-i >= 2 && src[i] == '\r' && src[i+1] == '\n':
				i += 2
				b.state = chunkSize
			case len(src)-i >= 2 || len(src)-i == 1 && src[i] != '\r':
				return nil, 0, false, fmt.Errorf("read chunked body: no CRLF after chunk data: %w", ErrBadChunk)
			default:
				return nil, i, false, nil
			}
		case chunkTrailer:
			// b.trailer never exceeds MaxHeaderBytes (each line is held to
			// what is left), so the difference cannot overflow.
			line, next, err := b.line(src, i, b.limits.MaxHeaderBytes-b.trailer, ErrHeaderTooLarge)
			if err != nil || next < 0 {
				return nil, i, false, err
			}
			if len(line) == 0 {
				b.state = chunkDone
				return nil, next, true, nil
			}
			b.trailers++
			if b.trailers > b.limits.MaxHeaders {
				return nil, 0, false, fmt.Errorf("read chunked body: more than %d trailer fields: %w", b.limits.MaxHeaders, ErrTooManyHeaders)
			}
			// Same rules as header fields; the line and its CRLF are whole.
			if _, _, _, err := parseField(src[i:next]); err != nil {
				return nil, 0, false, fmt.Errorf("read chunked body: trailer: %w: %w", ErrBadChunk, err)
			}
			b.trailer += next - i
			i = next
		default:
			return nil, i, true, nil
		}
	}
}

// line returns the CRLF-terminated line starting at src[i], without its
// CRLF, and the index after it; next is -1 when src ends first. A line
// whose length with CRLF would exceed max fails with tooLong, as soon as
// that is certain.
func (b *BodyReader) line(src []byte, i, max int, tooLong error) (line []byte, next int, err error) {
	from := i
	if i == 0 && b.scanned <= len(src) {
		from = b.scanned
	}
	lf := bytes.IndexByte(src[from:], '\n')
	if lf < 0 {
		// The line needs at least an LF more.
		if len(src)-i+1 > max {
			return nil, -1, fmt.Errorf("read chunked body: line too long: %w", tooLong)
		}
		b.scanned = len(src) - i
		return nil, -1, nil
	}
	lf += from
	b.scanned = 0
	if lf+1-i > max {
		return nil, -1, fmt.Errorf("read chunked body: line too long: %w", tooLong)
	}
	if lf == i || src[lf-1] != '\r' {
		return nil, -1, fmt.Errorf("read chunked body: bare LF: %w", ErrBadChunk)
	}
	return src[i : lf-1], lf + 1, nil
}

// parseChunkLine parses chunk-size [ chunk-ext ] (RFC 9112 §7.1.1) and
// returns the size. Extensions are checked and ignored.
//
// The size is 1*HEXDIG, leading zeros allowed, at most 16 digits and
// within int64. Extensions are `;name` or `;name=value`, the value a token
// or a quoted-string. The grammar's BWS (around ';' and '=') is refused, as
// is any whitespace after the size: a sender must not generate it, and
// parsers have split bodies differently over it.
func parseChunkLine(line []byte) (int64, error) {
	var size int64
	i := 0
	for ; i < len(line) && charClass[line[i]]&cHex != 0; i++ {
		if i == 16 || size > (1<<63-1)>>4 {
			return 0, fmt.Errorf("read chunked body: chunk-size overflows: %w", ErrBadChunk)
		}
		size = size<<4 | int64(unhex(line[i]))
	}
	if i == 0 {
		return 0, fmt.Errorf("read chunked body: missing chunk-size: %w", ErrBadChunk)
	}
	for ext := line[i:]; len(ext) > 0; {
		if ext[0] != ';' {
			return 0, fmt.Errorf("read chunked body: byte %#02x after chunk-size: %w", ext[0], ErrBadChunk)
		}
		n := tokenLen(ext[1:])
		if n == 0 {
			return 0, fmt.Errorf("read chunked body: bad chunk extension name: %w", ErrBadChunk)
		}
		ext = ext[1+n:]
		if len(ext) == 0 || ext[0] != '=' {
			continue
		}
		ext = ext[1:]
		if len(ext) > 0 && ext[0] == '"' {
			n = quotedLen(ext)
		} else {
			n = tokenLen(ext)
		}
		if n == 0 {
			return 0, fmt.Errorf("read chunked body: bad chunk extension value: %w", ErrBadChunk)
		}
		ext = ext[n:]
	}
	return size, nil
}

// quotedLen returns the length of the quoted-string (RFC 9110 §5.6.4) at
// the start of b, or 0 if there is none.
func quotedLen(b []byte) int {
	for i := 1; i < len(b); i++ {
		switch c := b[i]; {
		case c == '"':
			return i + 1
		case c == '\\':
			i++
			if i == len(b) || charClass[b[i]]&cValue == 0 {
				return 0
			}
		case charClass[c]&cValue == 0:
			return 0
		}
	}
	return 0
}

func unhex(c byte) byte {
	switch {
	case c <= '9':
		return c - '0'
	case c >= 'a':
		return c - 'a' + 10
	}
	return c - 'A' + 10
}
