package pipeline_test

import (
	"bufio"
	"log/slog"
	"net"
	"runtime"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"

	"pipehttp/files"
	"pipehttp/internal/rawhttp"
	"pipehttp/internal/servertest"
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
	// hooks are test hooks set between New and Serve, by stage ("parse",
	// "route", "file", "write"; see pipeline.SetHook).
	hooks map[string]func(target string)
	// log is the server's logger; default servertest.Log(t).
	log *slog.Logger
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
	t.Cleanup(func() { store.Close() })
	o.cfg.Addr = "127.0.0.1:0"
	fh := &files.Handler{Store: store, Delay: o.filesDelay}
	log := o.log
	if log == nil {
		log = servertest.Log(t)
	}
	srv, err := pipeline.New(o.cfg, pipeline.Handlers{
		Router:  rt,
		Files:   fh,
		Receive: receiver(fh),
	}, log)
	if err != nil {
		t.Fatal(err)
	}
	for stage, f := range o.hooks {
		pipeline.SetHook(srv, stage, f)
	}
	servertest.Run(t, srv)
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

// dial opens a raw TCP client that fails the test on any error.
var dial = rawhttp.Dial

// resp is a response as read by the strict raw reader.
type resp = rawhttp.Response

var readResponse = rawhttp.Read

// roundTrip sends one request on a fresh connection and reads the reply.
func roundTrip(t *testing.T, addr, raw string) *resp {
	t.Helper()
	c := dial(t, addr)
	c.Send(raw)
	return c.Read(strings.HasPrefix(raw, "HEAD "))
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
