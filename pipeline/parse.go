package pipeline

import (
	"errors"
	"syscall"

	"pipehttp/parser"
)

// parseWorker is one worker of the parse stage. It takes batches of
// connections with bytes waiting (from the poller or straight from
// accept), reads what each has without blocking, parses up to
// MaxPipelined complete requests into the connection's batch, and sends the
// connections that have one on to the route stage, together. Then a
// connection belongs to its batch: nobody reads from it again until every
// response of the batch is written, which is what keeps responses in
// request order with no bookkeeping on the read side.
//
// Connections that are closing (linger.go) are drained here, off the
// poller's goroutine.
//
// Queue behaviour: sending a batch on blocks while the route queue is full;
// the parse queue then fills and the poller keeps batches on its overflow
// list.
func (s *Server) parseWorker(id int) {
	st := &s.stages[stageParse]
	sh := st.stats.shard(id)
	for b := range s.parseQ {
		if b != nil { // nil is a wake-up from Resize
			now := s.took(sh, b)
			out := getBatch()
			for _, c := range b.conns {
				if s.parseConn(c, now, out) && len(out.conns) == maxBatch {
					s.sendOn(s.routeQ, out)
					out = getBatch()
				}
			}
			s.finished(sh, now, len(b.conns))
			putBatch(b)
			s.sendOn(s.routeQ, out)
		}
		if st.retire() {
			return
		}
	}
	st.live.Add(-1)
}

// action is what the parse stage does with a connection once it has read
// and parsed what there was.
type action uint8

const (
	actRoute  action = iota // it has a batch: on to the route stage
	actWait                 // wait for more input in the poller
	actClose                // close it now
	actLinger               // close it, draining what the client still sends
	actGone                 // handed on elsewhere (a streamed body to the file pool)
)

// parseConn reads and parses c and does what that calls for; it reports
// whether c was added to out.
func (s *Server) parseConn(c *conn, now int64, out *batch) bool {
	for {
		switch s.parseStep(c, now) {
		case actRoute:
			out.conns = append(out.conns, c)
			return true
		case actWait:
			if s.waitInput(c, now) {
				continue // input arrived meanwhile: read it
			}
		case actClose:
			s.closeConn(c)
		case actLinger:
			s.lingerClose(c, now)
		}
		return false
	}
}

// parseStep is the parse stage's work on one connection, with pipeline
// panics contained: a panic closes the connection (the parse stage owns
// it and no batch of it is in flight).
func (s *Server) parseStep(c *conn, now int64) (a action) {
	defer func() {
		if r := recover(); r != nil {
			s.recovered(stageParse, r)
			c.dead.Store(true)
			a = actClose
		}
	}()
	if c.lingering {
		return s.drainLinger(c)
	}
	if s.forced.Load() || c.dead.Load() {
		return actClose
	}
	fl := c.fl
	if fl == nil {
		fl = getFlight()
		fl.parser.Limits = s.cfg.Limits
		c.fl = fl
	}
	if j := fl.cur; j != nil && j.stream != streamNone {
		return s.parseStream(c, fl, j, now)
	}

	// Requests left by the batch before (past the batch caps, after an
	// unsafe request or a streamed body) may already be complete: parse
	// them before reading.
	fl.reparse = false
	if fl.off < len(fl.buf) {
		s.parseBuffered(c, fl, now)
	}
	for len(fl.jobs) == 0 && !fl.closeAfter && !fl.eof {
		// The batch is empty here (a complete request ends the loop), so
		// nothing aliases the buffer and consumed bytes can be dropped.
		fl.compact()
		if len(fl.buf) == cap(fl.buf) {
			fl.buf = s.growReadBuf(fl.buf)
		}
		free := cap(fl.buf) - len(fl.buf)
		c.clearEdge(flagInput)
		n := s.fill(c, fl)
		if n == 0 {
			break
		}
		if fl.cur != nil {
			fl.bodyMoved += int64(n)
			fl.bodyProgress = now
		} else if fl.headStart == 0 {
			fl.headStart = now
		}
		s.parseBuffered(c, fl, now)
		if n < free && !c.hungUp() {
			// The socket is (very likely) drained: stop here rather than
			// pay for a read that says EAGAIN. If more arrived after the
			// read, its edge is recorded and release sees it. Not so once
			// the peer has hung up: that edge came once, with the last
			// bytes, and the end of stream (or the reset) is only seen by
			// reading on.
			break
		}
	}
	switch {
	case len(fl.jobs) > 0:
		return actRoute
	case fl.cur != nil && fl.cur.stream == streamPending:
		return s.parseStream(c, fl, fl.cur, now)
	case fl.eof:
		return actClose // a partial request is dropped with the connection
	}
	return actWait
}

