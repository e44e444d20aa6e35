package pipeline

import (
	"context"
	"fmt"
	"net"
)

// netListen makes the listening socket cfg asks for with the net package —
// Addr bound (with SO_REUSEPORT if ReusePort), or the inherited Listener —
// which does the resolving, dual-stack and socket-option work (and
// net.FileListener the checking of an inherited descriptor). what names it
// for errors.
func netListen(cfg *Config) (ln *net.TCPListener, what string, err error) {
	var l net.Listener
	what = cfg.Addr
	switch {
	case cfg.Listener != nil:
		what = "inherited listener " + cfg.Listener.Name()
		l, err = net.FileListener(cfg.Listener)
		if err == nil {
			if _, ok := l.(*net.TCPListener); !ok {
				l.Close()
				err = fmt.Errorf("not a TCP socket (%s)", l.Addr().Network())
			}
		}
	case cfg.ReusePort:
		lc := net.ListenConfig{Control: setReusePort}
		l, err = lc.Listen(context.Background(), "tcp", cfg.Addr)
	default:
		l, err = net.Listen("tcp", cfg.Addr)
	}
	if err != nil {
		return nil, what, fmt.Errorf("listen %s: %w", what, err)
	}
	return l.(*net.TCPListener), what, nil
}
