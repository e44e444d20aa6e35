package pipeline

import (
	"errors"
	"sync"
	"time"
)

// poller is the readiness stage: one goroutine that owns the armed
// connections assigned to it and hands each, once it is ready, to the stage
// that waits for it (input to parse, output to write). Where readiness comes
// from is its source (readiness, below): epoll on Linux, or the Go
// runtime's own network poller through one parked goroutine per connection
// (portable.go). Everything else — the table, the inbox, batching, the
// overflow list, deadlines and shutdown — is this file's, the same for
// both.
//
// An edge that reaches a busy connection is recorded in its state word for
// the owner to act on (conn.release). An idle keep-alive connection costs
// its table slot and its conn struct, plus what its source keeps for it
// (an epoll entry; or a goroutine, a runtime poller registration and a
// channel).
//
// The poller never blocks on a stage. What one wake-up finds travels as
// one batch per downstream queue; if that queue is full the batch waits on
// an overflow list, retried every millisecond, while the poller goes on
// taking events, enforcing deadlines and draining at shutdown. Connections
// on the overflow list are busy, so their further events are only
// recorded: backpressure reaches the clients as TCP flow control once
// their socket buffers fill.
//
// Every sweepInterval it sweeps its table: armed connections whose deadline
// has passed, idle ones while the server drains, and all armed ones once a
// shutdown is forced, go to the stage that ends them (the parse stage, or
// the write stage for a connection waiting to write).
type poller struct {
	s     *Server
	src   readiness
	table connTable

	// The inbox: connections other stages hand back to be read again, and
	// (portable source) readiness found by the connections' waiters. The
	// stage graph has no edge back into the parse queue, so that closing
	// the queues in pipeline order at shutdown is always safe; the poller
	// is that edge.
	mu         sync.Mutex
	inbox      []inboxItem
	woken      bool // src.wake has been called and the loop has not yet taken the inbox
	stopped    bool // run has returned: hand-backs close the connection instead
	forceSweep bool // sweep at the next wake: draining or forced began

	// Owned by the poller goroutine.
	toParse, toWrite *batch
	overflow         [2][]*batch // by queue: parse, write
	nextSweep        int64
	inboxTaken       []inboxItem
}

// inboxItem is a connection handed back (ev 0: busy, to be parsed again),
// or readiness a waiter found for it (ev: evIn, evOut, ...).
type inboxItem struct {
	c  *conn
	ev uint32
}

// readiness is a poller's source of readiness events. The stages never
// call it: they see only the poller (register, handBack) and the state
// word (conn.release, which wakes a connection's waiter under the portable
// source).
type readiness interface {
	// add watches c, busy and in the table, from now until it is closed.
	add(c *conn) error
	// wait parks until readiness, a wake or due (nanotime), passes each
	// readiness event it harvested to poller.event, and reports how many
	// there were and whether wake was called since the last wait.
	wait(due int64) (events int, woken bool, err error)
	// wake makes a parked wait return soon, woken.
	wake()
	// close releases the source; every connection is closed by then.
	close()
}

// Readiness events, as the sources report them: epoll's flag values (so
// the epoll source passes its events on untranslated; epoll_linux.go checks
// they agree); the portable source makes the same ones.
const (
	evIn    uint32 = 0x1    // input is waiting (EPOLLIN)
	evOut   uint32 = 0x4    // the socket takes output (EPOLLOUT)
	evErr   uint32 = 0x8    // the socket failed (EPOLLERR)
	evHup   uint32 = 0x10   // both directions are shut (EPOLLHUP)
	evRdHup uint32 = 0x2000 // the peer shut its sending side (EPOLLRDHUP)
)

// Poller kinds (Config.Poller).
const (
	// PollerEpoll is the Linux readiness stage: every connection
	// registered once with epoll, edge-triggered; an idle connection holds
	// no goroutine.
	PollerEpoll = "epoll"
	// PollerPortable works wherever Go runs: each connection has a
	// goroutine that waits in the Go runtime's network poller (epoll,
	// kqueue, IOCP) while the connection is armed.
	PollerPortable = "portable"
)

func newPoller(s *Server, capacity int) (*poller, error) {
	p := &poller{s: s, table: newConnTable(capacity)}
	var err error
	if p.src, err = newReadiness(p, s.cfg.Poller); err != nil {
		return nil, err
	}
	return p, nil
}

func (p *poller) close() {
	if p.src != nil {
		p.src.close()
	}
}

// register adds c (busy) to the table and to the poller's source. The
// registration is for good: it ends when the descriptor is closed.
func (p *poller) register(c *conn) error {
	if !p.table.put(c) {
		return errors.New("poller table full")
	}
	if err := p.src.add(c); err != nil {
		p.table.remove(c)
		return err
	}
	c.registered = true
	return nil
}

