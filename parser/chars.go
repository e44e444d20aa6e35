package parser

import "encoding/binary"

// Byte classes, one bit each, looked up in charClass.
const (
	cToken  = 1 << iota // tchar (RFC 9110 §5.6.2)
	cValue              // field-vchar, SP, HTAB (RFC 9110 §5.5), obs-text included
	cTarget             // request-target byte we accept: VCHAR except '#', '"', '<', '>'
	cHost               // reg-name byte: unreserved, sub-delims but ',', and '%'
	cHex                // HEXDIG
)

var charClass = func() (t [256]uint8) {
	for c := 0; c < 256; c++ {
		switch {
		case c >= '0' && c <= '9', c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z':
			t[c] |= cToken | cHost
		}
		switch {
		case c >= '0' && c <= '9', c >= 'a' && c <= 'f', c >= 'A' && c <= 'F':
			t[c] |= cHex
		}
		if c == '\t' || c >= ' ' && c != 0x7f {
			t[c] |= cValue
		}
		// Not '"', '<' or '>' either: outside the grammar, and always
		// percent-encoded by browsers (doc.go has the whole choice).
		if c > ' ' && c < 0x7f && c != '#' && c != '"' && c != '<' && c != '>' {
			t[c] |= cTarget
		}
	}
	for _, c := range []byte("!#$%&'*+-.^_`|~") {
		t[c] |= cToken
	}
	// unreserved "-._~", sub-delims "!$&'()*+;=" (no ','), and '%' of
	// pct-encoded (RFC 3986 §3.2.2); escapes are checked separately.
	for _, c := range []byte("-._~!$&'()*+;=%") {
		t[c] |= cHost
	}
	return t
}()

// tokenLen returns the length of the token at the start of b.
func tokenLen(b []byte) int {
	for i, c := range b {
		if charClass[c]&cToken == 0 {
			return i
		}
	}
	return len(b)
}

// ctlLen returns the length of the run of bytes at the start of b that
// are not CTLs (RFC 5234: 0x00–0x1F and 0x7F); SP and obs-text belong to
// the run. It tests eight bytes at a time, looking closer only at a word
// that may hold a CTL.
func ctlLen(b []byte) int {
	i := 0
	for i+8 <= len(b) {
		if !hasCTL(binary.LittleEndian.Uint64(b[i:])) {
			i += 8
			continue
		}
		for end := i + 8; i < end; i++ {
			if c := b[i]; c < ' ' || c == 0x7f {
				return i
			}
		}
	}
	for ; i < len(b); i++ {
		if c := b[i]; c < ' ' || c == 0x7f {
			return i
		}
	}
	return len(b)
}

// hasCTL reports whether any of the eight bytes of x is below 0x20 or is
// 0x7F, without looking at them one by one (a borrow out of a byte can
// only start at such a byte, so the answer is exact; which byte it is, the
// callers find by looking).
func hasCTL(x uint64) bool {
	const ones, highs = 0x0101010101010101, 0x8080808080808080
	del := x ^ 0x7f*ones
	return (x-0x20*ones)&^x&highs != 0 || (del-ones)&^del&highs != 0
}

// isOWS reports whether c is optional whitespace (RFC 9110 §5.6.3).
func isOWS(c byte) bool { return c == ' ' || c == '\t' }

// trimOWS removes leading and trailing SP and HTAB.
func trimOWS(b []byte) []byte {
	for len(b) > 0 && isOWS(b[0]) {
		b = b[1:]
	}
	for len(b) > 0 && isOWS(b[len(b)-1]) {
		b = b[:len(b)-1]
	}
	return b
}

// validPercent reports whether every '%' in b starts a pct-encoded triplet
// (RFC 3986 §2.1).
func validPercent(b []byte) bool {
	for i := 0; i < len(b); i++ {
		if b[i] == '%' {
			if i+2 >= len(b) || charClass[b[i+1]]&cHex == 0 || charClass[b[i+2]]&cHex == 0 {
				return false
			}
			i += 2
		}
	}
	return true
}

// lowerEqual reports whether b equals lower, an ASCII lower-case string,
// ignoring ASCII case in b. It does not allocate or copy.
func lowerEqual(b []byte, lower string) bool {
	if len(b) != len(lower) {
		return false
	}
	for i := 0; i < len(b); i++ {
		c := b[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != lower[i] {
			return false
		}
	}
	return true
}

// asciiEqualFold reports whether b and s are equal ignoring ASCII case. It
// does not allocate or copy.
func asciiEqualFold(b []byte, s string) bool {
	if len(b) != len(s) {
		return false
	}
	for i := 0; i < len(b); i++ {
		x, y := b[i], s[i]
		if 'A' <= x && x <= 'Z' {
			x += 'a' - 'A'
		}
		if 'A' <= y && y <= 'Z' {
			y += 'a' - 'A'
		}
		if x != y {
			return false
		}
	}
	return true
}

// nextElement splits the first element off a comma-separated list
// (RFC 9110 §5.6.1), trimming OWS around it; more is false once elem was the
// last element.
func nextElement(list []byte) (elem, rest []byte, more bool) {
	for i, c := range list {
		if c == ',' {
			return trimOWS(list[:i]), list[i+1:], true
		}
	}
	return trimOWS(list), nil, false
}
