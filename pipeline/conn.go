package pipeline

import (
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/sys/unix"

	"pipehttp/parser"
)

// connState says where a connection is. A connection is in exactly one place
// at a time, which is what lets the stages touch its read side without locks:
//
//	armedRead   registered with the poller for readability; no worker holds it
//	armedWrite  registered for writability after a short write; no worker holds it
//	armedLinger closing: our side is shut, unread input is being drained
//	armedReparse registered for writability only to get back to the parse
//	            stage through the poller (see resume)
//	busy        owned by the stages (parse, or a batch in route/file/write)
//	closed      the descriptor is closed; the struct is garbage
type connState uint8

const (
	stateBusy connState = iota
	stateArmedRead
	stateArmedWrite
	stateArmedLinger
	stateArmedReparse
	stateClosed
)

// conn is one accepted TCP connection. An idle keep-alive connection is just
// this struct (plus its slot in the table and the kernel's epoll entry): no
// goroutine, no buffer. Everything a request in flight needs lives in the
// flight, borrowed from a pool while there is one.
type conn struct {
	fd     int
	poller *poller

	mu         sync.Mutex
	state      connState // guarded by mu
	registered bool      // added to the poller's epoll set; guarded by mu
	// deadline (unix nanoseconds) is when the sweeper closes an armed
	// connection; guarded by mu.
	deadline int64

	// writeQueued and writing keep one write worker per connection
	// (guarded by mu).
	writeQueued bool
	writing     bool

	// dead means the peer is gone or too slow: the rest of the batch is
	// discarded and the connection closed once the batch is accounted for.
	dead atomic.Bool

	// enq is when the connection was put on the queue it is on now (parse,
	// route or write), in nanotime; 0 with timing off. Written by the sender
	// before the send, read by the worker that receives it.
	enq int64

	// admitted connections hold a MaxConns slot until closed; connections
	// turned away at the door do not.
	admitted bool

	// fl is the request traffic in flight; nil while idle. The parse stage
	// owns its read side; mu guards the per-job done flags and written.
	fl *flight
}

// flight is a connection's in-flight state, borrowed from flightPool when the
// first byte of a request arrives and returned once the connection is idle
// again with nothing buffered.
type flight struct {
	buf    []byte // received bytes; buf[off:] is not yet consumed
	off    int
	parser parser.Parser
	cur    *job      // request whose head is parsed but whose body is still arriving
	jobs   []*job    // the current batch, in request order
	head   time.Time // when the first byte of the current partial request arrived

	sent       int  // jobs[:sent] are handed to out (guarded by conn.mu)
	closeAfter bool // close once the batch is answered (no keep-alive, error, EOF)
	eof        bool // the peer shut its write side
	reparse    bool // buf may hold complete requests: parse again before reading

	out pendingOutput // bytes accepted for writing but not yet taken by the kernel

	observed int // jobs[:observed] are written and counted (write stage only; see written)
}

var flightPool = sync.Pool{New: func() any {
	return &flight{buf: make([]byte, 0, readBufSize)}
}}

func getFlight() *flight {
	fl := flightPool.Get().(*flight)
	if cap(fl.buf) != readBufSize {
		fl.buf = make([]byte, 0, readBufSize)
	}
	return fl
}

// connTable maps descriptors to connections, so an epoll event (which can
// carry an fd but not a Go pointer) finds its conn. Descriptors are small
// dense integers, so a slice indexed by fd is the cheapest map.
type connTable struct {
	mu    sync.RWMutex
	conns []*conn
	open  atomic.Int64
}

func (t *connTable) get(fd int) *conn {
	t.mu.RLock()
	defer t.mu.RUnlock()
	if fd < 0 || fd >= len(t.conns) {
		return nil
	}
	return t.conns[fd]
}

func (t *connTable) put(c *conn) {
	t.mu.Lock()
	if c.fd >= len(t.conns) {
		n := max(2*len(t.conns), c.fd+1, 1024)
		grown := make([]*conn, n)
		copy(grown, t.conns)
		t.conns = grown
	}
	t.conns[c.fd] = c
	t.mu.Unlock()
	t.open.Add(1)
}

func (t *connTable) remove(c *conn) {
	t.mu.Lock()
	if c.fd < len(t.conns) && t.conns[c.fd] == c {
		t.conns[c.fd] = nil
	}
	t.mu.Unlock()
	t.open.Add(-1)
}

// each calls f for every open connection. f must not call put or remove.
func (t *connTable) each(f func(*conn)) {
	t.mu.RLock()
	defer t.mu.RUnlock()
	for _, c := range t.conns {
		if c != nil {
			f(c)
		}
	}
}

// arm registers c with its poller for the given state (armedRead,
// armedWrite or armedLinger) with a deadline, handing c back to the poller.
// The caller must own c (it is busy) and must not touch it afterwards.
func (s *Server) arm(c *conn, st connState, deadline time.Time) {
	c.mu.Lock()
	if c.state == stateClosed {
		c.mu.Unlock()
		return
	}
	c.state = st
	c.deadline = deadline.UnixNano()
	err := c.poller.arm(c, st)
	c.mu.Unlock()
	if err != nil {
		s.closeConn(c)
	}
}

// closeConn closes c's descriptor and forgets it. The caller must own c: it
// is busy with no batch outstanding, or armed and being handled by its
// poller.
func (s *Server) closeConn(c *conn) {
	c.mu.Lock()
	if c.state == stateClosed {
		c.mu.Unlock()
		return
	}
	c.state = stateClosed
	fl := c.fl
	c.fl = nil
	c.mu.Unlock()
	if fl != nil {
		s.releaseFlight(fl)
	}
	// Remove from the table before closing, so the descriptor number cannot
	// be reused by accept while the table still points here.
	s.conns.remove(c)
	unix.Close(c.fd)
	if c.admitted {
		s.admission.Release(1)
	}
	s.stats.conns.closed.Add(1)
}

// lingerClose shuts our side of c and drains what the client still sends
// for a short time before closing: closing a socket with unread input makes
// the kernel send RST, which can destroy the response we just wrote before
// the client reads it (nginx's lingering_close).
func (s *Server) lingerClose(c *conn) {
	unix.Shutdown(c.fd, unix.SHUT_WR)
	if fl := c.fl; fl != nil {
		c.mu.Lock()
		c.fl = nil
		c.mu.Unlock()
		s.releaseFlight(fl)
	}
	s.arm(c, stateArmedLinger, time.Now().Add(lingerTimeout))
}

// drainLinger reads and discards input on a lingering connection; it
// reports whether the connection can be closed now.
func drainLinger(fd int) bool {
	var scratch [512]byte
	for range 64 {
		n, err := unix.Read(fd, scratch[:])
		switch {
		case err == unix.EAGAIN:
			return false
		case err == unix.EINTR:
			continue
		case err != nil || n == 0:
			return true
		}
	}
	return false // a firehose: let the deadline end it
}

func (s *Server) releaseFlight(fl *flight) {
	for _, j := range fl.jobs {
		s.releaseJob(j)
	}
	// A streamed request is both the batch's last job and fl.cur: release
	// it once.
	if fl.cur != nil && (len(fl.jobs) == 0 || fl.jobs[len(fl.jobs)-1] != fl.cur) {
		s.releaseJob(fl.cur)
	}
	clear(fl.jobs[:cap(fl.jobs)])
	*fl = flight{buf: fl.buf[:0], jobs: fl.jobs[:0], out: fl.out.reuse()}
	flightPool.Put(fl)
}
