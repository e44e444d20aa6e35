package parser_test

import (
	"testing"

	"pipehttp/parser"
)

func BenchmarkParseHead(b *testing.B) {
	for _, bc := range []struct{ name, raw string }{
		{"browser", browserGET},
		{"minimal", "GET /echo/abc HTTP/1.1\r\nHost: x\r\n\r\n"},
	} {
		b.Run(bc.name, func(b *testing.B) {
			raw := []byte(bc.raw)
			var p parser.Parser
			req := parser.Request{Fields: make([]parser.Field, 0, 16)}
			b.SetBytes(int64(len(raw)))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := p.ParseHead(raw, &req); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkParseHeadSplit measures a head arriving in 64-byte pieces.
func BenchmarkParseHeadSplit(b *testing.B) {
	raw := []byte(browserGET)
	var p parser.Parser
	req := parser.Request{Fields: make([]parser.Field, 0, 16)}
	b.SetBytes(int64(len(raw)))
	b.ReportAllocs()
	for b.Loop() {
		for i := 64; ; i += 64 {
			_, err := p.ParseHead(raw[:min(i, len(raw))], &req)
			if err == nil {
				break
			}
			if err != parser.ErrNeedMore {
				b.Fatal(err)
			}
		}
	}
}

func BenchmarkChunked(b *testing.B) {
	chunk := make([]byte, 4096)
	var src []byte
	for range 16 {
		src = append(src, "1000;x=y\r\n"...)
		src = append(src, chunk...)
		src = append(src, "\r\n"...)
	}
	src = append(src, "0\r\n\r\n"...)
	req := parser.Request{Chunked: true, ContentLength: -1}
	var br parser.BodyReader
	b.SetBytes(int64(len(src)))
	b.ReportAllocs()
	for b.Loop() {
		br.Reset(&req, parser.Limits{})
		for off := 0; ; {
			_, n, done, err := br.Decode(src[off:])
			if err != nil {
				b.Fatal(err)
			}
			off += n
			if done {
				break
			}
		}
	}
}
