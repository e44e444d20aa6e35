package content

import (
	"math/rand/v2"
	"slices"
	"strconv"

	"pipehttp/parser"
	"pipehttp/response"
)

// Range limits (RFC 9110 §14.2 lets a server ignore or coalesce ranges
// that look like abuse: many small or overlapping ones).
const (
	// maxRangeSpecs is the most range-specs a Range field may list; past it
	// the field is ignored and the whole file sent.
	maxRangeSpecs = 100
	// maxParts is the most parts a multipart/byteranges answer has after
	// coalescing; past it the field is ignored and the whole file sent.
	maxParts = 16
	// coalesceGap merges ranges separated by fewer bytes than a part's
	// header costs, and overlapping ones.
	coalesceGap = 80
)

// byteRange is a satisfiable range: length bytes from start.
type byteRange struct {
	start, length int64
}

// rangeOutcome is what a Range field asks of a file of a given size.
type rangeOutcome uint8

const (
	rangeIgnore        rangeOutcome = iota // send the whole file: 200
	rangeSatisfiable                       // send the ranges: 206
	rangeUnsatisfiable                     // 416
)

// parseRange parses a Range field value (RFC 9110 §14.1.2) against a file
// of size bytes. The unit is "bytes" (case-insensitive); any other unit,
// and any syntax error, means the field is ignored (§14.2). Ranges are
// clipped to the file, sorted and coalesced (§14.6 allows it: every part
// names its own range). When none is satisfiable the answer is 416. A
// zero-length file has no range to send: a suffix range, the only kind
// RFC 9110 calls satisfiable there, gets the whole (empty) file.
func parseRange(v []byte, size int64) ([]byteRange, rangeOutcome) {
	v = parser.TrimOWS(v)
	if len(v) < 6 || !parser.LowerEqual(v[:6], "bytes=") {
		return nil, rangeIgnore
	}
	var ranges []byteRange
	specs, satisfiable := 0, false
	list := v[6:]
	for len(list) > 0 {
		var spec []byte
		spec, list = parser.CutListElement(list)
		spec = parser.TrimOWS(spec)
		if len(spec) == 0 {
			continue
		}
		if specs++; specs > maxRangeSpecs {
			return nil, rangeIgnore
		}
		first, last, ok := cutDash(spec)
		if !ok {
			return nil, rangeIgnore
		}
		if len(first) == 0 { // suffix-range: the last n bytes
			n, ok := parseDigits(last)
			if !ok {
				return nil, rangeIgnore
			}
			if n > 0 {
				satisfiable = true
				if size > 0 {
					n = min(n, size)
					ranges = append(ranges, byteRange{size - n, n})
				}
			}
			continue
		}
		start, ok := parseDigits(first)
		if !ok {
			return nil, rangeIgnore
		}
		end := int64(-1)
		if len(last) > 0 {
			if end, ok = parseDigits(last); !ok || end < start {
				return nil, rangeIgnore
			}
		}
		if start >= size {
			continue
		}
		satisfiable = true
		if end < 0 || end >= size {
			end = size - 1
		}
		ranges = append(ranges, byteRange{start, end - start + 1})
	}
	switch {
	case specs == 0:
		return nil, rangeIgnore
	case !satisfiable:
		return nil, rangeUnsatisfiable
	case len(ranges) == 0: // suffix ranges of an empty file
		return nil, rangeIgnore
	}
	ranges = coalesce(ranges)
	if len(ranges) > maxParts {
		return nil, rangeIgnore
	}
	return ranges, rangeSatisfiable
}

// coalesce sorts ranges and merges those that overlap or are closer than
// coalesceGap.
func coalesce(rs []byteRange) []byteRange {
	slices.SortFunc(rs, func(a, b byteRange) int {
		switch {
		case a.start < b.start:
			return -1
		case a.start > b.start:
			return 1
		}
		return 0
	})
	out := rs[:1]
	for _, r := range rs[1:] {
		last := &out[len(out)-1]
		if end := last.start + last.length; r.start <= end+coalesceGap {
			last.length = max(end, r.start+r.length) - last.start
			continue
		}
		out = append(out, r)
	}
	return out
}

func cutDash(b []byte) (first, last []byte, ok bool) {
	for i, c := range b {
		if c == '-' {
			return b[:i], b[i+1:], true
		}
	}
	return nil, nil, false
}

// parseDigits parses 1*DIGIT. A value too large for int64 saturates: it
// can only be past the end of any file.
func parseDigits(b []byte) (int64, bool) {
	if len(b) == 0 {
		return 0, false
	}
	var n int64
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		if n > (1<<62)/10 {
			n = 1 << 62
			continue
		}
		n = n*10 + int64(c-'0')
	}
	return n, true
}

// contentRange formats "bytes first-last/size".
func contentRange(r byteRange, size int64) string {
	b := make([]byte, 0, 48)
	b = appendContentRange(b, r, size)
	return string(b)
}

func appendContentRange(b []byte, r byteRange, size int64) []byte {
	b = append(b, "bytes "...)
	b = strconv.AppendInt(b, r.start, 10)
	b = append(b, '-')
	b = strconv.AppendInt(b, r.start+r.length-1, 10)
	b = append(b, '/')
	return strconv.AppendInt(b, size, 10)
}

// setMultipart makes resp's body a multipart/byteranges of the ranges
// (RFC 9110 §14.6): the part heads are bytes in resp.Body, the part bodies
// ranges of resp.File, sent with sendfile, or, when resp.File is nil,
// slices of data, the representation in memory.
func setMultipart(resp *response.Response, ranges []byteRange, ctype string, size int64, data []byte) {
	var bnd [32]byte
	const hex = "0123456789abcdef"
	for i, x := 0, rand.Uint64(); i < 16; i, x = i+1, x>>4 {
		bnd[i] = hex[x&15]
	}
	for i, x := 16, rand.Uint64(); i < 32; i, x = i+1, x>>4 {
		bnd[i] = hex[x&15]
	}
	boundary := string(bnd[:])
	resp.ContentType = "multipart/byteranges; boundary=" + boundary

	// Heads first, all into resp.Body, then the parts point into it: the
	// appends may move Body, so no slice is taken until it is complete.
	body := resp.Body[:0]
	ends := make([]int, 0, len(ranges)+1)
	for i, r := range ranges {
		if i > 0 {
			body = append(body, "\r\n"...)
		}
		body = append(body, "--"...)
		body = append(body, boundary...)
		body = append(body, "\r\nContent-Type: "...)
		body = append(body, ctype...)
		body = append(body, "\r\nContent-Range: "...)
		body = appendContentRange(body, r, size)
		body = append(body, "\r\n\r\n"...)
		ends = append(ends, len(body))
	}
	body = append(body, "\r\n--"...)
	body = append(body, boundary...)
	body = append(body, "--\r\n"...)
	ends = append(ends, len(body))
	resp.Body = body

	parts := resp.Parts[:0]
	from := 0
	for i, r := range ranges {
		part := response.Part{Offset: r.start, Size: r.length}
		if resp.File == nil { // in memory: the part is a slice of the shared copy
			part = response.Part{Data: data[r.start : r.start+r.length : r.start+r.length]}
		}
		parts = append(parts, response.Part{Data: body[from:ends[i]:ends[i]]}, part)
		from = ends[i]
	}
	resp.Parts = append(parts, response.Part{Data: body[from:ends[len(ranges)]:ends[len(ranges)]]})
}