// fill reads once into the buffer's free space without blocking and
// returns how many bytes arrived: 0 when the socket has none for now, or
// when the peer is done (a reset, or it shut its side), which sets fl.eof.
// A read that fills the buffer leaves c's input edge set (see
// conn.release).
// Requests already complete are still answered after an EOF; a partial one
// is dropped.
func (s *Server) fill(c *conn, fl *flight) int {
	for {
		n, err := sockRecv(c.fd, fl.buf[len(fl.buf):cap(fl.buf)])
		switch {
		case err == syscall.EINTR:
			continue
		case err == syscall.EAGAIN:
			return 0
		case err != nil || n <= 0:
			fl.eof = true
			return 0
		}
		if len(fl.buf)+n == cap(fl.buf) {
			// The buffer is full, so the socket may not be drained, and
			// edge-triggered readiness will not say so again: record the
			// edge ourselves, so whoever would wait for input reads again.
			c.state.Or(flagInput)
		}
		fl.buf = fl.buf[:len(fl.buf)+n]
		s.stats.bytesIn.Add(uint64(n))
		return n
	}
}

// waitInput hands c back to its poller to wait for more input, with the
// deadline for what it is waiting for: the rest of a head (counted from the
// head's first byte), more of a body (progress and rate, see
// Config.MinRate), the first request of a new connection (HeaderTimeout
// from accept), or the next request of an idle one (which then gives its
// flight back). It reports true if input arrived meanwhile: the caller
// still owns c and reads again.
func (s *Server) waitInput(c *conn, now int64) (kept bool) {
	fl := c.fl
	var deadline int64
	idle := false
	switch {
	case fl != nil && fl.cur != nil:
		deadline = s.bodyDeadline(fl)
	case fl != nil && fl.off < len(fl.buf):
		deadline = fl.headStart + int64(s.cfg.HeaderTimeout)
	default:
		if fl != nil {
			c.fl = nil
			s.releaseFlight(fl)
		}
		idle = true
		deadline = now + int64(s.cfg.IdleTimeout)
		if c.born != 0 {
			deadline = c.born + int64(s.cfg.HeaderTimeout)
		}
	}
	if !c.registered {
		if err := c.poller.register(c); err != nil {
			s.log.Warn("connection dropped", "err", err)
			s.closeConn(c)
			return false
		}
	}
	return c.release(whereReading, deadline, idle)
}

// bodyDeadline is when a body being received must have moved again: one
// BodyTimeout after its last progress, and no later than MinRate allows.
func (s *Server) bodyDeadline(fl *flight) int64 {
	return progressDeadline(fl.bodyStart, fl.bodyProgress, fl.bodyMoved, int64(s.cfg.BodyTimeout), s.cfg.minRate())
}

// progressDeadline is the deadline of a transfer that started at start,
// last moved at last, and has moved n bytes: timeout after its last
// progress, and no later than start + timeout + n/rate (rate bytes per
// second; 0 means no minimum).
func progressDeadline(start, last, n, timeout, rate int64) int64 {
	d := last + timeout
	if rate > 0 && n/rate < int64(1<<62)/1e9 {
		d = min(d, start+timeout+n*1e9/rate)
	}
	return d
}

var timeoutResponse = []byte("HTTP/1.1 408 Request Timeout\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")

// growReadBuf doubles a full read buffer, up to what the longest legal head
// needs. The old buffer goes to the garbage collector: requests parsed
// earlier may still alias it.
func (s *Server) growReadBuf(buf []byte) []byte {
	limit := s.cfg.Limits.MaxRequestLine + s.cfg.Limits.MaxHeaderBytes + 4
	size := min(2*cap(buf), max(limit, cap(buf)+readBufSize))
	grown := make([]byte, len(buf), size)
	copy(grown, buf)
	return grown
}

