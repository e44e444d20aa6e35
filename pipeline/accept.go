package pipeline

import (
	"fmt"
	"time"

	"golang.org/x/sys/unix"
)

// acceptLoop is one accept worker. It waits for the listening socket (or the
// stop eventfd) with poll(2), accepts every pending connection, admits it
// against MaxConns and hands it to the parse stage.
//
// Queue behaviour: a new connection is offered to the parse queue without
// waiting, on the bet that its first request is already in flight; if the
// queue is full the connection is registered with its poller instead, so
// accepting never blocks and the kernel backlog never becomes a hidden queue.
// Past MaxConns a connection is answered 503 with Retry-After and closed.
func (s *Server) acceptLoop() error {
	fds := []unix.PollFd{
		{Fd: int32(s.lfd), Events: unix.POLLIN},
		{Fd: int32(s.stopfd), Events: unix.POLLIN},
	}
	next := 0 // round-robin over pollers
	for {
		fds[0].Revents, fds[1].Revents = 0, 0
		if _, err := unix.Poll(fds, -1); err != nil && err != unix.EINTR {
			return fmt.Errorf("accept: poll: %w", err)
		}
		if fds[1].Revents != 0 {
			return nil
		}
		for {
			fd, _, err := unix.Accept4(s.lfd, unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC)
			if err != nil {
				if err == unix.EAGAIN || s.draining.Load() {
					break
				}
				if retryableAccept(err) {
					continue
				}
				// Out of descriptors or memory: back off like net/http does
				// rather than spin; the connection waits in the backlog.
				s.log.Warn("accept failed; retrying", "err", err)
				s.stats.accept.shedFor(reasonAcceptError)
				time.Sleep(10 * time.Millisecond)
				break
			}
			s.stats.accept.shards[0].taken.Add(1)
			p := s.pollers[next%len(s.pollers)]
			next++
			if !s.admission.TryAcquire(1) {
				s.rejectAtDoor(fd, p)
				continue
			}
			unix.SetsockoptInt(fd, unix.IPPROTO_TCP, unix.TCP_NODELAY, 1)
			c := &conn{fd: fd, poller: p, admitted: true, state: stateBusy, enq: s.now()}
			s.conns.put(c)
			select {
			case s.parseQ <- c:
			default:
				s.arm(c, stateArmedRead, time.Now().Add(s.cfg.HeaderTimeout))
			}
		}
	}
}

func retryableAccept(err error) bool {
	return err == unix.EINTR || err == unix.ECONNABORTED || err == unix.EPROTO
}

// doorResponse answers a connection past MaxConns.
var doorResponse = []byte("HTTP/1.1 503 Service Unavailable\r\nRetry-After: 1\r\n" +
	"Content-Length: 0\r\nConnection: close\r\n\r\n")

// rejectAtDoor answers 503 and lingers briefly so the client reads it.
// Such connections do not count against MaxConns.
func (s *Server) rejectAtDoor(fd int, p *poller) {
	s.stats.accept.rejected.Add(1)
	s.stats.accept.reasons[reasonMaxConns].Add(1)
	unix.Write(fd, doorResponse)
	c := &conn{fd: fd, poller: p, state: stateBusy}
	s.conns.put(c)
	s.lingerClose(c)
}
