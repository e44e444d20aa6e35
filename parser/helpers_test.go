package parser_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"pipehttp/parser"
)

// head is a comparable summary of a parsed request head; nil slices show
// as "<nil>" so that nil and empty stay distinct.
type head struct {
	N             int
	Method        string
	Target        string
	Path          string
	Query         string
	Version       parser.Version
	Host          string
	UserAgent     string
	ContentLength int64
	Chunked       bool
	KeepAlive     bool
	Expect100     bool
	Fields        string // "Name: value" lines joined by "|"
}

func show(b []byte) string {
	if b == nil {
		return "<nil>"
	}
	return string(b)
}

func summarize(n int, r *parser.Request) head {
	var fields []string
	for _, f := range r.Fields {
		fields = append(fields, string(f.Name)+": "+string(f.Value))
	}
	return head{
		N: n, Method: show(r.Method), Target: show(r.Target), Path: show(r.Path),
		Query: show(r.Query), Version: r.Version, Host: show(r.Host),
		UserAgent: show(r.UserAgent), ContentLength: r.ContentLength,
		Chunked: r.Chunked, KeepAlive: r.KeepAlive, Expect100: r.Expect100,
		Fields: strings.Join(fields, "|"),
	}
}

// parseWhole parses raw in one call with a fresh Parser.
func parseWhole(raw string, lim parser.Limits) (head, error) {
	p := parser.Parser{Limits: lim}
	var req parser.Request
	n, err := p.ParseHead([]byte(raw), &req)
	if err != nil {
		return head{}, err
	}
	return summarize(n, &req), nil
}

// outcome renders a parse result for comparison: the head, or the error.
func outcome(h head, err error) string {
	if err != nil {
		return "error: " + err.Error()
	}
	return fmt.Sprintf("%+v", h)
}

// decodeAll feeds src to a BodyReader for req in pieces cut at the given
// offsets (increasing, within src), as a connection would deliver them, and
// returns the body, the bytes consumed and whether the body ended.
func decodeAll(req *parser.Request, lim parser.Limits, src []byte, cuts ...int) (body []byte, consumed int, done bool, err error) {
	var b parser.BodyReader
	b.Reset(req, lim)
	avail := len(src)
	if len(cuts) > 0 {
		avail = cuts[0]
		cuts = cuts[1:]
	}
	for {
		data, n, d, err := b.Decode(src[consumed:avail])
		if err != nil {
			return body, consumed, false, err
		}
		if n > avail-consumed {
			return body, consumed, false, errors.New("consumed more than it was given")
		}
		body = append(body, data...)
		consumed += n
		if d {
			return body, consumed, true, nil
		}
		if n == 0 && len(data) == 0 {
			if avail == len(src) {
				return body, consumed, false, nil
			}
			avail = len(src)
			if len(cuts) > 0 {
				avail = cuts[0]
				cuts = cuts[1:]
			}
		}
	}
}

func checkStatus(t *testing.T, err error, want int) {
	t.Helper()
	if err == nil {
		t.Fatalf("accepted, want status %d", want)
	}
	if errors.Is(err, parser.ErrNeedMore) {
		t.Fatalf("ErrNeedMore, want status %d", want)
	}
	if got := parser.Status(err); got != want {
		t.Fatalf("status %d (%v), want %d", got, err, want)
	}
}
