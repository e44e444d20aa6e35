package autotune_test

import (
	"bufio"
	"bytes"
	"io"
	"net"
	"testing"

	"pipehttp/autotune"
	"pipehttp/files"
	"pipehttp/internal/servertest"
	"pipehttp/pipeline"
	"pipehttp/router"
)

// BenchmarkGateAdmit is the gate's cost per request: a class with no
// target, a class with a target at rest (unlimited: one atomic load), and
// a limited class (a clock read and a compare-and-swap).
func BenchmarkGateAdmit(b *testing.B) {
	g, err := autotune.NewGate([]string{"echo", "files"}, nil)
	if err != nil {
		b.Fatal(err)
	}
	g.SetRate("files", 1e9) // limited, but admitting everything offered here
	classes := autotune.Classes()
	idx := func(name string) int {
		for i, c := range classes {
			if c == name {
				return i
			}
		}
		b.Fatalf("no class %s", name)
		return -1
	}
	for _, bc := range []struct {
		name  string
		route int
	}{{"no-target", idx("root")}, {"unlimited", idx("echo")}, {"limited", idx("files")}} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				g.Admit(bc.route)
			}
		})
	}
}

// BenchmarkServerEchoGate is a keep-alive /echo round trip through a real
// server whose Admission is a Gate with an /echo target at rest: the
// admission hook as --autotune --target-p99 echo=… runs it. Compare with
// pipeline's BenchmarkServerEcho/keepalive (no hook); allocs/op counts the
// whole process.
func BenchmarkServerEchoGate(b *testing.B) {
	g, err := autotune.NewGate([]string{"echo"}, nil)
	if err != nil {
		b.Fatal(err)
	}
	srv := benchServer(b, pipeline.Config{Admission: g})
	c, err := net.Dial("tcp", srv.Addr().String())
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	req := []byte("GET /echo/hello HTTP/1.1\r\nHost: bench\r\n\r\n")
	r := bufio.NewReaderSize(c, 64<<10)
	// One request to learn the response's length (Date has a fixed width).
	c.Write(req)
	var head []byte
	for !bytes.HasSuffix(head, []byte("\r\n\r\n")) {
		line, err := r.ReadSlice('\n')
		if err != nil {
			b.Fatal(err)
		}
		head = append(head, line...)
	}
	r.Discard(len("hello"))
	resp := make([]byte, len(head)+len("hello"))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := c.Write(req); err != nil {
			b.Fatal(err)
		}
		if _, err := io.ReadFull(r, resp); err != nil {
			b.Fatal(err)
		}
	}
}

func benchServer(b *testing.B, cfg pipeline.Config) *pipeline.Server {
	b.Helper()
	store, err := files.Open(b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	cfg.Addr = "127.0.0.1:0"
	srv, err := pipeline.New(cfg, pipeline.Handlers{Router: router.New(), Files: &files.Handler{Store: store}}, nil)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { store.Close() }) // after the server has shut down (cleanups run last-in, first-out)
	servertest.Run(b, srv)
	return srv
}
