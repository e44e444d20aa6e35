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
// accepted into a spare (spare.go).
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
			st.stats.shards[0].taken.Add(1)
			spare := outOf != nil
			if spare {
				s.acceptFailures.note(s, outOf, !s.cfg.ServeSpare)
				if !s.cfg.ServeSpare {
					s.offer(b)
					b = getBatch()
					s.refuseSpare(fd)
					continue
				}
			}
			now := nanotime()
			c := &conn{fd: fd, poller: s.pollers[int(s.nextPoller.Add(1))%len(s.pollers)], born: now, spare: spare, peer: peer}
			s.openConns.Add(1)
			if !s.admission.TryAcquire(1) {
				s.rejectAtDoor(c, now)
				continue
			}
			c.admitted = true
			b.conns = append(b.conns, c)
			if len(b.conns) == maxBatch {
				s.offer(b)
				b = getBatch()
			}
		}
	})
	putBatch(b)
	if s.draining.Load() {
		return nil // Serve closed the listener
	}
	return fmt.Errorf("accept: %w", err)
}

// offer hands new connections to the parse stage without waiting; if its
// queue is full, they wait for their bytes in their pollers instead.
func (s *Server) offer(b *batch) {
	if len(b.conns) == 0 {
		putBatch(b)
		return
	}
	b.enq = s.now()
	select {
	case s.parseQ <- b:
		return
	default:
	}
	for _, c := range b.conns {
		if s.waitInput(c, c.born) {
			c.poller.handBack(c)
		}
	}
	putBatch(b)
}

// doorResponse answers a connection past MaxConns.
var doorResponse = []byte("HTTP/1.1 503 Service Unavailable\r\nRetry-After: 1\r\n" +
	"Content-Length: 0\r\nConnection: close\r\n\r\n")

// rejectAtDoor answers 503 and closes, lingering (within the lingering
// bounds) so the client reads the answer. Such connections do not count
// against MaxConns.
func (s *Server) rejectAtDoor(c *conn, now int64) {
	st := &s.stages[stageAccept].stats
	st.rejected.Add(1)
	st.reasons[reasonMaxConns].Add(1)
	sockSend(c.fd, doorResponse)
	s.lingerClose(c, now)
}
