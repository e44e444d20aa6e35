package pipeline

import (
	"fmt"
	"net"
	"os"

	"golang.org/x/sys/unix"
)

// listen binds addr and returns the listening socket as a pollable
// *os.File of our own.
//
// net.Listen does the resolving, dual-stack and socket-option work; we then
// take a duplicate of its descriptor and close the net.Listener. The
// duplicate, non-blocking, is registered with the Go runtime's poller by
// os.NewFile, so an accept worker parks there between bursts like any
// blocked Accept, but every accept(2) is ours (a net.Listener's raw
// connection does not let us read).
func listen(addr string) (*os.File, net.Addr, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, nil, fmt.Errorf("listen %s: %w", addr, err)
	}
	defer ln.Close()
	raw, err := ln.(*net.TCPListener).SyscallConn()
	if err != nil {
		return nil, nil, fmt.Errorf("listen %s: %w", addr, err)
	}
	fd := -1
	var dupErr error
	err = raw.Control(func(orig uintptr) {
		fd, dupErr = unix.FcntlInt(orig, unix.F_DUPFD_CLOEXEC, 0)
	})
	if err == nil {
		err = dupErr
	}
	if err != nil {
		return nil, nil, fmt.Errorf("listen %s: dup: %w", addr, err)
	}
	if err := unix.SetNonblock(fd, true); err != nil {
		unix.Close(fd)
		return nil, nil, fmt.Errorf("listen %s: %w", addr, err)
	}
	return os.NewFile(uintptr(fd), "listener"), ln.Addr(), nil
}
