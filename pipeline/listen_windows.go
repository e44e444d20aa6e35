package pipeline

import (
	"errors"
	"net"
	"syscall"
)

// listenSocket is the listening socket the accept stage reads: on Windows,
// the net package's listener itself (accept_windows.go).
type listenSocket = *net.TCPListener

// listen returns the listening socket cfg asks for, and its address.
// Ops.DeferAccept does not apply; an inherited Listener works only if the
// net package can take it (net.FileListener is not implemented on
// Windows: New then fails).
func listen(cfg *Config) (*net.TCPListener, net.Addr, error) {
	ln, _, err := netListen(cfg)
	if err != nil {
		return nil, nil, err
	}
	return ln, ln.Addr(), nil
}

// setReusePort refuses Ops.ReusePort: Windows has no SO_REUSEPORT (its
// SO_REUSEADDR lets another process steal the port, which is not the same).
func setReusePort(_, _ string, _ syscall.RawConn) error {
	return errors.New("SO_REUSEPORT: not available on Windows")
}
