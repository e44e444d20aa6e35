package static

import "pipehttp/parser"

// mediaQ splits a list element "token *( OWS ; OWS param )" into its
// token and its q weight in thousandths (1000 when absent, 0 when
// malformed). Parameters other than q are skipped.
func mediaQ(elem []byte) (token []byte, q int) {
	elem = parser.TrimOWS(elem)
	i := 0
	for i < len(elem) && elem[i] != ';' {
		i++
	}
	token, params := parser.TrimOWS(elem[:i]), elem[i:]
	q = 1000
	for len(params) > 0 {
		params = params[1:] // the ';'
		j := 0
		for j < len(params) && params[j] != ';' {
			j++
		}
		p := parser.TrimOWS(params[:j])
		params = params[j:]
		name, val, ok := cutEq(p)
		if !ok || !parser.LowerEqual(parser.TrimOWS(name), "q") {
			continue
		}
		q = parseQ(parser.TrimOWS(val))
	}
	return token, q
}

func cutEq(b []byte) (name, val []byte, ok bool) {
	for i, c := range b {
		if c == '=' {
			return b[:i], b[i+1:], true
		}
	}
	return b, nil, false
}

// parseQ parses a qvalue (RFC 9110 §12.4.2) into thousandths; a malformed
// one is 0.
func parseQ(b []byte) int {
	if len(b) == 0 || b[0] != '0' && b[0] != '1' {
		return 0
	}
	q := int(b[0]-'0') * 1000
	if len(b) == 1 {
		return q
	}
	if b[1] != '.' || len(b) > 5 {
		return 0
	}
	scale := 100
	for _, c := range b[2:] {
		if c < '0' || c > '9' {
			return 0
		}
		q += int(c-'0') * scale
		scale /= 10
	}
	if q > 1000 {
		return 0
	}
	return q
}
