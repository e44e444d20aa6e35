package pipeline

import (
	"fmt"
	"net"

	"golang.org/x/sys/unix"
)

// listen binds addr and returns our own non-blocking descriptor for it.
//
// net.Listen does the resolving, dual-stack and socket-option work; we then
// take a duplicate of its descriptor and close the net.Listener, so the Go
// runtime's poller no longer watches the socket and every accept is ours.
func listen(addr string) (fd int, bound net.Addr, err error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return -1, nil, fmt.Errorf("listen %s: %w", addr, err)
	}
	defer ln.Close()
	raw, err := ln.(*net.TCPListener).SyscallConn()
	if err != nil {
		return -1, nil, fmt.Errorf("listen %s: %w", addr, err)
	}
	var dupErr error
	err = raw.Control(func(orig uintptr) {
		fd, dupErr = unix.FcntlInt(orig, unix.F_DUPFD_CLOEXEC, 0)
	})
	if err == nil {
		err = dupErr
	}
	if err != nil {
		return -1, nil, fmt.Errorf("listen %s: dup: %w", addr, err)
	}
	// The duplicate shares the socket's file status flags, which net.Listen
	// set non-blocking; say so anyway rather than rely on it.
	if err := unix.SetNonblock(fd, true); err != nil {
		unix.Close(fd)
		return -1, nil, fmt.Errorf("listen %s: %w", addr, err)
	}
	return fd, ln.Addr(), nil
}
