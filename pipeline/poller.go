package pipeline

import (
	"errors"
	"fmt"
	"os"
	"sync"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// poller is the readiness stage: one goroutine and one epoll set over the
// connections assigned to it. Each connection is registered once,
// edge-triggered, for input, output and the peer's hang-up; an edge hands an
// armed connection to the stage that waits for it (input to parse, output
// to write) or, if the connection is busy, is recorded in its state word for
// the owner to act on (conn.release). An idle keep-alive connection costs
// its table slot, its epoll entry and its conn struct, nothing more.
//
// The poller never blocks on a stage. What one harvest of epoll_wait finds
// travels as one batch per downstream queue; if that queue is full the
// batch waits on an overflow list, retried every millisecond, while the
// poller goes on taking events, enforcing deadlines and draining at
// shutdown. Connections on the overflow list are busy, so their further
// events are only recorded: backpressure reaches the clients as TCP flow
// control once their socket buffers fill.
//
// Waiting costs no thread: the epoll descriptor itself is watched by the Go
// runtime's network poller, so the goroutine parks (like a blocked
// net.Conn read) until the set has events, a stage hands a connection back
// (the wake eventfd), or the next sweep is due.
//
// Every sweepInterval it sweeps its table: armed connections whose deadline
// has passed, idle ones while the server drains, and all armed ones once a
// shutdown is forced, go to the stage that ends them (the parse stage, or
// the write stage for a connection waiting to write).
type poller struct {
	s      *Server
	epfd   int      // owned by file once that is set
	file   *os.File // epfd, for the runtime's poller
	raw    syscall.RawConn
	wakefd int
	table  connTable
	events []unix.EpollEvent

	// The inbox: connections other stages hand back to be read again. The
	// stage graph has no edge back into the parse queue, so that closing
	// the queues in pipeline order at shutdown is always safe; the poller
	// is that edge.
	mu         sync.Mutex
	inbox      []*conn
	woken      bool // the eventfd has been written and not yet read
	stopped    bool // run has returned: hand-backs close the connection instead
	forceSweep bool // sweep at the next wake: draining or forced began

	// Owned by the poller goroutine.
	toParse, toWrite *batch
	overflow         [2][]*batch // by queue: parse, write
	deadlineSet      int64       // the read deadline set on file, nanotime
	nextSweep        int64
	inboxTaken       []*conn
	harvestFunc      func(uintptr) bool
	harvested        int
	harvestErr       error
}

// wakeSlot is the slot in the wake eventfd's epoll_data (Fd: -1).
const wakeSlot = ^uint32(0)

// eventfdOne is what is written to an eventfd to wake its reader.
var eventfdOne = [8]byte{1}

func newPoller(s *Server, capacity int) (*poller, error) {
	epfd, err := unix.EpollCreate1(unix.EPOLL_CLOEXEC)
	if err != nil {
		return nil, fmt.Errorf("epoll_create1: %w", err)
	}
	p := &poller{s: s, epfd: epfd, wakefd: -1, table: newConnTable(capacity), events: make([]unix.EpollEvent, 128)}
	fail := func(what string, err error) (*poller, error) {
		p.close()
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	if err := unix.SetNonblock(epfd, true); err != nil {
		return fail("epoll set non-blocking", err)
	}
	p.wakefd, err = unix.Eventfd(0, unix.EFD_NONBLOCK|unix.EFD_CLOEXEC)
	if err != nil {
		return fail("eventfd", err)
	}
	ev := unix.EpollEvent{Events: unix.EPOLLIN, Fd: -1}
	if err := unix.EpollCtl(epfd, unix.EPOLL_CTL_ADD, p.wakefd, &ev); err != nil {
		return fail("epoll_ctl wake", err)
	}
	// os.NewFile sees a non-blocking descriptor and registers it with the
	// runtime's poller; the File owns epfd from here on.
	p.harvestFunc = p.harvest
	p.file = os.NewFile(uintptr(epfd), "epoll")
	if p.raw, err = p.file.SyscallConn(); err != nil {
		return fail("epoll descriptor", err)
	}
	return p, nil
}

func (p *poller) close() {
	if p.file != nil {
		p.file.Close()
	} else if p.epfd >= 0 {
		unix.Close(p.epfd)
	}
	if p.wakefd >= 0 {
		unix.Close(p.wakefd)
	}
}

// register adds c (busy) to the table and the epoll set. The
// registration is for good: it ends when the descriptor is closed.
func (p *poller) register(c *conn) error {
	if !p.table.put(c) {
		return errors.New("poller table full")
	}
	ev := unix.EpollEvent{
		Events: unix.EPOLLIN | unix.EPOLLOUT | unix.EPOLLRDHUP | unix.EPOLLET,
		Fd:     int32(c.slot),
		Pad:    int32(c.gen),
	}
	if err := sysEpollAdd(p.epfd, c.fd, &ev); err != nil {
		p.table.remove(c)
		return fmt.Errorf("epoll_ctl: %w", err)
	}
	c.registered = true
	return nil
}

// handBack gives c, busy and owned by the caller, to the poller, which
// sends it to the parse stage: the caller knows input is waiting (an edge
// arrived while c was busy, or requests are buffered).
func (p *poller) handBack(c *conn) {
	p.mu.Lock()
	if p.stopped {
		p.mu.Unlock()
		p.s.closeConn(c)
		return
	}
	p.inbox = append(p.inbox, c)
	wake := !p.woken
	p.woken = true
	p.mu.Unlock()
	if wake {
		p.wake()
	}
}

func (p *poller) wake() {
	sysWrite(p.wakefd, eventfdOne[:])
}

// stop makes run return soon; hand-backs after that close the connection.
func (p *poller) stop() {
	p.mu.Lock()
	p.stopped = true
	p.woken = true
	p.mu.Unlock()
	p.wake()
}

// run is the poller's loop. It returns nil once stop has been called, after
// closing every connection it owns.
func (p *poller) run() error {
	s := p.s
	p.toParse, p.toWrite = getBatch(), getBatch()
	p.nextSweep = nanotime() + int64(sweepInterval)
	for {
		n, err := p.wait()
		if err != nil {
			return fmt.Errorf("epoll_wait: %w", err)
		}
		now := nanotime()
		for i := range n {
			ev := &p.events[i]
			if uint32(ev.Fd) == wakeSlot {
				stopped, sweep := p.takeInbox()
				if stopped {
					p.shutdown()
					return nil
				}
				if sweep {
					p.nextSweep = now
				}
				continue
			}
			if c := p.table.get(uint32(ev.Fd), uint32(ev.Pad)); c != nil {
				p.event(c, ev.Events)
			}
		}
		if now >= p.nextSweep {
			p.sweep(now)
			p.nextSweep = now + int64(sweepInterval)
		}
		p.flush()
		s.stages[stagePoll].stats.shards[0].taken.Add(uint64(n))
	}
}

// wait returns the events epoll has ready, parking in the runtime's poller
// until there are some or the next sweep (or overflow retry) is due.
func (p *poller) wait() (int, error) {
	due := p.nextSweep
	if len(p.overflow[0])+len(p.overflow[1]) > 0 {
		due = min(due, nanotime()+int64(time.Millisecond))
	}
	if due != p.deadlineSet {
		p.file.SetReadDeadline(epoch.Add(time.Duration(due)))
		p.deadlineSet = due
	}
	p.harvested, p.harvestErr = 0, nil
	err := p.raw.Read(p.harvestFunc)
	switch {
	case p.harvestErr != nil:
		return 0, p.harvestErr
	case errors.Is(err, os.ErrDeadlineExceeded):
		return 0, nil
	}
	return p.harvested, err
}

// harvest is the callback of wait's RawConn.Read: it takes what epoll has
// ready without waiting, and reports whether there was anything (or an
// error), which ends the wait. It is kept as a func value made once
// (harvestFunc): a closure made per wait would be an allocation per wake.
func (p *poller) harvest(epfd uintptr) bool {
	for {
		p.harvested, p.harvestErr = sysEpollWait(int(epfd), p.events)
		if p.harvestErr != unix.EINTR {
			break
		}
	}
	return p.harvested > 0 || p.harvestErr != nil
}

// event acts on the readiness flags ev reported for c. Each flag is read
// for what it says (invariant 10): input, the peer's hang-up and errors
// are input for whoever reads (who then reads to the end, flagHup);
// writability, hang-ups and errors are output for whoever writes.
func (p *poller) event(c *conn, ev uint32) {
	in := ev&(unix.EPOLLIN|unix.EPOLLRDHUP|unix.EPOLLHUP|unix.EPOLLERR) != 0
	out := ev&(unix.EPOLLOUT|unix.EPOLLHUP|unix.EPOLLERR) != 0
	var hup uint32
	if ev&(unix.EPOLLRDHUP|unix.EPOLLHUP|unix.EPOLLERR) != 0 {
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

// takeInbox moves the handed-back connections to the parse batch. It
// reports whether the poller has been stopped, and whether it should sweep
// now.
func (p *poller) takeInbox() (stopped, sweep bool) {
	var scratch [8]byte
	sysRead(p.wakefd, scratch[:])
	p.mu.Lock()
	p.inboxTaken, p.inbox = p.inbox, p.inboxTaken[:0]
	p.woken = false
	stopped, sweep = p.stopped, p.forceSweep
	p.forceSweep = false
	p.mu.Unlock()
	for i, c := range p.inboxTaken {
		p.toParse = p.add(p.toParse, c, 0)
		p.inboxTaken[i] = nil
	}
	return stopped, sweep
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
