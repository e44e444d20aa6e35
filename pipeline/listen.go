package pipeline

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// listen returns the listening socket cfg asks for — Addr bound (with
// SO_REUSEPORT if ReusePort), or the inherited Listener — as a pollable
// *os.File of our own, and its address.
//
// net.Listen does the resolving, dual-stack and socket-option work (and
// net.FileListener the checking of an inherited descriptor); we then take
// a duplicate of its descriptor and close the net.Listener. The duplicate,
// non-blocking, is registered with the Go runtime's poller by os.NewFile,
// so an accept worker parks there between bursts like any blocked Accept,
// but every accept(2) is ours (a net.Listener's raw connection does not let
// us read).
func listen(cfg *Config) (*os.File, net.Addr, error) {
	var ln net.Listener
	var err error
	what := cfg.Addr
	switch {
	case cfg.Listener != nil:
		what = "inherited listener " + cfg.Listener.Name()
		ln, err = net.FileListener(cfg.Listener)
		if err == nil {
			if _, ok := ln.(*net.TCPListener); !ok {
				ln.Close()
				err = fmt.Errorf("not a TCP socket (%s)", ln.Addr().Network())
			}
		}
	case cfg.ReusePort:
		lc := net.ListenConfig{Control: setReusePort}
		ln, err = lc.Listen(context.Background(), "tcp", cfg.Addr)
	default:
		ln, err = net.Listen("tcp", cfg.Addr)
	}
	if err != nil {
		return nil, nil, fmt.Errorf("listen %s: %w", what, err)
	}
	defer ln.Close()
	raw, err := ln.(*net.TCPListener).SyscallConn()
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

// deferAccept sets Ops.DeferAccept on the listening socket fd.
func deferAccept(fd int, d time.Duration) {
	if d <= 0 {
		return
	}
	unix.SetsockoptInt(fd, unix.IPPROTO_TCP, unix.TCP_DEFER_ACCEPT, int(max(d/time.Second, 1)))
}
