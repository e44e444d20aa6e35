//go:build unix

package pipeline

// sockFD is a socket as the system names it: a file descriptor.
type sockFD = int

// connOS is what a connection needs besides its descriptor: nothing, on
// unix.
type connOS struct{}

// closeSocket closes c's descriptor (one without a waiter, which owns it
// otherwise).
func (c *conn) closeSocket() { sysClose(c.fd) }
