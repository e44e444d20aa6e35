package static_test

import (
	"bufio"
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"

	"pipehttp/files"
	"pipehttp/internal/rawhttp"
	"pipehttp/pipeline"
	"pipehttp/router"
	"pipehttp/static"
)

// Every test's server is shut down in its cleanup; goleak then checks that
// no goroutine outlived it.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// start runs a real pipeline server on a loopback port in static mode,
// serving root (and /files/ from a scratch directory), and shuts it down
// when the test ends.
func start(t *testing.T, root string, cfg static.Config) string {
	t.Helper()
	store, err := files.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	sh, err := static.New(root, cfg)
	if err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.NewTextHandler(testLog{t}, &slog.HandlerOptions{Level: slog.LevelWarn}))
	srv, err := pipeline.New(pipeline.Config{Addr: "127.0.0.1:0", FileWorkers: 4}, pipeline.Handlers{
		Router: router.NewStatic(),
		Files:  &files.Handler{Store: store},
		Static: sh,
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
		sh.Close()
		store.Close()
	})
	return srv.Addr().String()
}

type testLog struct{ t *testing.T }

func (l testLog) Write(p []byte) (int, error) {
	l.t.Log(strings.TrimSpace(string(p)))
	return len(p), nil
}

// client is a raw TCP client: it sends exact bytes and reads responses
// strictly (CRLF line ends, a Content-Length on every response that may
// have a body).
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
	return &client{t: t, conn: conn, r: bufio.NewReaderSize(conn, 64<<10)}
}

func (c *client) send(raw string) {
	c.t.Helper()
	if _, err := io.WriteString(c.conn, raw); err != nil {
		c.t.Fatalf("send: %v", err)
	}
}

// request sends method path with the given extra header lines ("Name: v").
func (c *client) request(method, path string, header ...string) *resp {
	c.t.Helper()
	c.send(rawRequest(method, path, header...))
	return c.read(method == "HEAD")
}

func rawRequest(method, path string, header ...string) string {
	var b strings.Builder
	b.WriteString(method + " " + path + " HTTP/1.1\r\nHost: localhost\r\n")
	for _, h := range header {
		b.WriteString(h + "\r\n")
	}
	b.WriteString("\r\n")
	return b.String()
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
