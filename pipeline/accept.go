package pipeline

import (
	"net/netip"
	"sync"
	"time"
)

// admitNew makes the connection accepted on fd and adds it to the batch b
// of new connections for the parse stage (offering b when it is full), or
// answers it 503 at the door past MaxConns. It returns the batch to go on
// with.
func (s *Server) admitNew(b *batch, fd sockFD, peer *netip.AddrPort, spare bool, sys connOS) *batch {
	s.stages[stageAccept].stats.shards[0].taken.Add(1)
	now := nanotime()
	c := &conn{fd: fd, poller: s.pollers[int(s.nextPoller.Add(1))%len(s.pollers)], born: now, spare: spare, peer: peer, connOS: sys}
	s.openConns.Add(1)
	if !s.admission.TryAcquire(1) {
		s.rejectAtDoor(c, now)
		return b
	}
	c.admitted = true
	b.conns = append(b.conns, c)
	if len(b.conns) == maxBatch {
		s.offer(b)
		b = getBatch()
	}
	return b
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

// acceptFailures rate-limits the log of accept(2) failures to one line a
// second per server, with how many there were since the last line.
type acceptFailures struct {
	mu      sync.Mutex
	last    time.Time
	count   int
	refused int // of them, answered 503 from a spare
}

func (f *acceptFailures) note(s *Server, err error, refused bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.count++
	if refused {
		f.refused++
	}
	now := time.Now()
	if now.Sub(f.last) < time.Second {
		return
	}
	switch {
	case !outOfFDs(err):
		s.log.Warn("accept failed; retrying", "err", err, "count", f.count)
	case s.cfg.ServeSpare:
		s.log.Warn("accept: out of descriptors; serving from the spares", "err", err, "count", f.count)
	default:
		s.log.Warn("accept: out of descriptors; new connections answered 503", "err", err, "count", f.count, "refused", f.refused,
			"hint", "raise the descriptor limit (ulimit -n, LimitNOFILE=) or lower the connection limit")
	}
	f.last, f.count, f.refused = now, 0, 0
}