// parseBuffered parses the complete requests in fl.buf[fl.off:] into
// fl.jobs. It stops at the batch caps, before an unsafe request that
// would share the batch, after one that ends the connection (no
// keep-alive, or a protocol error), and at a body still arriving.
func (s *Server) parseBuffered(c *conn, fl *flight, now int64) {
	for !fl.closeAfter && !fl.reparse {
		j := fl.cur
		if j == nil {
			if fl.off == len(fl.buf) {
				return
			}
			if len(fl.jobs) >= s.cfg.MaxPipelined {
				fl.reparse = true // the rest waits for this batch (invariant 11)
				return
			}
			j = fl.newJob(c)
			j.t.start = fl.headStart
			n, err := fl.parser.ParseHead(fl.buf[fl.off:], &j.req)
			if errors.Is(err, parser.ErrNeedMore) {
				s.keepJob(fl, j)
				return
			}
			fl.parser.Reset()
			if err != nil {
				s.fail(fl, j, err)
				return
			}
			if !safeMethod(j.req.Method) && len(fl.jobs) > 0 {
				// RFC 9112 §9.3.2: only safe requests may be processed in
				// parallel. This one waits for the batch before it and is
				// parsed again then.
				s.keepJob(fl, j)
				fl.reparse = true
				return
			}
			s.hook(stageParse, j)
			c.born = 0 // a request arrived: the idle timeout applies from now on
			j.at = fl.off
			fl.off += n
			j.bodyReader.Reset(&j.req, s.cfg.Limits)
			if !s.readBody(fl, j) {
				// The body is still arriving: keep a private copy of the
				// head so the buffer can be compacted meanwhile.
				j.detach(fl.buf[j.at:fl.off], s.cfg.Limits)
				fl.cur = j
				fl.bodyStart, fl.bodyProgress, fl.bodyMoved = now, now, int64(len(fl.buf)-fl.off)
				if streamsBody(&j.req) {
					// Route it now; the body follows to its handler in
					// pieces (stream.go). Requests after it wait for it.
					j.stream = streamPending
					if len(fl.jobs) == 0 {
						s.startStream(fl, j)
					}
				}
				return
			}
		} else if !s.readBody(fl, j) {
			return
		}
		if j.failed != nil {
			return
		}
		fl.cur = nil
		fl.jobs = append(fl.jobs, j)
		j.t.parsed = now
		if !j.req.KeepAlive {
			fl.closeAfter = true
		}
		if !safeMethod(j.req.Method) {
			fl.reparse = true // what follows waits for it
		}
		// The next head, if its first bytes are here, started now.
		fl.headStart = 0
		if fl.off < len(fl.buf) {
			fl.headStart = now
		}
	}
}

// safeMethod reports whether requests with method m may be processed in
// parallel with their neighbours (RFC 9110 §9.2.1).
func safeMethod(m []byte) bool {
	switch string(m) {
	case "GET", "HEAD", "OPTIONS", "TRACE":
		return true
	}
	return false
}

// readBody decodes as much of j's body as fl.buf holds. It reports whether
// the body is complete; a framing error completes it as a failed job.
func (s *Server) readBody(fl *flight, j *job) bool {
	if !j.req.HasBody() {
		return true
	}
	// Fast path: a Content-Length body that is all here is used in place.
	if !j.req.Chunked && len(j.body) == 0 && int64(len(fl.buf)-fl.off) >= j.req.ContentLength {
		end := fl.off + int(j.req.ContentLength)
		j.req.Body = fl.buf[fl.off:end]
		fl.off = end
		return true
	}
	// A body that streams is decoded here only if it is all here, within
	// streamMin: otherwise the decoder is put back as it was and the body
	// streams (stream.go).
	streamed := streamsBody(&j.req)
	saved, off := j.bodyReader, fl.off
	for {
		data, used, done, err := j.bodyReader.Decode(fl.buf[fl.off:])
		if err != nil {
			fl.cur = nil
			s.fail(fl, j, err)
			return true
		}
		// The body grows with what arrives, never ahead of it: a head that
		// announces a body must not make us allocate it.
		j.body = append(j.body, data...)
		fl.off += used
		if done {
			j.req.Body = j.body
			return true
		}
		if used == 0 || (streamed && len(j.body) > streamMin) {
			if streamed {
				j.bodyReader, j.body, fl.off = saved, j.body[:0], off
			}
			return false
		}
	}
}

// fail ends the batch with a job answered by the status for err. The
// connection closes after it: the stream can no longer be trusted.
func (s *Server) fail(fl *flight, j *job, err error) {
	s.stages[stageParse].stats.shedFor(parseReason(parser.Status(err)))
	j.failed = err
	fl.jobs = append(fl.jobs, j)
	fl.closeAfter = true
	fl.unread = true
	fl.off = len(fl.buf)
}

// detach copies the request head into the job and parses it again there, so
// the request's fields stop aliasing the connection's read buffer.
func (j *job) detach(head []byte, limits parser.Limits) {
	j.head = append(j.head[:0], head...)
	p := parser.Parser{Limits: limits}
	if _, err := p.ParseHead(j.head, &j.req); err != nil {
		panic("pipeline: a head that parsed once failed to parse again: " + err.Error())
	}
}
