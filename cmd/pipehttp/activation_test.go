//go:build unix

package main

// Socket activation (issue 12): the binary started the way systemd starts
// it — listening sockets as descriptors 3 and 4, LISTEN_FDS, LISTEN_PID
// and LISTEN_FDNAMES — without systemd: the test holds the sockets, as
// systemd does, across restarts.

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// activated starts the binary with the listening sockets files (as
// descriptors 3, 4, …) and the socket-activation variables; names is
// LISTEN_FDNAMES ("" for none). LISTEN_PID must be the server's own pid,
// which is only known once it runs: a shell sets it and execs the binary,
// as systemd does between fork and exec.
func activated(t *testing.T, files []*os.File, names string, pid string, args ...string) *process {
	t.Helper()
	if pid == "" {
		pid = "$$"
	}
	cmd := exec.Command("/bin/sh", append([]string{"-c", `LISTEN_PID=` + pid + ` exec "$0" "$@"`, binary}, args...)...)
	cmd.Env = append(os.Environ(), fmt.Sprintf("LISTEN_FDS=%d", len(files)))
	if names != "" {
		cmd.Env = append(cmd.Env, "LISTEN_FDNAMES="+names)
	}
	cmd.ExtraFiles = files
	return launch(t, cmd)
}

// listenerFile is a loopback listening socket as a file to pass on.
func listenerFile(t *testing.T) (*os.File, string) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	f, err := ln.(*net.TCPListener).File()
	ln.Close()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return f, ln.Addr().String()
}

// The binary serves the sockets it is given (public and admin, by name),
// ignores --host and --port then, and says so in its banner; a LISTEN_PID
// for another process is not for it, and an inherited socket that is not
// listening is refused at start.
func TestSocketActivation(t *testing.T) {
	public, addr := listenerFile(t)
	adm, adminAddr := listenerFile(t)
	p := activated(t, []*os.File{adm, public}, "admin:http", "", "--port", "1")
	if p.addr != addr {
		t.Errorf("serving %s, want the inherited %s", p.addr, addr)
	}
	if !strings.Contains(p.banner, `listener="inherited (LISTEN_FDS:4)"`) || !strings.Contains(p.banner, "dashboard=http://"+adminAddr+"/debug/pipeline") {
		t.Errorf("banner:\n%s", p.banner)
	}
	if got := statusOn(addr, "/echo/activated"); got != 200 {
		t.Errorf("public socket: %d", got)
	}
	if got := statusOn(adminAddr, "/readyz"); got != 200 {
		t.Errorf("admin socket /readyz: %d", got)
	}
	stop(t, p)

	// LISTEN_PID of another process: the variables are ignored and the
	// server binds --port as usual.
	other := activated(t, []*os.File{public}, "", "1", "--host", "127.0.0.1", "--port", "0", "--admin-addr", "")
	if other.addr == addr || !strings.Contains(other.banner, "listener=bound") {
		t.Errorf("LISTEN_PID=1 was taken for ours:\n%s", other.banner)
	}
	stop(t, other)

	// A bound socket that does not listen.
	sock, err := syscall.Socket(syscall.AF_INET, syscall.SOCK_STREAM, 0)
	if err != nil {
		t.Fatal(err)
	}
	syscall.Bind(sock, &syscall.SockaddrInet4{Addr: [4]byte{127, 0, 0, 1}})
	notListening := os.NewFile(uintptr(sock), "not listening")
	defer notListening.Close()
	// A binary that wrongly serves must not outlive the test, nor take a
	// fixed port: bounded, and on an ephemeral loopback port.
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, "/bin/sh", "-c", `LISTEN_PID=$$ exec "$0" "$@"`, binary, "--host", "127.0.0.1", "--port", "0", "--admin-addr", "")
	cmd.Env = append(os.Environ(), "LISTEN_FDS=1")
	cmd.ExtraFiles = []*os.File{notListening}
	cmd.WaitDelay = time.Second
	out, err := cmd.CombinedOutput()
	if err == nil || !strings.Contains(string(out), "not a listening socket") {
		t.Errorf("a socket that does not listen: %v\n%s", err, out)
	}
}

// Restarts with the socket held by a supervisor, as systemd holds it:
// once with an overlap (the new process starts on the socket, then the old
// one drains: both accept from one queue meanwhile), once the way
// "systemctl restart" does it (stop, then start: clients wait in the
// socket's backlog, never refused). Load runs throughout; nothing may
// fail and every acknowledged upload must be on disk, whole.
func TestSocketActivationRestart(t *testing.T) {
	public, addr := listenerFile(t)
	files := filepath.Join(t.TempDir(), "files")
	os.Mkdir(files, 0o755)
	args := []string{"--admin-addr", "", "--directory", files}
	p := activated(t, []*os.File{public}, "", "", args...)
	l := startLoad(t, "http://"+addr, loadPlan{keepAlive: 4, fresh: 2, uploaders: 2, pause: 2 * time.Millisecond})
	time.Sleep(500 * time.Millisecond)

	next := activated(t, []*os.File{public}, "", "", args...) // overlap
	stop(t, p)
	time.Sleep(500 * time.Millisecond)
	stop(t, next) // stop, then start
	last := activated(t, []*os.File{public}, "", "", args...)
	time.Sleep(500 * time.Millisecond)

	v := l.stop(files)
	t.Logf("socket held across 2 restarts (one overlapping, one stop-then-start): %v", v)
	v.check(t)
	stop(t, last)
}
