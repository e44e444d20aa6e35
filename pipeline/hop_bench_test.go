package pipeline_test

import (
	"bufio"
	"bytes"
	"io"
	"net"
	"testing"

	"pipehttp/files"
	"pipehttp/internal/servertest"
	"pipehttp/pipeline"
	"pipehttp/router"
)

// BenchmarkHop measures one stage hop as the pipeline makes it: a pointer
// sent on a bounded channel to a worker blocked in receive, which answers on
// the next stage's channel. One op is two hops (there and back), so half of
// ns/op is the price of a hop, wake-up included. With GOMAXPROCS=1 the
// receiver runs when the sender blocks; with more, the hop may cross CPUs.
func BenchmarkHop(b *testing.B) {
	type item struct{ n int }
	for _, capacity := range []int{0, 1024} {
		b.Run(map[int]string{0: "unbuffered", 1024: "queue=1024"}[capacity], func(b *testing.B) {
			in, out := make(chan *item, capacity), make(chan *item, capacity)
			done := make(chan struct{})
			go func() {
				defer close(done)
				for it := range in {
					it.n++
					out <- it
				}
			}()
			it := &item{}
			b.ReportAllocs()
			for b.Loop() {
				in <- it
				it = <-out
			}
			close(in)
			<-done
		})
	}
}

// BenchmarkServerEcho is a whole request through a real pipeline.Server
// over loopback: accept once, then per request poll → parse → route → write,
// with the client waiting for each response (keep-alive) or sending 16 per
// write (pipelined), on one or GOMAXPROCS connections. ns/op includes the
// client's side of loopback TCP; allocs/op counts the whole process, server
// stages included, so 0 means the steady state allocates nothing.
func BenchmarkServerEcho(b *testing.B) {
	for _, bc := range []struct {
		name     string
		depth    int
		parallel bool
	}{
		{"keepalive", 1, false},
		{"pipelined16", 16, false},
		{"keepalive-parallel", 1, true},
	} {
		b.Run(bc.name, func(b *testing.B) {
			addr := hopServer(b, pipeline.Config{})
			req := bytes.Repeat([]byte("GET /echo/hello HTTP/1.1\r\nHost: bench\r\n\r\n"), bc.depth)
			b.ReportAllocs()
			if bc.parallel {
				b.RunParallel(func(pb *testing.PB) {
					c, err := hopClient(addr, req, bc.depth)
					if err != nil {
						b.Error(err)
						return
					}
					defer c.close()
					for pb.Next() {
						if err := c.roundTrip(); err != nil {
							b.Error(err)
							return
						}
					}
				})
				return
			}
			c, err := hopClient(addr, req, bc.depth)
			if err != nil {
				b.Fatal(err)
			}
			defer c.close()
			for b.Loop() {
				if err := c.roundTrip(); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*bc.depth), "ns/request")
		})
	}
}

// hopServer starts a pipeline.Server with cfg (on a loopback port) and the
// production router, and shuts it down when the benchmark ends.
func hopServer(b *testing.B, cfg pipeline.Config) string {
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
	return srv.Addr().String()
}

// hopConn is a client connection that knows the exact size of the answer to
// its request, so reading it needs no parsing and allocates nothing.
type hopConn struct {
	c     net.Conn
	req   []byte
	resp  []byte // the whole expected answer to req
	r     *bufio.Reader
	depth int
}

// hopClient dials addr and makes one request, which also pays for accept
// and the server's first buffers.
func hopClient(addr string, req []byte, depth int) (*hopConn, error) {
	c, err := net.Dial("tcp", addr)
	if err != nil {
		return nil, err
	}
	h := &hopConn{c: c, req: req, r: bufio.NewReaderSize(c, 64<<10), depth: depth}
	// Learn one response's length from a first request (its Date field has
	// a fixed width, so every later response is as long).
	if _, err := c.Write(req[:len(req)/depth]); err != nil {
		c.Close()
		return nil, err
	}
	var head []byte
	for !bytes.HasSuffix(head, []byte("\r\n\r\n")) {
		line, err := h.r.ReadSlice('\n')
		if err != nil {
			c.Close()
			return nil, err
		}
		head = append(head, line...)
	}
	body := len("hello")
	if _, err := h.r.Discard(body); err != nil {
		c.Close()
		return nil, err
	}
	h.resp = make([]byte, (len(head)+body)*depth)
	return h, nil
}

// roundTrip sends the request (depth pipelined copies) and reads the answers.
func (h *hopConn) roundTrip() error {
	if _, err := h.c.Write(h.req); err != nil {
		return err
	}
	_, err := io.ReadFull(h.r, h.resp)
	return err
}

func (h *hopConn) close() { h.c.Close() }
