package static_test

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"strconv"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"

	"pipehttp/files"
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

// resp is a response as received: header names as sent, in order.
type resp struct {
	status int
	fields []field
	body   []byte
}

type field struct{ name, value string }

// get returns the value of the only field named name, "" if absent; it
// fails the test if the field is repeated.
func (r *resp) get(t *testing.T, name string) string {
	t.Helper()
	var vals []string
	for _, f := range r.fields {
		if strings.EqualFold(f.name, name) {
			vals = append(vals, f.value)
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

func (r *resp) has(name string) bool {
	for _, f := range r.fields {
		if strings.EqualFold(f.name, name) {
			return true
		}
	}
	return false
}

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

func readResponse(br *bufio.Reader, head bool) (*resp, error) {
	line, err := readLine(br)
	if err != nil {
		return nil, fmt.Errorf("status line: %w", err)
	}
	proto, rest, ok := strings.Cut(line, " ")
	if !ok || proto != "HTTP/1.1" {
		return nil, fmt.Errorf("bad status line %q", line)
	}
	code, _, _ := strings.Cut(rest, " ")
	r := &resp{}
	if r.status, err = strconv.Atoi(code); err != nil || len(code) != 3 {
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
		r.fields = append(r.fields, field{name, value})
	}
	if r.status < 200 || r.status == 204 || r.status == 304 {
		if r.has("Content-Length") {
			return nil, fmt.Errorf("status %d with Content-Length", r.status)
		}
		return r, nil
	}
	var cl string
	for _, f := range r.fields {
		if strings.EqualFold(f.name, "Content-Length") {
			cl = f.value
		}
	}
	n, err := strconv.Atoi(cl)
	if err != nil {
		return nil, fmt.Errorf("status %d without a valid Content-Length (%q)", r.status, cl)
	}
	if head {
		return r, nil
	}
	r.body = make([]byte, n)
	if _, err := io.ReadFull(br, r.body); err != nil {
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