// handBack gives c, busy and owned by the caller, to the poller, which
// sends it to the parse stage: the caller knows input is waiting (an edge
// arrived while c was busy, or requests are buffered).
func (p *poller) handBack(c *conn) {
	if !p.post(c, 0) {
		p.s.closeConn(c)
	}
}

// post puts c, with the readiness ev (0: a hand-back), in the inbox and
// wakes the poller. It reports false once the poller has stopped.
func (p *poller) post(c *conn, ev uint32) bool {
	p.mu.Lock()
	if p.stopped {
		p.mu.Unlock()
		return false
	}
	p.inbox = append(p.inbox, inboxItem{c, ev})
	wake := !p.woken
	p.woken = true
	p.mu.Unlock()
	if wake {
		p.src.wake()
	}
	return true
}

// sweepSoon makes the poller sweep at its next wake-up, now (draining or
// forced began).
func (p *poller) sweepSoon() {
	p.mu.Lock()
	p.forceSweep = true
	wake := !p.woken
	p.woken = true
	p.mu.Unlock()
	if wake {
		p.src.wake()
	}
}

// stop makes run return soon; hand-backs after that close the connection.
func (p *poller) stop() {
	p.mu.Lock()
	p.stopped = true
	p.woken = true
	p.mu.Unlock()
	p.src.wake()
}

// run is the poller's loop. It returns nil once stop has been called, after
// closing every connection it owns.
func (p *poller) run() error {
	s := p.s
	p.toParse, p.toWrite = getBatch(), getBatch()
	p.nextSweep = nanotime() + int64(sweepInterval)
	for {
		due := p.nextSweep
		if len(p.overflow[0])+len(p.overflow[1]) > 0 {
			due = min(due, nanotime()+int64(time.Millisecond))
		}
		n, woken, err := p.src.wait(due)
		if err != nil {
			return err
		}
		now := nanotime()
		if woken {
			stopped, sweep, taken := p.takeInbox()
			if stopped {
				p.shutdown()
				return nil
			}
			if sweep {
				p.nextSweep = now
			}
			n += taken
		}
		if now >= p.nextSweep {
			p.sweep(now)
			p.nextSweep = now + int64(sweepInterval)
		}
		p.flush()
		s.stages[stagePoll].stats.shards[0].taken.Add(uint64(n))
	}
}

// event acts on the readiness flags ev reported for c. Each flag is read
// for what it says (invariant 10): input, the peer's hang-up and errors
// are input for whoever reads (who then reads to the end, flagHup);
// writability, hang-ups and errors are output for whoever writes.
func (p *poller) event(c *conn, ev uint32) {
	in := ev&(evIn|evRdHup|evHup|evErr) != 0
	out := ev&(evOut|evHup|evErr) != 0
	var hup uint32
	if ev&(evRdHup|evHup|evErr) != 0 {
		hup = flagHup
	}
	for {
		st := c.state.Load()
		switch st & whereMask {
		case whereReading, whereLingering:
			if !in {
				return // writable while waiting for input: nothing to do
			}
			if c.state.CompareAndSwap(st, whereBusy|hup|(st&flagHup)) {
				p.toParse = p.add(p.toParse, c, 0)
				return
			}
		case whereWriting:
			if out {
				if c.state.CompareAndSwap(st, whereBusy|hup|(st&(flagInput|flagHup))) {
					p.toWrite = p.add(p.toWrite, c, 1)
					return
				}
				continue
			}
			// Input while output is pending: read it once the output is
			// written (the batch still owns the read side).
			if want := st | flagInput | hup; want == st || c.state.CompareAndSwap(st, want) {
				return
			}
		case whereBusy:
			edge := hup
			if in {
				edge |= flagInput
			}
			if out {
				edge |= flagOutput
			}
			if st&edge == edge || c.state.CompareAndSwap(st, st|edge) {
				return
			}
		default:
			return // closed
		}
	}
}

// add appends c to the batch b for queue q (0 parse, 1 write), sending b
// on when it is full; it returns the batch to go on with.
func (p *poller) add(b *batch, c *conn, q int) *batch {
	b.conns = append(b.conns, c)
	if len(b.conns) < maxBatch {
		return b
	}
	p.send(b, q)
	return getBatch()
}

// flush sends the batches built since the last flush, and retries the
// overflow.
func (p *poller) flush() {
	for q := range p.overflow {
		p.retry(q)
	}
	if len(p.toParse.conns) > 0 {
		p.send(p.toParse, 0)
		p.toParse = getBatch()
	}
	if len(p.toWrite.conns) > 0 {
		p.send(p.toWrite, 1)
		p.toWrite = getBatch()
	}
}

func (p *poller) queue(q int) chan *batch {
	if q == 0 {
		return p.s.parseQ
	}
	return p.s.writeQ
}

