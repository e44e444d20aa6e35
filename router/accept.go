package router

import (
	"pipehttp/parser"
	"pipehttp/response"
)

// AcceptsGzip reports whether the request accepts a gzip-coded response
// (RFC 9110 §12.5.3).
//
// Every Accept-Encoding field counts (names compared case-insensitively);
// each is a comma-separated list of codings, each optionally weighted with
// ";q=" and a qvalue (0 to 1, at most three decimals), with optional
// whitespace around elements, ';' and '='. Coding names and "q" are
// case-insensitive. gzip is acceptable if "gzip" or "x-gzip" is listed with
// q > 0, or if neither is listed and "*" is listed with q > 0.
//
// An element with a malformed weight (or any parameter other than q) counts
// as listed with q = 0. When a coding is listed more than once, every listing
// must be acceptable: a refusal is never overridden. No Accept-Encoding
// field, or an empty one, accepts only identity.
//
// It does not allocate.
func AcceptsGzip(req *parser.Request) bool {
	gzipListed, gzipOK := false, true
	starListed, starOK := false, true
	for i := range req.Fields {
		f := &req.Fields[i]
		if !parser.LowerEqual(f.Name, "accept-encoding") {
			continue
		}
		list := f.Value
		for len(list) > 0 {
			var elem []byte
			elem, list = nextElement(list)
			coding, ok := parseCoding(elem)
			switch {
			case parser.LowerEqual(coding, "gzip"), parser.LowerEqual(coding, "x-gzip"):
				gzipListed = true
				gzipOK = gzipOK && ok
			case string(coding) == "*":
				starListed = true
				starOK = starOK && ok
			}
		}
	}
	if gzipListed {
		return gzipOK
	}
	return starListed && starOK
}

// nextElement splits a list at its first comma.
func nextElement(list []byte) (elem, rest []byte) {
	for i, c := range list {
		if c == ',' {
			return list[:i], list[i+1:]
		}
	}
	return list, nil
}

// parseCoding parses `coding [ OWS ";" OWS "q=" qvalue ]` (OWS around '='
// tolerated) and reports whether the weight is above zero. An empty element
// yields an empty coding.
func parseCoding(elem []byte) (coding []byte, ok bool) {
	semi := -1
	for i, c := range elem {
		if c == ';' {
			semi = i
			break
		}
	}
	if semi < 0 {
		return parser.TrimOWS(elem), true
	}
	coding = parser.TrimOWS(elem[:semi])
	p := parser.TrimOWS(elem[semi+1:])
	if len(p) == 0 || (p[0] != 'q' && p[0] != 'Q') {
		return coding, false
	}
	p = parser.TrimOWS(p[1:])
	if len(p) == 0 || p[0] != '=' {
		return coding, false
	}
	return coding, positiveQ(parser.TrimOWS(p[1:]))
}

// positiveQ reports whether q is a valid qvalue (RFC 9110 §12.4.2) above
// zero:
//
//	qvalue = ( "0" [ "." 0*3DIGIT ] ) / ( "1" [ "." 0*3("0") ] )
func positiveQ(q []byte) bool {
	if len(q) == 0 || q[0] != '0' && q[0] != '1' {
		return false
	}
	if len(q) == 1 {
		return q[0] == '1'
	}
	if q[1] != '.' || len(q) > 5 {
		return false
	}
	nonzero := false
	for _, c := range q[2:] {
		if c < '0' || c > '9' {
			return false
		}
		if c != '0' {
			nonzero = true
		}
	}
	if q[0] == '1' {
		return !nonzero
	}
	return nonzero
}

// ErrorFormFor chooses the body of an error answer to req, the one rule
// every handler and the pipeline follow:
//
//   - a minimal HTML page when an Accept field names text/html with q > 0
//     (a browser: it would otherwise show an empty white page);
//   - else, with text set (static mode), one line of plain text
//     ("404 Not Found"), as a person with curl expects;
//   - else none: the classic routes' exact contract, "Content-Length: 0",
//     for the clients that check it. They do not ask for text/html.
//
// "*/*" and "text/*" do not count as asking for HTML: every tool sends
// "*/*". It does not allocate.
func ErrorFormFor(req *parser.Request, text bool) response.ErrorForm {
	if acceptsHTML(req) {
		return response.HTMLErrorBody
	}
	if text {
		return response.TextErrorBody
	}
	return response.NoErrorBody
}

// acceptsHTML reports whether an Accept field lists text/html by name
// with a weight above zero.
func acceptsHTML(req *parser.Request) bool {
	for i := range req.Fields {
		f := &req.Fields[i]
		if !parser.LowerEqual(f.Name, "accept") {
			continue
		}
		list := f.Value
		for len(list) > 0 {
			var elem []byte
			elem, list = nextElement(list)
			if typ, ok := parseMedia(elem); ok && parser.LowerEqual(typ, "text/html") {
				return true
			}
		}
	}
	return false
}

// parseMedia parses `type/subtype *( OWS ";" OWS parameter )` and reports
// whether its q weight, if any, is above zero. Parameters other than q are
// skipped.
func parseMedia(elem []byte) (typ []byte, ok bool) {
	semi := len(elem)
	for i, c := range elem {
		if c == ';' {
			semi = i
			break
		}
	}
	typ = parser.TrimOWS(elem[:semi])
	params := elem[semi:]
	for len(params) > 0 {
		params = params[1:] // the ';'
		end := len(params)
		for i, c := range params {
			if c == ';' {
				end = i
				break
			}
		}
		p := parser.TrimOWS(params[:end])
		params = params[end:]
		if len(p) >= 2 && (p[0] == 'q' || p[0] == 'Q') && p[1] == '=' {
			return typ, positiveQ(parser.TrimOWS(p[2:]))
		}
	}
	return typ, true
}
