package pipeline_test

import (
	"bufio"
	"io"
	"net"
	"testing"

	"pipehttp/pipeline"
)

// BenchmarkMetricsOverhead is a keep-alive /echo round trip through a real
// server over loopback, with the per-stage timing on (the default) and off
// (Config.DisableTiming). The counters are on in both; timing is the part
// that costs clock reads. Compare ns/op:
//
//	go test -run '^$' -bench MetricsOverhead -count 6 ./pipeline
func BenchmarkMetricsOverhead(b *testing.B) {
	for _, bc := range []struct {
		name string
		off  bool
	}{{"timing=on", false}, {"timing=off", true}} {
		b.Run(bc.name, func(b *testing.B) {
			addr := hopServer(b, pipeline.Config{DisableTiming: bc.off})
			c, err := net.Dial("tcp", addr)
			if err != nil {
				b.Fatal(err)
			}
			defer c.Close()
			req := []byte("GET /echo/hello HTTP/1.1\r\nHost: bench\r\n\r\n")
			r := bufio.NewReader(c)
			// The answer's length is fixed (Date has a fixed width): learn it once.
			c.Write(req)
			n := 0
			for {
				line, err := r.ReadSlice('\n')
				if err != nil {
					b.Fatal(err)
				}
				n += len(line)
				if len(line) == 2 {
					break
				}
			}
			r.Discard(len("hello"))
			resp := make([]byte, n+len("hello"))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := c.Write(req); err != nil {
					b.Fatal(err)
				}
				if _, err := io.ReadFull(r, resp); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