// send offers b to queue q without waiting; a full queue puts it on the
// overflow list.
func (p *poller) send(b *batch, q int) {
	b.enq = p.s.now()
	if len(p.overflow[q]) == 0 {
		select {
		case p.queue(q) <- b:
			return
		default:
		}
	}
	p.overflow[q] = append(p.overflow[q], b)
	p.s.stages[stagePoll].stats.reasons[reasonOverflow].Add(1) // delayed, not shed
}

func (p *poller) retry(q int) {
	for len(p.overflow[q]) > 0 {
		select {
		case p.queue(q) <- p.overflow[q][0]:
			p.overflow[q][0] = nil
			p.overflow[q] = p.overflow[q][1:]
		default:
			return
		}
	}
}

// takeInbox moves the handed-back connections to the parse batch and acts
// on the readiness waiters posted. It reports whether the poller has been
// stopped, whether it should sweep now, and how many readiness events it
// took.
func (p *poller) takeInbox() (stopped, sweep bool, events int) {
	p.mu.Lock()
	p.inboxTaken, p.inbox = p.inbox, p.inboxTaken[:0]
	p.woken = false
	stopped, sweep = p.stopped, p.forceSweep
	p.forceSweep = false
	p.mu.Unlock()
	for i, it := range p.inboxTaken {
		if it.ev == 0 {
			p.toParse = p.add(p.toParse, it.c, 0)
		} else {
			p.event(it.c, it.ev)
			events++
		}
		p.inboxTaken[i] = inboxItem{}
	}
	return stopped, sweep, events
}

// sweep ends the connections whose deadline has passed (and the idle ones
// while draining, and all of them once shutdown is forced): the armed ones
// in the table and the ones waiting on the overflow list for a stuck stage
// alike, so a full queue never suspends a timeout (invariant 12).
func (p *poller) sweep(now int64) {
	draining, forced := p.s.closingIdle(now), p.s.forced.Load()
	p.table.each(func(c *conn) {
		st := c.state.Load()
		where := st & whereMask
		if where != whereReading && where != whereWriting && where != whereLingering {
			return
		}
		if (forced || c.deadline.Load() <= now || (draining && st&flagIdle != 0)) && c.take(st) {
			p.expire(c, where, now)
		}
	})
	for q := range p.overflow {
		for _, b := range p.overflow[q] {
			kept := b.conns[:0]
			for _, c := range b.conns {
				if forced || c.deadline.Load() <= now {
					p.expire(c, whereReading+uint32(q), now) // parse: it was reading; write: writing
				} else {
					kept = append(kept, c)
				}
			}
			clear(b.conns[len(kept):])
			b.conns = kept
		}
	}
}

// expire ends c, which the poller owns, where was where it waited. It
// does only what cannot wait for a stage that may be stuck, and nothing
// that blocks: a timed-out head or body is told 408, the socket is shut
// and left to linger (its reads, if the client sends more, are the parse
// stage's); anything else is closed, its flight released. A streamed
// upload's temp file is removed on the file pool, not here.
func (p *poller) expire(c *conn, where uint32, now int64) {
	s := p.s
	forced := s.forced.Load()
	fl := c.fl
	switch {
	case where == whereWriting:
		if !forced {
			s.stats.conns.timedOut.Add(1)
			s.stages[stageWrite].stats.shedFor(reasonWriteTimeout)
		}
		s.offloadSinks(c)
		s.closeConn(c)
	case c.lingering || fl == nil || forced:
		s.offloadSinks(c)
		s.closeConn(c)
	default:
		s.stats.conns.timedOut.Add(1)
		if fl.cur != nil {
			s.stages[stageParse].stats.shedFor(reasonBodyTimeout)
		} else {
			s.stages[stageParse].stats.shedFor(reasonHeaderTimeout)
		}
		sockSend(c.fd, timeoutResponse)
		s.offloadSinks(c)
		if s.startLinger(c, now) {
			p.toParse = p.add(p.toParse, c, 0) // input is waiting: drain it there
		}
	}
}

// shutdown closes every connection the poller owns: those waiting in
// batches and on the overflow list, and the armed ones in its table.
// Connections busy in the stages are theirs to close.
func (p *poller) shutdown() {
	s := p.s
	for _, b := range append(p.overflow[0], append(p.overflow[1], p.toParse, p.toWrite)...) {
		for _, c := range b.conns {
			s.closeConn(c)
		}
		putBatch(b)
	}
	p.overflow = [2][]*batch{}
	p.toParse, p.toWrite = nil, nil
	p.table.each(func(c *conn) {
		st := c.state.Load()
		switch st & whereMask {
		case whereReading, whereWriting, whereLingering:
			if c.take(st) {
				s.closeConn(c)
			}
		}
	})
}
