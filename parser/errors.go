package parser

import "errors"

// ErrNeedMore means the buffer ends before the request head does: call
// again once more bytes have arrived. It is not a protocol error, and it is
// returned unwrapped.
var ErrNeedMore = errors.New("parser: need more input")

// Protocol errors. Each maps to one response status through Status; parse
// functions wrap them with context (fmt.Errorf("...: %w", ErrX)), so compare
// with errors.Is.
var (
	ErrMalformed             = errors.New("malformed request")                         // 400
	ErrBadHost               = errors.New("missing, repeated or invalid Host")         // 400
	ErrBadContentLength      = errors.New("invalid Content-Length")                    // 400
	ErrAmbiguousFraming      = errors.New("both Transfer-Encoding and Content-Length") // 400, close
	ErrBadChunk              = errors.New("malformed chunked body")                    // 400
	ErrRequestLineTooLong    = errors.New("request line too long")                     // 414
	ErrHeaderTooLarge        = errors.New("header section too large")                  // 431
	ErrTooManyHeaders        = errors.New("too many header fields")                    // 431
	ErrBodyTooLarge          = errors.New("body too large")                            // 413
	ErrTransferCodingUnknown = errors.New("unsupported transfer coding")               // 501
	ErrExpectationFailed     = errors.New("unsupported expectation")                   // 417
	ErrVersionNotSupported   = errors.New("HTTP version not supported")                // 505

	// ErrMethodNotImplemented is returned by the parser only for a method
	// longer than 32 bytes, which no server implements; it accepts any
	// shorter token, and the router decides which methods are implemented
	// and uses this error for the rest.
	ErrMethodNotImplemented = errors.New("method not implemented") // 501

	// For callers; the parser never returns it: a request without
	// Content-Length or chunked simply has no body.
	ErrLengthRequired = errors.New("length required") // 411
)

// statusTable is the one place protocol errors become statuses. (Plain
// numbers: net/http is kept off the request path entirely.)
var statusTable = []struct {
	err    error
	status int
}{
	{ErrMalformed, 400},
	{ErrBadHost, 400},
	{ErrBadContentLength, 400},
	{ErrAmbiguousFraming, 400},
	{ErrBadChunk, 400},
	{ErrRequestLineTooLong, 414},
	{ErrHeaderTooLarge, 431},
	{ErrTooManyHeaders, 431},
	{ErrBodyTooLarge, 413},
	{ErrLengthRequired, 411},
	{ErrTransferCodingUnknown, 501},
	{ErrMethodNotImplemented, 501},
	{ErrExpectationFailed, 417},
	{ErrVersionNotSupported, 505},
}

// Status returns the response status for an error returned by this package:
// 400 for any error it does not know.
func Status(err error) int {
	for _, e := range statusTable {
		if errors.Is(err, e.err) {
			return e.status
		}
	}
	return 400
}
