package static

import "pipehttp/parser"

// all returns the values of every field named lower (an ASCII-lowercase
// name), in order.
func all(req *parser.Request, lower string) [][]byte {
	var vals [][]byte
	for i := range req.Fields {
		if equalFold(req.Fields[i].Name, lower) {
			vals = append(vals, req.Fields[i].Value)
		}
	}
	return vals
}

// trimOWS trims spaces and horizontal tabs from both ends.
func trimOWS(b []byte) []byte {
	for len(b) > 0 && (b[0] == ' ' || b[0] == '\t') {
		b = b[1:]
	}
	for len(b) > 0 && (b[len(b)-1] == ' ' || b[len(b)-1] == '\t') {
		b = b[:len(b)-1]
	}
	return b
}

// equalFold reports whether b equals lower, an ASCII lowercase string,
// ignoring ASCII case.
func equalFold(b []byte, lower string) bool {
	if len(b) != len(lower) {
		return false
	}
	for i := range len(b) {
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

// mediaQ splits a list element "token *( OWS ; OWS param )" into its
// token and its q weight in thousandths (1000 when absent, 0 when
// malformed). Parameters other than q are skipped.
func mediaQ(elem []byte) (token []byte, q int) {
	elem = trimOWS(elem)
	i := 0
	for i < len(elem) && elem[i] != ';' {
		i++
	}
	token, params := trimOWS(elem[:i]), elem[i:]
	q = 1000
	for len(params) > 0 {
		params = params[1:] // the ';'
		j := 0
		for j < len(params) && params[j] != ';' {
			j++
		}
		p := trimOWS(params[:j])
		params = params[j:]
		name, val, ok := cutEq(p)
		if !ok || !equalFold(trimOWS(name), "q") {
			continue
		}
		q = parseQ(trimOWS(val))
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

// cutComma splits a list at its first comma.
func cutComma(b []byte) (elem, rest []byte) {
	for i, c := range b {
		if c == ',' {
			return b[:i], b[i+1:]
		}
	}
	return b, nil
}
