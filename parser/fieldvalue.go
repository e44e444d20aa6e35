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
