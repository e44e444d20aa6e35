package parser

// Version is an HTTP protocol version as major*10+minor: 10 or 11.
type Version uint8

// The versions this parser accepts; any other yields ErrVersionNotSupported.
const (
	HTTP10 Version = 10
	HTTP11 Version = 11
)

// Field is one header field line. Name and Value alias the parsed buffer;
// Value has optional whitespace (OWS) trimmed on both sides.
type Field struct {
	Name, Value []byte
}

// Request is a parsed request head plus the body framing it declares.
//
// A Request returned by Parser.ParseHead without error is always valid:
// the method is a token, the target is non-empty, the version is HTTP/1.0
// or HTTP/1.1, every field name is a token, HTTP/1.1 requests carry exactly
// one Host, the authority (Host) is never empty, and the body framing is
// unambiguous. Its byte slices alias the
// buffer passed to ParseHead and stay valid only while that buffer does.
type Request struct {
	Method  []byte // e.g. "GET"
	Target  []byte // request-target exactly as received
	Path    []byte // path, still percent-encoded; "/" for "http://host"; "*" for OPTIONS *; nil for CONNECT
	Query   []byte // query without the '?', nil if none
	Version Version

	Fields []Field // every header field, in order received

	// Frequently used fields, picked out while parsing (nil when absent).
	// Fields that may legally repeat (Accept-Encoding, say) are only in Fields.
	//
	// Host is the authority the request is for: the request-target itself
	// in authority-form (CONNECT) or its authority in absolute-form, which
	// then overrides the Host field (RFC 9112 §3.2.2); otherwise the Host
	// field's value. It is never empty, and nil only for an HTTP/1.0
	// request without Host. UserAgent is the first User-Agent field.
	Host      []byte
	UserAgent []byte

	// Body framing (RFC 9112 §6). ContentLength is -1 when the request has no
	// Content-Length; Chunked is set for "Transfer-Encoding: chunked".
	// A request with neither has no body.
	ContentLength int64
	Chunked       bool

	// KeepAlive reports whether the connection may stay open after this
	// request: HTTP/1.1 unless "Connection: close", HTTP/1.0 only with
	// "Connection: keep-alive".
	KeepAlive bool

	// Expect100 is set for "Expect: 100-continue" (RFC 9110 §10.1.1).
	Expect100 bool

	// Body is filled by the caller (the pipeline) once the whole body has been
	// read; the parser never sets it.
	Body []byte
}

// Reset clears r for reuse, keeping the capacity of Fields.
func (r *Request) Reset() {
	fields := r.Fields[:0]
	*r = Request{Fields: fields, ContentLength: -1}
}

// HasBody reports whether the request declares a body.
func (r *Request) HasBody() bool {
	return r.Chunked || r.ContentLength > 0
}

// Header returns the value of the first field named name (compared
// case-insensitively) and whether it was present.
func (r *Request) Header(name string) ([]byte, bool) {
	for i := range r.Fields {
		if asciiEqualFold(r.Fields[i].Name, name) {
			return r.Fields[i].Value, true
		}
	}
	return nil, false
}

// MethodIs reports whether the method is exactly m (methods are
// case-sensitive, RFC 9110 §9.1).
func (r *Request) MethodIs(m string) bool {
	return string(r.Method) == m
}
