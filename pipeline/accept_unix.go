//go:build unix

package pipeline

import (
	"fmt"
	"time"

	"golang.org/x/sys/unix"
)

// acceptLoop is one accept worker. It accepts every pending connection,
// admits it against MaxConns and hands the new connections, as one batch,
// to the parse stage. Between bursts it parks in the Go runtime's network
// poller on the listening socket, holding no thread; Serve closes the
// listener to stop it.
//
// Queue behaviour: new connections are offered to the parse queue without
// waiting, on the bet that their first request is already in flight; if
// the queue is full they are registered with their poller instead, which
// takes them when their bytes arrive, so accepting never blocks and the
// kernel backlog never becomes a hidden queue. Past MaxConns a connection
// is answered 503 with Retry-After and closed (with a bounded lingering
// close, linger.go); so is one that finds the process out of descriptors,
// accepted into a spare (spare_unix.go).
func (s *Server) acceptLoop() error {
	raw, err := s.ln.SyscallConn()
	if err != nil {
		return err
	}
	st := &s.stages[stageAccept]
	b := getBatch()
	err = raw.Read(func(lfd uintptr) bool {
		if s.spares.short.Load() {
			s.spares.restore()
		}
		for {
			fd, peer, err := s.acceptFD(int(lfd))
			var outOf error // EMFILE or ENFILE: accepted into a spare, if err is nil now
			if err != nil && outOfFDs(err) {
				outOf = err
				fd, peer, err = s.acceptSpare(int(lfd), err)
			}
			switch {
			case err == nil:
			case err == unix.EAGAIN:
				s.offer(b)
				b = getBatch()
				return false // park until the next connection
			case err == unix.EINTR || err == unix.ECONNABORTED || err == unix.EPROTO:
				continue
			default:
				// Out of descriptors (and of spares) or memory: back off
				// like net/http does rather than spin, and say so at most
				// once a second.
				s.offer(b)
				b = getBatch()
				st.stats.shedFor(reasonAcceptError)
				s.acceptFailures.note(s, err, false)
				time.Sleep(10 * time.Millisecond)
				continue
			}
			spare := outOf != nil
			if spare {
				s.acceptFailures.note(s, outOf, !s.cfg.ServeSpare)
				if !s.cfg.ServeSpare {
					st.stats.shards[0].taken.Add(1)
					s.offer(b)
					b = getBatch()
					s.refuseSpare(fd)
					continue
				}
			}
			b = s.admitNew(b, fd, peer, spare, connOS{})
		}
	})
	putBatch(b)
	if s.draining.Load() {
		return nil // Serve closed the listener
	}
	return fmt.Errorf("accept: %w", err)
}
