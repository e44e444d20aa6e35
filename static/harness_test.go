package static_test

import (
	"testing"

	"go.uber.org/goleak"

	"pipehttp/files"
	"pipehttp/internal/rawhttp"
	"pipehttp/internal/servertest"
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
	addr, _ := startHandler(t, root, cfg)
	return addr
}

// startHandler is start that also returns the static handler.
func startHandler(t *testing.T, root string, cfg static.Config) (string, *static.Handler) {
	t.Helper()
	store, err := files.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	sh, err := static.New(root, cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sh.Close(); store.Close() })
	srv, err := pipeline.New(pipeline.Config{Addr: "127.0.0.1:0", FileWorkers: 4}, pipeline.Handlers{
		Router: router.NewStatic(),
		Files:  &files.Handler{Store: store},
		Static: sh,
	}, servertest.Log(t))
	if err != nil {
		t.Fatal(err)
	}
	servertest.Run(t, srv)
	return srv.Addr().String(), sh
}

// dial opens a raw TCP client that fails the test on any error.
var dial = rawhttp.Dial

// resp is a response as read by the strict raw reader.
type resp = rawhttp.Response
