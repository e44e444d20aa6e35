package pipeline

import (
	"net/netip"
	"sync"
	"sync/atomic"

	"pipehttp/parser"
)

// A connection's state word says who owns it. The low bits say where it
// is; the flags above them record readiness edges that arrived while it
// was busy, so that none is lost (registrations are edge-triggered: the
// kernel reports each edge once).
//
//	busy       owned by the stages: being read by a parse worker, or held
//	           by its batch in route, file or write, or being dispatched by
//	           its poller. Whoever owns it may touch its flight.
//	reading    armed: its poller owns it until input arrives or its
//	           deadline passes (idle between requests, or waiting for the
//	           rest of a head or body)
//	writing    armed: a write was short; its poller owns it until the
//	           socket takes more output or the deadline passes
//	lingering  armed: we are closing it and drain what the client still
//	           sends (linger.go)
//	closed     the descriptor is closed; the struct is garbage
//
// Only the owner moves a connection out of busy (release); only the poller
// moves it into busy (take), with one compare-and-swap either way.
const (
	whereBusy uint32 = iota
	whereReading
	whereWriting
	whereLingering
	whereClosed
	whereMask uint32 = 7

	// flagInput: input (or the peer's end of stream, or an error) arrived
	// while the connection was busy or armed for writing.
	flagInput uint32 = 1 << 3
	// flagOutput: the socket became writable while the connection was busy.
	flagOutput uint32 = 1 << 4
	// flagIdle: armed for reading between requests, holding no flight.
	flagIdle uint32 = 1 << 5
	// flagHup: the peer has shut its side, reset, or the socket failed
	// (EPOLLRDHUP, EPOLLHUP, EPOLLERR). It stays set.
	flagHup uint32 = 1 << 6
)

// conn is one accepted TCP connection. An idle keep-alive connection is just
// this struct, a slot in its poller's table and what its poller's source
// keeps for it (the kernel's epoll entry; or, portable, a waiter): no
// buffer. Everything a request in flight needs lives in the flight,
// borrowed from a pool while there is one.
type conn struct {
	fd     sockFD
	poller *poller
	// w is the connection's waiter under the portable poller (nil with
	// epoll): release wakes it once the connection is armed.
	w     *waiter
	state atomic.Uint32
	// deadline is when the poller expires the armed connection, in
	// nanotime. The owner sets it before releasing the connection.
	deadline atomic.Int64

	// slot and gen name the connection in its poller's table and in its
	// epoll registration (epoll_data), so an event left over from a closed
	// connection never reaches the one that reused the slot.
	slot, gen uint32

	// Owner-only fields: read and written by whoever owns the connection.
	registered bool // in its poller's table and source (epoll set, or a waiter)
	admitted   bool // holds a MaxConns slot until closed (not a door reject)
	lingering  bool // being closed (linger.go)
	spare      bool // accepted into a spare descriptor: put the spare back when closed (spare_unix.go)
	lingerLeft int  // bytes a lingering connection may still send us
	// wrote and nodelay: Nagle's algorithm is turned off before the
	// connection's second write, not at accept. A first write never waits
	// for it (nothing is unacknowledged yet), so a connection that sends
	// one response and closes saves the setsockopt, as nginx does.
	wrote, nodelay bool
	born           int64 // nanotime of accept: a silent new connection gets HeaderTimeout from here
	fl             *flight
	peer           *netip.AddrPort // the client's address, kept only for the access log (acceptFD)
	connOS                         // what the system needs besides fd (conn_windows.go)

	// dead means the peer is gone, too slow, or a pipeline panic hit the
	// connection: the rest of its batch is discarded and the connection
	// closed once the batch is accounted for. Any stage may set it.
	dead atomic.Bool
}

// take moves c from the armed state s to busy, keeping a recorded input
// edge and hang-up. It reports false if the state changed under it.
func (c *conn) take(s uint32) bool {
	return c.state.CompareAndSwap(s, whereBusy|(s&(flagInput|flagHup)))
}

// hungUp reports whether the peer has hung up (flagHup).
func (c *conn) hungUp() bool { return c.state.Load()&flagHup != 0 }

// release hands c, busy, to its poller, armed as where (reading, writing
// or lingering) until deadline, unless an edge that matters to that wait
// arrived while c was busy: then it consumes the edge and reports true,
// and the caller still owns c and must act on it (read again, write
// again). idle marks a connection armed between requests (for Stats and
// draining).
func (c *conn) release(where uint32, deadline int64, idle bool) (kept bool) {
	c.deadline.Store(deadline)
	edge := flagInput
	if where == whereWriting {
		edge = flagOutput
	}
	next := where
	if idle {
		next |= flagIdle
	}
	for {
		s := c.state.Load()
		if s&edge != 0 {
			if c.state.CompareAndSwap(s, s&^edge) {
				return true
			}
			continue
		}
		// An input edge recorded while writing stays recorded: it is acted
		// on once the output is written and the connection reads again.
		if c.state.CompareAndSwap(s, next|(s&(flagInput|flagHup))) {
			if c.w != nil {
				c.w.arm() // portable: its waiter waits for the socket now
			}
			return false
		}
	}
}

