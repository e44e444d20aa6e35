package pipeline

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"time"

	"golang.org/x/sys/windows"
)

// acceptLoop is one accept worker on Windows: the net package's Accept
// (AcceptEx, parked in IOCP between connections), one connection at a
// time, each made non-blocking for the stages and offered to the parse
// stage as a batch of one. MaxConns and the door's 503 work as on unix;
// there are no spare descriptors (spare_windows.go). Nothing here has run
// (sys_windows.go).
func (s *Server) acceptLoop() error {
	st := &s.stages[stageAccept]
	for {
		nc, err := s.ln.AcceptTCP()
		if err != nil {
			if s.draining.Load() {
				return nil // Serve closed the listener
			}
			if errors.Is(err, net.ErrClosed) {
				return fmt.Errorf("accept: %w", err)
			}
			// Out of resources, or a connection reset before it was
			// taken: back off like net/http rather than spin.
			st.stats.shedFor(reasonAcceptError)
			s.acceptFailures.note(s, err, false)
			time.Sleep(10 * time.Millisecond)
			continue
		}
		fd, err := socketHandle(nc)
		if err != nil {
			nc.Close()
			st.stats.shedFor(reasonAcceptError)
			s.acceptFailures.note(s, err, false)
			continue
		}
		var peer *netip.AddrPort
		if s.cfg.AccessLog != nil {
			if a, ok := nc.RemoteAddr().(*net.TCPAddr); ok {
				ap := a.AddrPort()
				ap = netip.AddrPortFrom(ap.Addr().Unmap(), ap.Port())
				peer = &ap
			}
		}
		s.offer(s.admitNew(getBatch(), fd, peer, false, connOS{nc: nc}))
	}
}

// socketHandle returns nc's socket, made non-blocking.
func socketHandle(nc *net.TCPConn) (windows.Handle, error) {
	raw, err := nc.SyscallConn()
	if err != nil {
		return 0, err
	}
	var h windows.Handle
	var nbErr error
	if err := raw.Control(func(fd uintptr) {
		h = windows.Handle(fd)
		nbErr = setNonblock(h)
	}); err != nil {
		return 0, err
	}
	return h, nbErr
}
