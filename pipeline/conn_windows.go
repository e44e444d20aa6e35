package pipeline

import (
	"net"

	"golang.org/x/sys/windows"
)

// sockFD is a socket as the system names it: a handle.
type sockFD = windows.Handle

// connOS is what a connection needs besides its handle on Windows: the
// net.TCPConn that accepted it (accept_windows.go), which owns the handle
// and its registration with the runtime's poller (IOCP).
type connOS struct {
	nc *net.TCPConn
}

// closeSocket closes c's socket.
func (c *conn) closeSocket() { c.nc.Close() }