// clearEdge forgets a recorded edge before the owner reads (flagInput) or
// writes (flagOutput) until EAGAIN: whatever arrives after that sets it
// again.
func (c *conn) clearEdge(flag uint32) {
	if c.state.Load()&flag != 0 {
		c.state.And(^flag)
	}
}

// pendingInput reports whether input arrived since the owner last read.
func (c *conn) pendingInput() bool { return c.state.Load()&flagInput != 0 }

// flight is a connection's in-flight state, borrowed from flightPool when the
// first byte of a request arrives and returned once the connection is idle
// again with nothing buffered.
type flight struct {
	buf    []byte // received bytes; buf[off:] is not yet consumed
	off    int
	parser parser.Parser
	cur    *job   // request whose head is parsed but whose body is still arriving
	jobs   []*job // the current batch, in request order
	// spareJobs are jobs of earlier batches, kept for the next ones
	// (newJob), with the flight when it is pooled.
	spareJobs []*job

	// Deadlines (nanotime): headStart is when the first byte of the head
	// being received arrived (0: none yet); body* track the body being
	// received, out* the batch's output, for the progress and rate rules
	// of Config.MinRate.
	headStart    int64
	bodyStart    int64
	bodyMoved    int64
	bodyProgress int64

	// pending counts the batch's file jobs not yet answered (the route
	// stage sets it before handing the first over): the one that brings it
	// to zero hands the connection to the write stage.
	pending atomic.Int32

	closeAfter bool // close once the batch is answered (no keep-alive, error)
	eof        bool // the peer shut its write side (or reset)
	reparse    bool // buf may hold complete requests: parse again before reading
	unread     bool // a body was refused unread: close with a lingering close

	// Stream state (stream.go): buf[dec0:dec1] is decoded body not yet
	// given to the sink; buf[off:] is still raw. streamBuf says buf is a
	// pooled stream buffer, spare is the small buffer it replaced.
	dec0, dec1 int
	streamBuf  bool
	spare      []byte

	out         pendingOutput // bytes accepted for writing but not yet taken by the kernel
	sent        int           // jobs[:sent] are serialized into out
	observed    int           // jobs[:observed] are written and counted (see written)
	outStart    int64
	outMoved    int64
	outProgress int64
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

func (s *Server) releaseFlight(fl *flight) {
	for _, j := range fl.jobs {
		s.keepJob(fl, j)
	}
	// A streamed request is both the batch's last job and fl.cur: release
	// it once.
	if fl.cur != nil && (len(fl.jobs) == 0 || fl.jobs[len(fl.jobs)-1] != fl.cur) {
		s.keepJob(fl, fl.cur)
	}
	if fl.streamBuf {
		fl.giveStreamBuf(fl.spare)
	}
	clear(fl.jobs[:cap(fl.jobs)])
	buf := fl.buf[:0]
	if cap(buf) != readBufSize {
		buf = nil // a grown head buffer: not kept
	}
	*fl = flight{buf: buf, jobs: fl.jobs[:0], spareJobs: fl.spareJobs, out: fl.out.reuse()}
	flightPool.Put(fl)
}

// compact drops the consumed bytes at the front of the buffer. Only call
// it when nothing aliases the buffer: the batch is empty, or the only
// request is a streamed one, whose head is detached.
func (fl *flight) compact() {
	if fl.off > 0 {
		n := copy(fl.buf, fl.buf[fl.off:])
		fl.buf, fl.off = fl.buf[:n], 0
	}
}

// closeConn closes c's descriptor and forgets it. The caller owns c.
func (s *Server) closeConn(c *conn) {
	if c.state.Swap(whereClosed) == whereClosed {
		return
	}
	if fl := c.fl; fl != nil {
		c.fl = nil
		s.releaseFlight(fl)
	}
	if c.registered {
		// Out of the table before the descriptor is closed, so the number
		// cannot be reused by accept while the table still points here.
		c.poller.table.remove(c)
		c.registered = false
	}
	if c.w != nil {
		c.w.close() // the descriptor, through the runtime poller's handle on it
	} else {
		c.closeSocket()
	}
	if c.spare {
		s.spares.restore()
	}
	if c.lingering {
		s.lingering.Add(-1)
	}
	if c.admitted {
		s.admission.Release(1)
	}
	s.openConns.Add(-1)
	s.stats.conns.closed.Add(1)
}
