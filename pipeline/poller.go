package pipeline

import (
	"fmt"
	"sync/atomic"
	"time"

	"golang.org/x/sys/unix"
)

// poller is the readiness stage: one goroutine blocked in epoll_wait over
// the connections assigned to it. Every registration is EPOLLONESHOT, so an
// event hands the connection to exactly one stage and the kernel keeps
// quiet about it until a stage arms it again. An idle keep-alive connection
// therefore costs an epoll entry and its conn struct, nothing more.
//
// The poller also enforces every timeout: each sweepInterval it closes the
// armed connections whose deadline has passed (idle, header, body, write,
// linger), and, while the server drains, the idle ones.
//
// Queue behaviour: a readable connection is sent to the parse queue and the
// poller blocks while that queue is full, which leaves further input in the
// kernel's socket buffers: backpressure reaches the clients as TCP flow
// control. Writable connections go to the write queue the same way.
type poller struct {
	s        *Server
	epfd     int
	wakefd   int // eventfd: wakes epoll_wait for shutdown
	stopping atomic.Bool
	events   []unix.EpollEvent
	expired  []*conn
}

func newPoller(s *Server) (*poller, error) {
	epfd, err := unix.EpollCreate1(unix.EPOLL_CLOEXEC)
	if err != nil {
		return nil, fmt.Errorf("epoll_create1: %w", err)
	}
	wakefd, err := unix.Eventfd(0, unix.EFD_NONBLOCK|unix.EFD_CLOEXEC)
	if err != nil {
		unix.Close(epfd)
		return nil, fmt.Errorf("eventfd: %w", err)
	}
	ev := unix.EpollEvent{Events: unix.EPOLLIN, Fd: int32(wakefd)}
	if err := unix.EpollCtl(epfd, unix.EPOLL_CTL_ADD, wakefd, &ev); err != nil {
		unix.Close(epfd)
		unix.Close(wakefd)
		return nil, fmt.Errorf("epoll_ctl wake: %w", err)
	}
	return &poller{s: s, epfd: epfd, wakefd: wakefd, events: make([]unix.EpollEvent, 256)}, nil
}

// arm registers c's interest for st. The caller holds c.mu.
func (p *poller) arm(c *conn, st connState) error {
	ev := unix.EpollEvent{Fd: int32(c.fd), Events: unix.EPOLLONESHOT | unix.EPOLLRDHUP}
	if st == stateArmedWrite || st == stateArmedReparse {
		ev.Events |= unix.EPOLLOUT
	} else {
		ev.Events |= unix.EPOLLIN
	}
	op := unix.EPOLL_CTL_MOD
	if !c.registered {
		op = unix.EPOLL_CTL_ADD
	}
	if err := unix.EpollCtl(p.epfd, op, c.fd, &ev); err != nil {
		return fmt.Errorf("epoll_ctl: %w", err)
	}
	c.registered = true
	return nil
}

func (p *poller) wakeup() {
	unix.Write(p.wakefd, []byte{1, 0, 0, 0, 0, 0, 0, 0})
}

func (p *poller) close() {
	unix.Close(p.epfd)
	unix.Close(p.wakefd)
}

// run is the poller's loop; it returns nil once stopping is set.
func (p *poller) run() error {
	lastSweep := time.Now()
	for {
		n, err := unix.EpollWait(p.epfd, p.events, int(sweepInterval/time.Millisecond))
		if err != nil && err != unix.EINTR {
			return fmt.Errorf("epoll_wait: %w", err)
		}
		if p.stopping.Load() {
			return nil
		}
		for i := range n {
			ev := p.events[i]
			if int(ev.Fd) == p.wakefd {
				var scratch [8]byte
				unix.Read(p.wakefd, scratch[:])
				lastSweep = time.Time{} // sweep now: shutdown state changed
				continue
			}
			if c := p.s.conns.get(int(ev.Fd)); c != nil && c.poller == p {
				p.dispatch(c)
			}
		}
		if now := time.Now(); now.Sub(lastSweep) >= sweepInterval {
			p.sweep(now)
			lastSweep = now
		}
	}
}

// dispatch hands a connection whose armed interest fired to its stage.
func (p *poller) dispatch(c *conn) {
	s := p.s
	c.mu.Lock()
	st := c.state
	if st == stateArmedRead || st == stateArmedWrite || st == stateArmedReparse {
		c.state = stateBusy
	}
	c.mu.Unlock()
	switch st {
	case stateArmedRead, stateArmedReparse:
		c.enq = s.now()
		s.parseQ <- c
	case stateArmedWrite:
		c.enq = s.now()
		s.writeQ <- c
	case stateArmedLinger:
		if drainLinger(c.fd) {
			s.closeConn(c)
			return
		}
		c.mu.Lock()
		if err := p.arm(c, stateArmedLinger); err != nil {
			c.mu.Unlock()
			s.closeConn(c)
			return
		}
		c.mu.Unlock()
	}
}

// sweep closes this poller's armed connections whose deadline has passed,
// and idle ones when the server is draining. A write-blocked connection
// still has a batch in flight, so it goes to the write stage marked dead,
// which discards the rest of the batch and then closes it.
func (p *poller) sweep(now time.Time) {
	s := p.s
	deadline := now.UnixNano()
	draining, forced := s.draining.Load(), s.forced.Load()
	p.expired = p.expired[:0]
	s.conns.each(func(c *conn) {
		if c.poller != p {
			return
		}
		c.mu.Lock()
		switch c.state {
		case stateArmedRead, stateArmedLinger, stateArmedReparse:
			idle := c.fl == nil
			if c.deadline <= deadline || forced || (draining && idle) {
				p.expired = append(p.expired, c)
			}
		case stateArmedWrite:
			if c.deadline <= deadline || forced {
				p.expired = append(p.expired, c)
			}
		}
		c.mu.Unlock()
	})
	for _, c := range p.expired {
		c.mu.Lock()
		st := c.state
		if st == stateArmedWrite {
			c.state = stateBusy
			c.dead.Store(true)
		}
		c.mu.Unlock()
		switch st {
		case stateArmedWrite:
			s.stats.conns.timedOut.Add(1)
			s.stats.write.shedFor(reasonWriteTimeout)
			c.enq = s.now()
			s.writeQ <- c
		case stateArmedRead:
			if c.fl != nil && !forced {
				s.timeOut(c)
			} else {
				s.closeConn(c)
			}
		default:
			s.closeConn(c)
		}
	}
	clear(p.expired)
}

var timeoutResponse = []byte("HTTP/1.1 408 Request Timeout\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")

// timeOut ends a connection whose request did not arrive in time: it tells
// the client why (408) and closes. The caller owns c.
func (s *Server) timeOut(c *conn) {
	s.stats.conns.timedOut.Add(1)
	if c.fl != nil && c.fl.cur != nil {
		s.stats.parse.shedFor(reasonBodyTimeout)
	} else {
		s.stats.parse.shedFor(reasonHeaderTimeout)
	}
	unix.Write(c.fd, timeoutResponse)
	s.closeConn(c)
}
