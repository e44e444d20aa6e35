package parser

// Helpers for handlers that read field values (RFC 9110 §5.6): they share
// the parser's own definitions, so every package trims and compares the
// same way.

// TrimOWS removes leading and trailing optional whitespace (SP and HTAB,
// RFC 9110 §5.6.3).
func TrimOWS(b []byte) []byte { return trimOWS(b) }

// LowerEqual reports whether b equals lower, an ASCII lower-case string,
// ignoring ASCII case in b (field names and most tokens are
// case-insensitive). It does not allocate.
func LowerEqual(b []byte, lower string) bool { return lowerEqual(b, lower) }

// Values returns the values of every field of r named lower (an ASCII
// lower-case name), in the order received; nil if there is none.
func (r *Request) Values(lower string) [][]byte {
	var vals [][]byte
	for i := range r.Fields {
		if lowerEqual(r.Fields[i].Name, lower) {
			vals = append(vals, r.Fields[i].Value)
		}
	}
	return vals
}

// CutListElement splits a comma-separated field value (RFC 9110 §5.6.1) at
// its first comma: the element before it, untrimmed, and the rest after
// it (nil when there is no comma).
func CutListElement(b []byte) (elem, rest []byte) {
	for i, c := range b {
		if c == ',' {
			return b[:i], b[i+1:]
		}
	}
	return b, nil
}
