package content

import "pipehttp/parser"

// all returns the values of every field named lower (an ASCII-lowercase
// name), in order.
func all(req *parser.Request, lower string) [][]byte {
	var vals [][]byte
	for i := range req.Fields {
		if parser.LowerEqual(req.Fields[i].Name, lower) {
			vals = append(vals, req.Fields[i].Value)
		}
	}
	return vals
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
