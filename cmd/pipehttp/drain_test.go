//go:build unix

package main

// The drain sequence (issue 12), run on the binary with real signals.

import (
	"errors"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"pipehttp/internal/rawhttp"
)

// refused reports whether a new connection to addr is refused now.
func refused(addr string) bool {
	c, err := net.DialTimeout("tcp", addr, time.Second)
	if err != nil {
		return errors.Is(err, syscall.ECONNREFUSED)
	}
	c.Close()
	return false
}

// statusOn sends GET path on a new connection and returns the status (0
// if there was no answer).
func statusOn(addr, path string) int {
	c, err := net.DialTimeout("tcp", addr, time.Second)
	if err != nil {
		return 0
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(3 * time.Second))
	if _, err := c.Write([]byte(rawhttp.Format("GET", path))); err != nil {
		return 0
	}
	r, err := rawhttp.Read(bufioReader(c), false)
	if err != nil {
		return 0
	}
	return r.Status
}

// SIGTERM with no drain delay: the listener closes at once — new clients
// are refused while a request is still in flight — the idle keep-alive
// connection is closed, the in-flight request finishes with Connection:
// close, and the process exits 0.
func TestSIGTERMClosesListenerAtOnce(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "slow"), []byte("payload"), 0o644)
	p := startBinary(t, "--directory", dir, "--files-delay", "1500ms")
	idle := rawhttp.Dial(t, p.addr)
	if r := idle.Request("GET", "/echo/idle"); r.Status != 200 {
		t.Fatalf("idle connection's request: %d", r.Status)
	}
	busy := rawhttp.Dial(t, p.addr)
	busy.Send(rawhttp.Format("GET", "/files/slow"))
	time.Sleep(200 * time.Millisecond) // on the file pool now
	p.cmd.Process.Signal(syscall.SIGTERM)
	answered := make(chan *rawhttp.Response, 1)
	go func() {
		r, err := rawhttp.Read(busy.R, false)
		if err != nil {
			t.Errorf("in-flight request: %v", err)
		}
		answered <- r
	}()
	if !poll(time.Second, func() bool { return refused(p.addr) }) {
		t.Fatal("a new connection is not refused within 1s of SIGTERM")
	}
	select {
	case <-answered:
		t.Fatal("the in-flight request finished before the listener closed: the test proves nothing")
	default:
	}
	idle.ExpectClosed()
	if r := <-answered; r == nil || r.Status != 200 || string(r.Body) != "payload" || r.Get(t, "Connection") != "close" {
		t.Fatalf("in-flight request: %+v", r)
	}
	if err := p.waitExit(t, 5*time.Second); err != nil {
		t.Fatalf("exit: %v\n%s", err, p.log)
	}
}

// --drain-delay: /readyz answers 503 at once, the server goes on serving
// new connections for the delay (a load balancer has not noticed yet),
// then the listener closes and the process exits 0.
func TestDrainDelayAndReadyz(t *testing.T) {
	p := startBinary(t, "--admin-addr", "127.0.0.1:0", "--drain-delay", "1500ms")
	admin := adminOf(t, p)
	for _, path := range []string{"/healthz", "/readyz"} {
		if got := statusOn(admin, path); got != 200 {
			t.Fatalf("%s before SIGTERM: %d", path, got)
		}
	}
	p.cmd.Process.Signal(syscall.SIGTERM)
	signalled := time.Now()
	if !poll(time.Second, func() bool { return statusOn(admin, "/readyz") == 503 }) {
		t.Fatal("/readyz still not 503 a second after SIGTERM")
	}
	noticed := time.Since(signalled)
	if got := statusOn(p.addr, "/echo/still"); got != 200 {
		t.Errorf("during the drain delay (%v after SIGTERM) a new connection got %d, want 200", noticed, got)
	}
	if got := statusOn(admin, "/healthz"); got != 200 {
		t.Errorf("/healthz while draining: %d, want 200 (alive)", got)
	}
	if !poll(5*time.Second, func() bool { return refused(p.addr) }) {
		t.Fatal("the listener is still open 5s after SIGTERM")
	}
	closed := time.Since(signalled)
	t.Logf("/readyz 503 within %v of SIGTERM; listener closed %v after it", noticed.Round(time.Millisecond), closed.Round(time.Millisecond))
	if closed < 1500*time.Millisecond {
		t.Errorf("listener closed %v after SIGTERM, before the 1.5s drain delay", closed)
	}
	if err := p.waitExit(t, 5*time.Second); err != nil {
		t.Fatalf("exit: %v\n%s", err, p.log)
	}
}

// Both ways a drain can time out — requests abandoned at the deadline
// (Shutdown returns), and a handler still stuck a second later (the
// process exits without it) — end with exit status 3 and one message.
func TestShutdownTimeoutExitStatus(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "f"), []byte("x"), 0o644)
	const message = "pipehttp: shutdown: requests still in flight after --shutdown-timeout 300ms; abandoned"
	for _, tc := range []struct {
		name  string
		args  []string
		start func(t *testing.T, addr string)
	}{
		{"abandoned at the deadline", []string{"--header-timeout", "30s"}, func(t *testing.T, addr string) {
			c := rawhttp.Dial(t, addr)
			c.Send("GET /echo/half HTTP/1.1\r\nHost: x\r\n") // the head never ends
		}},
		{"handler stuck past it", []string{"--files-delay", "20s"}, func(t *testing.T, addr string) {
			c := rawhttp.Dial(t, addr)
			c.Send(rawhttp.Format("GET", "/files/f"))
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := startBinary(t, append([]string{"--directory", dir, "--shutdown-timeout", "300ms"}, tc.args...)...)
			tc.start(t, p.addr)
			time.Sleep(200 * time.Millisecond)
			p.cmd.Process.Signal(syscall.SIGTERM)
			err := p.waitExit(t, 10*time.Second)
			var exit *exec.ExitError
			if !errors.As(err, &exit) || exit.ExitCode() != 3 {
				t.Errorf("exit %v, want status 3\n%s", err, p.log)
			}
			lines := strings.Split(strings.TrimSpace(p.log.String()), "\n")
			if last := lines[len(lines)-1]; last != message {
				t.Errorf("last line %q, want %q", last, message)
			}
		})
	}
}
