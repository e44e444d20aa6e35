// Package rawhttp reads HTTP/1.1 responses strictly, for tests that talk to
// a server over raw TCP: CRLF line ends, "Name: value" field lines, and a
// Content-Length on every response that may have a body (pipehttp always
// sends one). Anything else is an error, so a test that reads a response
// has also checked its framing.
package rawhttp

import (
	"bufio"
	"fmt"
	"io"
	"strconv"
	"strings"
	"testing"
)

// Field is one field line as received.
type Field struct{ Name, Value string }

// Response is a response as received: field names as sent, in order.
type Response struct {
	Status int
	Reason string
	Fields []Field
	Body   []byte
}

// Get returns the value of the only field named name (case-insensitively),
// "" if absent; it fails the test if the field is repeated.
func (r *Response) Get(t testing.TB, name string) string {
	t.Helper()
	var vals []string
	for _, f := range r.Fields {
		if strings.EqualFold(f.Name, name) {
			vals = append(vals, f.Value)
		}
	}
	if len(vals) > 1 {
		t.Fatalf("field %s repeated: %q", name, vals)
	}
	if len(vals) == 0 {
		return ""
	}
	return vals[0]
}

// Has reports whether a field named name was received.
func (r *Response) Has(name string) bool {
	for _, f := range r.Fields {
		if strings.EqualFold(f.Name, name) {
			return true
		}
	}
	return false
}

// Read reads one response from br. head is true for the response to a HEAD
// request: its Content-Length describes a body that is not sent.
func Read(br *bufio.Reader, head bool) (*Response, error) {
	line, err := readLine(br)
	if err != nil {
		return nil, fmt.Errorf("status line: %w", err)
	}
	proto, rest, ok := strings.Cut(line, " ")
	if !ok || proto != "HTTP/1.1" {
		return nil, fmt.Errorf("bad status line %q", line)
	}
	code, reason, _ := strings.Cut(rest, " ")
	r := &Response{Reason: reason}
	if r.Status, err = strconv.Atoi(code); err != nil || len(code) != 3 {
		return nil, fmt.Errorf("bad status line %q", line)
	}
	for {
		line, err := readLine(br)
		if err != nil {
			return nil, fmt.Errorf("field line: %w", err)
		}
		if line == "" {
			break
		}
		name, value, ok := strings.Cut(line, ": ")
		if !ok {
			return nil, fmt.Errorf("bad field line %q", line)
		}
		r.Fields = append(r.Fields, Field{name, value})
	}
	if r.Status < 200 || r.Status == 204 || r.Status == 304 {
		if r.Has("Content-Length") {
			return nil, fmt.Errorf("status %d with Content-Length", r.Status)
		}
		return r, nil
	}
	var cl string
	for _, f := range r.Fields {
		if strings.EqualFold(f.Name, "Content-Length") {
			cl = f.Value
		}
	}
	n, err := strconv.Atoi(cl)
	if err != nil {
		return nil, fmt.Errorf("status %d without a valid Content-Length (%q)", r.Status, cl)
	}
	if head {
		return r, nil
	}
	r.Body = make([]byte, n)
	if _, err := io.ReadFull(br, r.Body); err != nil {
		return nil, fmt.Errorf("body: %w", err)
	}
	return r, nil
}

func readLine(br *bufio.Reader) (string, error) {
	line, err := br.ReadString('\n')
	if err != nil {
		return "", err
	}
	if !strings.HasSuffix(line, "\r\n") {
		return "", fmt.Errorf("line %q does not end in CRLF", line)
	}
	return strings.TrimSuffix(line, "\r\n"), nil
}
