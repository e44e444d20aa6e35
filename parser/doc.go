// Package parser turns the bytes received on an HTTP/1.1 connection into
// requests, following RFC 9112.
//
// It is synchronous and allocation-conscious: a [Parser] is fed the bytes
// buffered so far for one connection and either returns a complete request
// head, asks for more bytes with [ErrNeedMore], or rejects the input with an
// error that [Status] maps to the HTTP status the client should see. Request
// fields alias the caller's buffer; nothing here starts a goroutine or reads
// from a socket. Body framing (Content-Length or chunked) is decoded by a
// [BodyReader], so the caller can either buffer a small body or stream a
// large one.
//
// # Conformance choices
//
// Where the RFCs leave a choice, this package takes the one that leaves
// least room for two parsers to read the same bytes differently (request
// smuggling), unless real clients need the lenient one. Each choice names
// the RFC text that allows it; the few that depart from a recipient
// requirement say so, and why.
//
//   - Empty lines (CRLF or LF) before a request line are skipped (RFC 9112
//     §2.2: a server SHOULD ignore at least one); they count toward
//     MaxRequestLine.
//   - A bare LF ends a line of the head (RFC 9112 §2.2: a recipient MAY
//     recognize it; nginx and net/http do). A CR not followed by LF is an
//     error anywhere (§2.2 lets a recipient reject it or read it as SP).
//     Chunked framing, trailers included, requires CRLF.
//   - The request line is judged as it arrives, before its line end: the
//     method must be a run of tchars ended by SP (RFC 9112 §3, RFC 9110
//     §5.6.2), and no byte of the line may be a control character, so a
//     client speaking another protocol (TLS, say) gets 400 at once instead
//     of holding the connection until the header timeout. Other bytes of
//     the target and version are judged once the line is whole.
//   - The request line has exactly one SP between its parts (RFC 9112 §3
//     lets a recipient split on any whitespace, and warns that doing so
//     invites smuggling). A well-formed version other than HTTP/1.0 and
//     HTTP/1.1 gets 505, HTTP/1.2 included. That departs from RFC 9110
//     §2.5, under which a recipient SHOULD process HTTP/1.2 as HTTP/1.1:
//     no such version exists, and a client claiming it is not trusted to
//     mean 1.1.
//   - The request-target may hold only visible ASCII other than '#', '"',
//     '<' and '>'. The grammar (RFC 9112 §3.2, RFC 3986) allows less, and
//     RFC 9112 §3 says a recipient SHOULD answer an invalid request-line
//     with 400; it gets one for those four, which browsers always
//     percent-encode. '[', ']', '{', '}', '|', '\', '^' and '`', which
//     browsers send unencoded in a path or a query (the WHATWG URL
//     percent-encode sets leave them), are accepted, as is a '%' not
//     followed by two hex digits in the query: real clients need them. A
//     path's percent-escapes must be well-formed. Asterisk-form needs
//     OPTIONS, and CONNECT needs, and alone may use, authority-form.
//     Absolute-form takes http and https only, without userinfo (RFC 9110
//     §4.2.4: a recipient SHOULD treat userinfo as an error).
//   - obs-fold, whitespace before the colon, and whitespace before the
//     first field line are rejected (RFC 9112 §5.2 and §2.2 allow it,
//     §5.1 requires it). A field value may not hold a control character
//     other than HTAB (RFC 9110 §5.5 lets a recipient reject CR, LF and
//     NUL, and calls the others invalid).
//   - HTTP/1.1 needs exactly one Host, CONNECT included (RFC 9112 §3.2). A
//     Host with ',' or a port above 65535 is refused. The target's
//     authority, when it has one (absolute- or authority-form), wins over
//     the field, which may then be empty (RFC 9112 §3.2.2). With an
//     origin- or asterisk-form target, an empty Host would make the
//     target URI an http URI with an empty host (RFC 9112 §3.3), which a
//     recipient must reject (RFC 9110 §4.2.1): 400, in HTTP/1.0 too. An
//     HTTP/1.0 request without Host is accepted (Host is required only in
//     HTTP/1.1); Request.Host is then nil, for the server's default.
//   - Content-Length may repeat, as fields or as a list, if every value is
//     the same (RFC 9110 §8.6 allows taking it as one). With
//     Transfer-Encoding it is rejected, not overridden (RFC 9112 §6.1
//     allows that), and the connection must then be closed.
//   - Transfer-Encoding must be exactly chunked, once and last (RFC 9112
//     §6.3 requires 400 when chunked is not last); other codings get 501
//     (§6.1). It is an error in HTTP/1.0 (§6.1). An empty list element
//     (", chunked") is refused, although RFC 9110 §5.6.1.2 asks a
//     recipient to ignore a few: a front end that reads the field
//     differently would frame the body differently.
//   - A chunk-size line may carry extensions (;name or ;name=value, token
//     or quoted-string), which are ignored (RFC 9112 §7.1.1), but no
//     whitespace: the BWS the grammar tolerates around ';' and '=' is
//     refused, although RFC 9110 §5.6.3 says a recipient must parse and
//     remove it, because parsers have split bodies differently over it.
//   - Methods are any token (RFC 9110 §9.1) of at most 32 bytes; which
//     ones are implemented is the router's concern. A longer method gets
//     501 (RFC 9110 §15.6.2) as soon as its 33rd byte arrives, also when
//     it is longer than MaxRequestLine: a 414 would blame the target. The
//     longest registered method is 17 bytes.
package parser
