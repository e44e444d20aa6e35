package parser

import "fmt"

// BodyReader decodes the body framing of one request: Content-Length or
// chunked (RFC 9112 §7.1) with chunk extensions and a trailer section.
//
// It is fed the bytes received after the head and hands back body bytes
// without copying them, so the caller decides whether to buffer a small
// body or stream a large one. Chunk extensions and trailer fields are
// checked and discarded. The zero value describes a request without a
// body; call Reset before each request's body.
type BodyReader struct {
	mode      uint8
	state     uint8
	remaining int64 // Content-Length: body bytes left; chunked: bytes left in this chunk
	total     int64 // chunked: body bytes decoded so far
	limits    Limits
	scanned   int // bytes at the start of the next src known to hold no LF
	trailer   int // bytes of trailer section consumed so far
	trailers  int // trailer field lines so far
	err       error
}

const (
	modeNone = iota
	modeLength
	modeChunked
)

// Reset prepares b for req's body. From limits (defaults filled in),
// MaxBody bounds the decoded body, MaxHeaderBytes and MaxHeaders bound the
// trailer section; a chunk-size line, extensions included, may hold at most
// 4 KiB.
func (b *BodyReader) Reset(req *Request, limits Limits) {
	*b = BodyReader{limits: limits.WithDefaults()}
	switch {
	case req.Chunked:
		b.mode = modeChunked
	case req.ContentLength > 0:
		b.mode, b.remaining = modeLength, req.ContentLength
		if req.ContentLength > b.limits.MaxBody {
			b.err = fmt.Errorf("read body: Content-Length %d over %d: %w", req.ContentLength, b.limits.MaxBody, ErrBodyTooLarge)
		}
	}
}

// Decode consumes framing and data from src, the bytes received after the
// head or after what previous calls consumed. It returns the next run of
// body bytes (data aliases src), how many bytes of src it consumed, and
// done once the body — for chunked, including the last-chunk and trailer
// section — has been fully consumed; bytes after it (a pipelined request)
// are left alone. When src holds too little to make progress it returns
// (nil, 0, false, nil): call again when more bytes have arrived, passing src
// from the first unconsumed byte.
//
// Errors wrap ErrBadChunk (bad chunk-size, size overflow, missing CRLF after
// a chunk, bad extension or trailer line), ErrBodyTooLarge, or, for the
// trailer section, ErrHeaderTooLarge and ErrTooManyHeaders. Once Decode has
// failed, it keeps returning the same error.
func (b *BodyReader) Decode(src []byte) (data []byte, consumed int, done bool, err error) {
	if b.err != nil {
		return nil, 0, false, b.err
	}
	switch b.mode {
	case modeLength:
		if b.remaining == 0 {
			return nil, 0, true, nil
		}
		n := b.remaining
		if int64(len(src)) < n {
			n = int64(len(src))
		}
		if n == 0 {
			return nil, 0, false, nil
		}
		b.remaining -= n
		return src[:n:n], int(n), b.remaining == 0, nil
	case modeChunked:
		data, consumed, done, err = b.decodeChunked(src)
		if err != nil {
			b.err = err
			return nil, 0, false, err
		}
		return data, consumed, done, nil
	}
	return nil, 0, true, nil
}

// Remaining is the number of body bytes still expected for a
// Content-Length body: 0 for a request without a body or once it is all
// consumed, -1 for a chunked body.
func (b *BodyReader) Remaining() int64 {
	if b.mode == modeChunked {
		return -1
	}
	return b.remaining
}
