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
// smuggling), unless real clients need the lenient one:
//
//   - Empty lines (CRLF or LF) before a request line are skipped
//     (RFC 9112 §2.2); they count toward MaxRequestLine.
//   - A bare LF ends a line of the head (RFC 9112 §2.2 allows it; nginx and
//     net/http do the same). A CR not followed by LF is an error anywhere.
//     Chunked framing, trailers included, requires CRLF.
//   - The request line is judged as it arrives, before its line end: the
//     method must be a run of tchars ended by SP (RFC 9112 §3, RFC 9110
//     §5.6.2), and no byte of the line may be a control character, so a
//     client speaking another protocol (TLS, say) gets 400 at once instead
//     of holding the connection until the header timeout. Other bytes of
//     the target and version are judged once the line is whole.
//   - The request line has exactly one SP between its parts. A well-formed
//     version other than HTTP/1.0 and HTTP/1.1 gets 505, HTTP/1.2 included.
//   - The request-target may hold only visible ASCII other than '#'; a
//     path's percent-escapes must be well-formed. Asterisk-form needs
//     OPTIONS, and CONNECT needs, and alone may use, authority-form.
//     Absolute-form takes http and https only, without userinfo.
//   - obs-fold, whitespace before the colon, and whitespace before the
//     first field line are rejected (RFC 9112 §5.1, §5.2, §2.2).
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
//     the same (RFC 9110 §8.6). With Transfer-Encoding it is rejected, not
//     overridden, and the connection should be closed.
//   - Transfer-Encoding must be exactly chunked, once and last; other
//     codings get 501. It is an error in HTTP/1.0 (RFC 9112 §6.1).
//   - A chunk-size line may carry extensions (;name or ;name=value, token
//     or quoted-string), which are ignored, but no whitespace: the BWS the
//     grammar tolerates around ';' and '=' is refused.
//   - Methods are any token (RFC 9110 §9.1) of at most 32 bytes; which
//     ones are implemented is the router's concern. A longer method gets
//     501 (RFC 9110 §15.6.2) as soon as its 33rd byte arrives, also when
//     it is longer than MaxRequestLine: a 414 would blame the target. The
//     longest registered method is 17 bytes.
package parser
