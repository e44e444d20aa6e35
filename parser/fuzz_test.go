package parser_test

import (
	"bytes"
	"errors"
	"testing"

	"pipehttp/parser"
)

// fuzzLimits are small enough for the fuzzer to reach every limit.
var fuzzLimits = parser.Limits{MaxRequestLine: 64, MaxHeaderBytes: 128, MaxHeaders: 4, MaxBody: 512}

// FuzzParseHead checks that ParseHead never panics, that what it accepts
// is valid, and that a split delivery changes nothing.
func FuzzParseHead(f *testing.F) {
	for _, c := range splitCorpus {
		f.Add([]byte(c.raw), uint(len(c.raw)/2))
	}
	for _, c := range diffCorpus {
		f.Add([]byte(c.raw), uint(len(c.raw)/3))
	}
	f.Add([]byte(browserGET), uint(17))
	f.Fuzz(func(t *testing.T, data []byte, cut uint) {
		for _, lim := range []parser.Limits{{}, fuzzLimits} {
			var p parser.Parser
			p.Limits = lim
			var req parser.Request
			n, err := p.ParseHead(data, &req)
			whole := outcome(summarize(n, &req), err)
			if err == nil {
				checkHead(t, data, n, &req)
			} else if errors.Is(err, parser.ErrNeedMore) != (err == parser.ErrNeedMore) {
				t.Fatalf("wrapped ErrNeedMore: %v", err)
			}

			k := int(cut % uint(len(data)+1))
			var p2 parser.Parser
			p2.Limits = lim
			var req2 parser.Request
			n2, err2 := p2.ParseHead(data[:k], &req2)
			if err2 == parser.ErrNeedMore {
				n2, err2 = p2.ParseHead(bytes.Clone(data), &req2)
			}
			if split := outcome(summarize(n2, &req2), err2); split != whole {
				t.Fatalf("split at %d:\n got %s\nwant %s", k, split, whole)
			}
		}
	})
}

// checkHead checks the promises of a successfully parsed head.
func checkHead(t *testing.T, data []byte, n int, req *parser.Request) {
	t.Helper()
	if n <= 0 || n > len(data) {
		t.Fatalf("n = %d for %d bytes", n, len(data))
	}
	if !bytes.HasSuffix(data[:n], []byte("\n")) {
		t.Fatalf("head does not end with LF")
	}
	if len(req.Method) == 0 {
		t.Fatal("empty method")
	}
	for _, c := range req.Method {
		if c <= ' ' || c >= 0x7f || bytes.IndexByte([]byte(`"(),/:;<=>?@[\]{}`), c) >= 0 {
			t.Fatalf("method %q is not a token", req.Method)
		}
	}
	if req.Version != parser.HTTP10 && req.Version != parser.HTTP11 {
		t.Fatalf("version %d", req.Version)
	}
	if req.Version == parser.HTTP11 && req.Host == nil {
		t.Fatal("HTTP/1.1 without Host")
	}
	if req.Host != nil && len(req.Host) == 0 {
		t.Fatal("empty Host accepted")
	}
	if len(req.Target) == 0 {
		t.Fatal("empty target")
	}
	if req.Chunked && req.ContentLength >= 0 {
		t.Fatal("both chunked and Content-Length")
	}
	if req.ContentLength < -1 {
		t.Fatalf("Content-Length %d", req.ContentLength)
	}
	for _, fl := range req.Fields {
		if len(fl.Name) == 0 || bytes.ContainsAny(fl.Name, " \t\r\n:") {
			t.Fatalf("field name %q", fl.Name)
		}
		if bytes.ContainsAny(fl.Value, "\r\n\x00") {
			t.Fatalf("field value %q", fl.Value)
		}
	}
}

// FuzzChunked checks that the chunked decoder never panics, never yields
// more than MaxBody, and decodes the same however its input is split.
func FuzzChunked(f *testing.F) {
	seeds := []string{
		"5\r\nhello\r\n0\r\n\r\n",
		"5;a=b;c=\"d\\\"\"\r\nhello\r\n0\r\nT: v\r\n\r\nNEXT",
		"a\r\n0123456789\r\n0\r\n\r\n",
		"5\nhello\r\n0\r\n\r\n",
		"ffffffffffffffffff\r\n",
		"201\r\n",
		"0\r\nX: a\r\n b\r\n\r\n",
	}
	for i, s := range seeds {
		f.Add([]byte(s), uint(i*3))
	}
	lim := parser.Limits{MaxBody: 512, MaxHeaderBytes: 128, MaxHeaders: 4}
	req := parser.Request{Chunked: true, ContentLength: -1}
	f.Fuzz(func(t *testing.T, data []byte, cut uint) {
		body, n, done, err := decodeAll(&req, lim, data)
		if len(body) > int(lim.MaxBody) {
			t.Fatalf("decoded %d bytes, limit %d", len(body), lim.MaxBody)
		}
		if n > len(data) || done && err != nil {
			t.Fatalf("consumed %d of %d, done %v, err %v", n, len(data), done, err)
		}
		k := int(cut % uint(len(data)+1))
		body2, n2, done2, err2 := decodeAll(&req, lim, data, k)
		if err != nil || err2 != nil {
			// Data before an error may have been handed out in more or
			// fewer pieces; only the error must be the same.
			if err == nil || err2 == nil || err.Error() != err2.Error() {
				t.Fatalf("split at %d: error %v, whole %v", k, err2, err)
			}
			return
		}
		if !bytes.Equal(body, body2) || n != n2 || done != done2 {
			t.Fatalf("split at %d: %q %d %v %v; whole %q %d %v %v", k, body2, n2, done2, err2, body, n, done, err)
		}
	})
}
