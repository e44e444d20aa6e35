package pipeline_test

import (
	"bufio"
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"runtime"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"

	"pipehttp/files"
	"pipehttp/internal/rawhttp"
	"pipehttp/parser"
	"pipehttp/pipeline"
	"pipehttp/response"
	"pipehttp/router"
)

// Every test's server is shut down in its cleanup; goleak then checks that
// no goroutine outlived it.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

type options struct {
	cfg        pipeline.Config
	filesDelay time.Duration
	router     pipeline.Router // default router.New()
}

type testServer struct {
	srv  *pipeline.Server
	addr string
	dir  string
}

// start runs a real server on a loopback port, serving a fresh temporary
// directory, and shuts it down when the test ends.
func start(t *testing.T, o options) *testServer {
	t.Helper()
	dir := t.TempDir()
	store, err := files.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	rt := o.router
	if rt == nil {
		rt = router.New()
	}
	o.cfg.Addr = "127.0.0.1:0"
	log := slog.New(slog.NewTextHandler(testLog{t}, &slog.HandlerOptions{Level: slog.LevelWarn}))
	fh := &files.Handler{Store: store, Delay: o.filesDelay}
	srv, err := pipeline.New(o.cfg, pipeline.Handlers{
		Router:  rt,
		Files:   fh,
		Receive: receiver(fh),
	}, log)
	if err != nil {
		t.Fatal(err)
	}
	served := make(chan error, 1)
	go func() { served <- srv.Serve() }()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := srv.Shutdown(ctx); err != nil {
			t.Errorf("Shutdown: %v", err)
		}
		if err := <-served; err != nil && !errors.Is(err, pipeline.ErrServerClosed) {
			t.Errorf("Serve: %v", err)
		}
		store.Close()
	})
	return &testServer{srv: srv, addr: srv.Addr().String(), dir: dir}
}

// receiver adapts files.Handler.Receive to pipeline.Handlers.Receive, as
// cmd/pipehttp does.
func receiver(fh *files.Handler) func(*parser.Request, *response.Response) pipeline.BodySink {
	return func(req *parser.Request, resp *response.Response) pipeline.BodySink {
		if r := fh.Receive(req, resp); r != nil {
			return r
		}
		return nil
	}
}

type testLog struct{ t *testing.T }

func (l testLog) Write(p []byte) (int, error) {
	l.t.Log(strings.TrimSpace(string(p)))
	return len(p), nil
}

// client is a raw TCP client: it sends exact bytes and reads responses
// strictly (CRLF line ends, a Content-Length on every response).
type client struct {
	t    *testing.T
	conn net.Conn
	r    *bufio.Reader
}

func dial(t *testing.T, addr string) *client {
	t.Helper()
	conn, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	conn.SetDeadline(time.Now().Add(20 * time.Second))
	return &client{t: t, conn: conn, r: bufio.NewReader(conn)}
}

func (c *client) send(raw string) {
	c.t.Helper()
	if _, err := io.WriteString(c.conn, raw); err != nil {
		c.t.Fatalf("send: %v", err)
	}
}

// resp is a response as read by the strict raw reader.
type resp = rawhttp.Response

// read reads one response; head is true for the response to a HEAD request
// (no body whatever Content-Length says).
func (c *client) read(head bool) *resp {
	c.t.Helper()
	r, err := readResponse(c.r, head)
	if err != nil {
		c.t.Fatalf("read response: %v", err)
	}
	return r
}

var readResponse = rawhttp.Read

// expectClosed checks that the server closes the connection: the next read
// sees EOF (or a reset) and no more bytes.
func (c *client) expectClosed() {
	c.t.Helper()
	c.conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	b, err := c.r.ReadByte()
	if err == nil {
		rest, _ := c.r.Peek(c.r.Buffered())
		c.t.Fatalf("connection still open: read %q", append([]byte{b}, rest...))
	}
	if ne, ok := err.(net.Error); ok && ne.Timeout() {
		c.t.Fatal("connection still open after 5s")
	}
}

// roundTrip sends one request on a fresh connection and reads the reply.
func roundTrip(t *testing.T, addr, raw string) *resp {
	t.Helper()
	c := dial(t, addr)
	c.send(raw)
	return c.read(strings.HasPrefix(raw, "HEAD "))
}

func get(path string) string {
	return "GET " + path + " HTTP/1.1\r\nHost: localhost\r\n\r\n"
}

func bytesOf(n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(i*7 + i/251)
	}
	return b
}

// rawConn is a plain client for tests that hold many connections or run
// in goroutines (where t.Fatal is not allowed).
type rawConn struct {
	*net.TCPConn
	r *bufio.Reader
}

func dialPlain(addr string) (*rawConn, error) {
	conn, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		return nil, err
	}
	conn.SetDeadline(time.Now().Add(30 * time.Second))
	return &rawConn{conn.(*net.TCPConn), bufio.NewReader(conn)}, nil
}

// numGoroutine counts goroutines after letting exiting ones finish.
func numGoroutine() int {
	time.Sleep(50 * time.Millisecond)
	return runtime.NumGoroutine()
}

func fileStage(srv *pipeline.Server) pipeline.StageStats {
	for _, st := range srv.Stats().Stages {
		if st.Name == "file" {
			return st
		}
	}
	panic("no file stage")
}
