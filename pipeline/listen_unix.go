//go:build unix

package pipeline

import (
	"errors"
	"fmt"
	"net"
	"os"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// listenSocket is the listening socket the accept stage reads: a pollable
// *os.File of our own (listen).
type listenSocket = *os.File

// listen returns the listening socket cfg asks for as a pollable *os.File
// of our own, and its address.
//
// netListen makes it; we then take a duplicate of its descriptor and close
// the net.Listener. The duplicate, non-blocking, is registered with the Go
// runtime's poller by os.NewFile, so an accept worker parks there between
// bursts like any blocked Accept, but every accept(2) is ours (a
// net.Listener's raw connection does not let us read).
func listen(cfg *Config) (*os.File, net.Addr, error) {
	ln, what, err := netListen(cfg)
	if err != nil {
		return nil, nil, err
	}
	defer ln.Close()
	raw, err := ln.SyscallConn()
	if err != nil {
		return nil, nil, fmt.Errorf("listen %s: %w", what, err)
	}
	fd := -1
	var ctlErr error
	err = raw.Control(func(orig uintptr) {
		// An inherited socket may not be listening yet: accept would fail
		// with EINVAL on every wake-up.
		if on, err := unix.GetsockoptInt(int(orig), unix.SOL_SOCKET, unix.SO_ACCEPTCONN); err != nil || on == 0 {
			ctlErr = errors.New("not a listening socket")
			return
		}
		if fd, ctlErr = unix.FcntlInt(orig, unix.F_DUPFD_CLOEXEC, 0); ctlErr != nil {
			ctlErr = fmt.Errorf("dup: %w", ctlErr)
		}
	})
	if err == nil {
		err = ctlErr
	}
	if err != nil {
		return nil, nil, fmt.Errorf("listen %s: %w", what, err)
	}
	if err := unix.SetNonblock(fd, true); err != nil {
		unix.Close(fd)
		return nil, nil, fmt.Errorf("listen %s: %w", what, err)
	}
	deferAccept(fd, cfg.DeferAccept)
	return os.NewFile(uintptr(fd), "listener"), ln.Addr(), nil
}

// setReusePort sets SO_REUSEPORT on a socket before it binds (Ops.ReusePort).
func setReusePort(_, _ string, c syscall.RawConn) error {
	var err error
	if cerr := c.Control(func(fd uintptr) {
		err = unix.SetsockoptInt(int(fd), unix.SOL_SOCKET, unix.SO_REUSEPORT, 1)
	}); cerr != nil {
		return cerr
	}
	if err != nil {
		return fmt.Errorf("SO_REUSEPORT: %w", err)
	}
	return nil
}

// deferAccept sets Ops.DeferAccept on the listening socket fd (Linux only:
// setDeferAccept does nothing elsewhere).
func deferAccept(fd int, d time.Duration) {
	if d <= 0 {
		return
	}
	setDeferAccept(fd, int(max(d/time.Second, 1)))
}
