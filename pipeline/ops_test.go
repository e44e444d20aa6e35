package pipeline_test

// Operations (issue 12): where the listening socket comes from, when it
// closes, and what the access log records.

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"pipehttp/files"
	"pipehttp/internal/servertest"
	"pipehttp/pipeline"
	"pipehttp/router"
)

// newServer builds a server on cfg (Addr defaults to a loopback port)
// without running it.
func newServer(t *testing.T, cfg pipeline.Config) *pipeline.Server {
	t.Helper()
	store, err := files.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	if cfg.Addr == "" {
		cfg.Addr = "127.0.0.1:0"
	}
	srv, err := pipeline.New(cfg, pipeline.Handlers{Router: router.New(), Files: &files.Handler{Store: store}}, servertest.Log(t))
	if err != nil {
		t.Fatal(err)
	}
	return srv
}

func connRefused(addr string) bool {
	c, err := net.DialTimeout("tcp", addr, time.Second)
	if err != nil {
		return errors.Is(err, syscall.ECONNREFUSED)
	}
	c.Close()
	return false
}

// Shutdown closes the listener when it begins, not when the drain ends: a
// new client is refused while a request is still in flight.
func TestShutdownClosesListenerFirst(t *testing.T) {
	ts := start(t, options{filesDelay: 1500 * time.Millisecond})
	os.WriteFile(filepath.Join(ts.dir, "slow"), []byte("slow"), 0o644)
	busy := dial(t, ts.addr)
	busy.Send(get("/files/slow"))
	time.Sleep(100 * time.Millisecond) // on the file pool now
	done := make(chan error, 1)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		done <- ts.srv.Shutdown(ctx)
	}()
	if !within(time.Second, func() bool { return connRefused(ts.addr) }) {
		t.Fatal("still accepting a second into Shutdown")
	}
	select {
	case err := <-done:
		t.Fatalf("Shutdown returned (%v) before the in-flight request finished", err)
	default:
	}
	if r := busy.Read(false); r.Status != 200 || r.Get(t, "Connection") != "close" {
		t.Fatalf("in-flight request: %d, Connection %q", r.Status, r.Get(t, "Connection"))
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

// A listening socket handed over (systemd socket activation, a supervisor)
// is served as is; the server takes its own duplicate, so the socket
// outlives one server and the next one serves it: a client connecting in
// between waits in the backlog and is never refused.
func TestInheritedListener(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	f, err := ln.(*net.TCPListener).File()
	ln.Close()
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	addr := ln.Addr().String()

	first := newServer(t, pipeline.Config{Ops: pipeline.Ops{Listener: f}})
	if first.Addr().String() != addr {
		t.Fatalf("server on %s, the inherited socket is %s", first.Addr(), addr)
	}
	servertest.Run(t, first)
	if !served(addr, "/echo/one") {
		t.Fatal("the first server does not serve the inherited socket")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := first.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	// Between the two servers: the socket is still open (f), so a client
	// is queued, not refused, and the next server answers it.
	waiting := make(chan bool, 1)
	go func() { waiting <- served(addr, "/echo/queued") }()
	time.Sleep(100 * time.Millisecond)
	second := newServer(t, pipeline.Config{Ops: pipeline.Ops{Listener: f}})
	servertest.Run(t, second)
	if !<-waiting {
		t.Fatal("a client that connected between the two servers was not served")
	}
}

// ReusePort: two servers listen on one port; the kernel spreads new
// connections over both, and when one shuts down the other takes them all.
func TestReusePort(t *testing.T) {
	first := newServer(t, pipeline.Config{Ops: pipeline.Ops{ReusePort: true}})
	addr := first.Addr().String()
	second := newServer(t, pipeline.Config{Addr: addr, Ops: pipeline.Ops{ReusePort: true}})
	servertest.Run(t, first)
	servertest.Run(t, second)
	if _, err := pipeline.New(pipeline.Config{Addr: addr}, pipeline.Handlers{Router: router.New(), Files: &files.Handler{}}, nil); err == nil {
		t.Error("a server without ReusePort could bind the shared port")
	}
	// Both take connections: the first server's accept count moves, and
	// so does the second's.
	taken := func(s *pipeline.Server) uint64 { return s.Stats().Stages[0].Taken }
	if !within(5*time.Second, func() bool {
		served(addr, "/echo/spread")
		return taken(first) > 0 && taken(second) > 0
	}) {
		t.Fatalf("connections not spread: first took %d, second %d", taken(first), taken(second))
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := first.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	for i := range 20 {
		if !served(addr, "/echo/after") {
			t.Fatalf("connection %d after the first server left: not served", i)
		}
	}
}

// The access log records the client's address, the protocol, the
// User-Agent and the Referer.
func TestAccessLogClient(t *testing.T) {
	var buf syncBuffer
	ts := start(t, options{cfg: pipeline.Config{AccessLog: slog.New(slog.NewJSONHandler(&buf, nil))}})
	c := dial(t, ts.addr)
	c.Send("GET /echo/who HTTP/1.0\r\nUser-Agent: tester/1.0\r\nReferer: http://example.test/\r\n\r\n")
	c.Read(false)
	eventually(t, "an access-log line", func() bool { return strings.Count(buf.String(), "\n") == 1 })
	var rec map[string]any
	if err := json.Unmarshal([]byte(buf.String()), &rec); err != nil {
		t.Fatal(err)
	}
	local := c.Conn.LocalAddr().String()
	if rec["remote"] != local || rec["proto"] != "HTTP/1.0" || rec["user_agent"] != "tester/1.0" || rec["referer"] != "http://example.test/" {
		t.Errorf("record %v, want remote %s, HTTP/1.0, the User-Agent and the Referer", rec, local)
	}
}

// A response serialized just before Shutdown began says nothing of
// closing, so its connection must not be closed after it: the client may
// reuse it at once. It waits instead (IdleGrace), and the next request on
// it is answered with Connection: close.
//
// Before: finishBatch read the draining flag again after the write and
// closed the connection under the client's next request.
func TestDrainNeverClosesAfterKeepAliveResponse(t *testing.T) {
	var started atomic.Pointer[testServer] // the hook runs on a write worker
	ts := start(t, options{cfg: pipeline.Config{Ops: pipeline.Ops{IdleGrace: 3 * time.Second}}, hooks: map[string]func(string){
		"write": func(target string) {
			if target != "/echo/last-before-drain" {
				return
			}
			ts := started.Load()
			// Shutdown begins while this response is being serialized,
			// after the write stage decided it keeps the connection.
			go func() {
				ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
				defer cancel()
				ts.srv.Shutdown(ctx)
			}()
			if !within(2*time.Second, func() bool { return connRefused(ts.addr) }) {
				t.Error("Shutdown did not begin")
			}
		},
	}})
	started.Store(ts)
	c := dial(t, ts.addr)
	r := c.Request("GET", "/echo/last-before-drain")
	if r.Status != 200 || r.Has("Connection") {
		t.Fatalf("first response: %d, Connection %q", r.Status, r.Get(t, "Connection"))
	}
	c.Send(get("/echo/next"))
	r2, err := readResponse(c.R, false)
	if err != nil {
		t.Fatalf("the connection was closed after a keep-alive response: %v", err)
	}
	if r2.Status != 200 || r2.Get(t, "Connection") != "close" {
		t.Fatalf("next request: %d, Connection %q", r2.Status, r2.Get(t, "Connection"))
	}
	c.ExpectClosed()
}
