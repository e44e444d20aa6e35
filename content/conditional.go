package content

import (
	"io/fs"
	"strconv"
	"time"

	"pipehttp/parser"
)

// httpDate is the IMF-fixdate layout (RFC 9110 §5.6.7).
const httpDate = "Mon, 02 Jan 2006 15:04:05 GMT"

// Validators are what conditional requests compare against, for one
// representation (identity or gzip) of one file.
type Validators struct {
	// etag is a strong entity-tag, quotes included: the file's modification
	// time in nanoseconds and its size, in hex, plus a suffix naming the
	// content coding. Like nginx's, it changes whenever the file is
	// replaced or rewritten with a new size or time; two writes of the same
	// size within one tick of the filesystem's clock would share it.
	etag string
	// modTime is Last-Modified: whole seconds, never later than now.
	modTime time.Time
	// lastModified is modTime formatted, once: a cached representation is
	// answered many times.
	lastModified string
	// strongDate says modTime is a strong validator, which If-Range needs:
	// it is at least a second before now (RFC 9110 §8.8.2.2).
	strongDate bool
}

// NewValidators returns the validators of the representation of fi whose
// content coding is coding ("" for identity; the tag names it, so each
// coding has its own). now caps Last-Modified and decides whether it is a
// strong validator.
func NewValidators(fi fs.FileInfo, coding string, now time.Time) Validators {
	mt := fi.ModTime()
	b := make([]byte, 0, 40)
	b = append(b, '"')
	b = strconv.AppendInt(b, mt.UnixNano(), 16)
	b = append(b, '-')
	b = strconv.AppendInt(b, fi.Size(), 16)
	if coding != "" {
		b = append(b, '-')
		b = append(b, coding...)
	}
	b = append(b, '"')
	lm := mt.Truncate(time.Second)
	if lm.After(now) {
		lm = now.Truncate(time.Second)
	}
	return Validators{etag: string(b), modTime: lm, lastModified: lm.UTC().Format(httpDate), strongDate: now.Sub(mt) >= time.Second}
}

// ETag is the strong entity-tag, quotes included.
func (v Validators) ETag() string { return v.etag }

// LastModified is the Last-Modified value, an IMF-fixdate.
func (v Validators) LastModified() string { return v.lastModified }

// precondition evaluates the preconditions of a GET or HEAD in the order
// of RFC 9110 §13.2.2 and returns 304 or 412 when one decides the answer,
// 0 when the request goes on (to the Range step).
//
//  1. If-Match: 412 unless "*" or a strong match (§13.1.1).
//  2. Otherwise If-Unmodified-Since: 412 if modified since (§13.1.4).
//  3. If-None-Match: 304 if "*" or a weak match (§13.1.2).
//  4. Otherwise If-Modified-Since: 304 unless modified since (§13.1.3).
//
// Invalid dates, and date fields sent more than once, are ignored.
func precondition(req *parser.Request, v Validators) int {
	if fields := req.Values("if-match"); len(fields) > 0 {
		if !matchAny(fields, v.etag, true) {
			return 412
		}
	} else if t, ok := dateField(req, "if-unmodified-since"); ok && v.modTime.After(t) {
		return 412
	}
	if fields := req.Values("if-none-match"); len(fields) > 0 {
		if matchAny(fields, v.etag, false) {
			return 304
		}
	} else if t, ok := dateField(req, "if-modified-since"); ok && !v.modTime.After(t) {
		return 304
	}
	return 0
}

// ifRange reports whether a Range may be honoured (RFC 9110 §13.1.5): no
// If-Range, or one holding a strong match of the entity-tag, or exactly the
// Last-Modified date when that is a strong validator.
func ifRange(req *parser.Request, v Validators) bool {
	fields := req.Values("if-range")
	switch {
	case len(fields) == 0:
		return true
	case len(fields) > 1:
		return false
	}
	val := parser.TrimOWS(fields[0])
	if len(val) > 0 && (val[0] == '"' || val[0] == 'W') {
		tag, rest, ok := nextTag(val)
		return ok && len(parser.TrimOWS(rest)) == 0 && tag == v.etag
	}
	t, ok := parseDate(val)
	return ok && v.strongDate && t.Equal(v.modTime)
}

// dateField returns the HTTP-date of a field that must appear once.
func dateField(req *parser.Request, lower string) (time.Time, bool) {
	fields := req.Values(lower)
	if len(fields) != 1 {
		return time.Time{}, false
	}
	return parseDate(fields[0])
}

// parseDate accepts the three HTTP-date forms recipients must accept
// (RFC 9110 §5.6.7): IMF-fixdate, RFC 850 and asctime.
func parseDate(b []byte) (time.Time, bool) {
	s := string(parser.TrimOWS(b))
	for _, layout := range []string{httpDate, "Monday, 02-Jan-06 15:04:05 GMT", "Mon Jan _2 15:04:05 2006"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}

// matchAny reports whether any entity-tag in the lists matches etag, or
// one of them is "*". strong selects the strong comparison (neither tag
// weak, §8.8.3.2); otherwise the weak one (opaque tags equal). A malformed
// list matches nothing from the point it goes wrong.
func matchAny(lists [][]byte, etag string, strong bool) bool {
	for _, list := range lists {
		for {
			list = parser.TrimOWS(list)
			for len(list) > 0 && list[0] == ',' {
				list = parser.TrimOWS(list[1:])
			}
			if len(list) == 0 {
				break
			}
			if list[0] == '*' {
				return true
			}
			tag, rest, ok := nextTag(list)
			if !ok {
				break
			}
			weak := tag[0] == 'W'
			if weak {
				tag = tag[2:]
			}
			if tag == etag && (!strong || !weak) {
				return true
			}
			list = rest
		}
	}
	return false
}

// nextTag splits off one entity-tag (RFC 9110 §8.8.3), W/ prefix included.
func nextTag(b []byte) (tag string, rest []byte, ok bool) {
	start := 0
	if len(b) >= 2 && b[0] == 'W' && b[1] == '/' {
		start = 2
	}
	if len(b) <= start || b[start] != '"' {
		return "", nil, false
	}
	for i := start + 1; i < len(b); i++ {
		switch c := b[i]; {
		case c == '"':
			return string(b[:i+1]), b[i+1:], true
		case c < 0x21 || c == 0x7f:
			return "", nil, false
		}
	}
	return "", nil, false
}
