// Package servertest runs pipeline servers in tests: Serve in the
// background, and at the end of the test a graceful Shutdown whose errors
// fail the test. Leak checks (goleak) in the calling package then see every
// goroutine of the server gone.
package servertest

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"testing"
	"time"

	"pipehttp/pipeline"
)

// Run serves srv until the test ends, then shuts it down (10 s at most)
// and reports a failed Shutdown or Serve. Cleanups registered before Run
// run after the shutdown.
func Run(t testing.TB, srv *pipeline.Server) {
	t.Helper()
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
	})
}

// Log is a logger that writes the server's warnings and errors to the
// test's log.
func Log(t testing.TB) *slog.Logger {
	return slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelWarn}))
}

type testWriter struct{ t testing.TB }

// Within polls cond every 10ms until it holds or d has passed, and reports
// whether it held. It does not fail the test, so a test can report every
// broken expectation of one attack, and it may run in any goroutine.
func Within(d time.Duration, cond func() bool) bool {
	for deadline := time.Now().Add(d); ; time.Sleep(10 * time.Millisecond) {
		if cond() {
			return true
		}
		if time.Now().After(deadline) {
			return false
		}
	}
}

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimSpace(string(p)))
	return len(p), nil
}
