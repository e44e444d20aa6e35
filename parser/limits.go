package parser

// Defaults for the zero fields of Limits. They match what common servers
// allow (nginx: 8 KiB request line, Go: 1 MiB headers, 100 fields is the
// usual proxy ceiling) while keeping one connection's worst case small.
const (
	DefaultMaxRequestLine = 8 << 10  // bytes
	DefaultMaxHeaderBytes = 16 << 10 // bytes
	DefaultMaxHeaders     = 100      // field lines
	DefaultMaxBody        = 64 << 20 // bytes
)

// maxChunkLine bounds a chunk-size line, extensions included, without its
// CRLF. Extensions carry no meaning here, so 4 KiB is generous.
const maxChunkLine = 4 << 10

// Limits bound what a request may use. A zero (or negative) field takes the
// default named after it.
type Limits struct {
	// MaxRequestLine is the longest request line accepted, in bytes, not
	// counting its CRLF but counting any empty lines skipped before it
	// (RFC 9112 §2.2). Longer: ErrRequestLineTooLong (414).
	// Default DefaultMaxRequestLine.
	MaxRequestLine int

	// MaxHeaderBytes bounds the header section after the request line,
	// through the final empty line, in bytes; it also bounds a chunked
	// body's trailer section. Larger: ErrHeaderTooLarge (431).
	// Default DefaultMaxHeaderBytes.
	MaxHeaderBytes int

	// MaxHeaders is the most field lines a head (or a trailer section) may
	// hold. More: ErrTooManyHeaders (431). Default DefaultMaxHeaders.
	MaxHeaders int

	// MaxBody bounds the body, in bytes. A Content-Length above it is
	// rejected by ParseHead with ErrBodyTooLarge (413) before any of the
	// body is read; a chunked body is checked as each chunk-size arrives.
	// Default DefaultMaxBody.
	MaxBody int64
}

// WithDefaults returns l with every zero or negative field replaced by its
// default.
func (l Limits) WithDefaults() Limits {
	if l.MaxRequestLine <= 0 {
		l.MaxRequestLine = DefaultMaxRequestLine
	}
	if l.MaxHeaderBytes <= 0 {
		l.MaxHeaderBytes = DefaultMaxHeaderBytes
	}
	if l.MaxHeaders <= 0 {
		l.MaxHeaders = DefaultMaxHeaders
	}
	if l.MaxBody <= 0 {
		l.MaxBody = DefaultMaxBody
	}
	return l
}
