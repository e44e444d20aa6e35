package pipeline

import (
	"errors"
	"time"

	"golang.org/x/sys/unix"

	"pipehttp/parser"
)

// parseWorker is one worker of the parse stage. It takes connections with
// bytes waiting (from the poller or straight from accept), reads what is
// there without blocking, parses every complete request into one batch and
// sends the batch to the route stage. Then the connection belongs to the
// batch: nobody reads from it again until every response of the batch is
// written, which is what keeps responses in request order with no
// bookkeeping on the read side.
//
// Queue behaviour: sending a batch blocks while the route queue is full;
// the parse queue then fills and the poller stops taking events.
func (s *Server) parseWorker(id int) {
	p, sh := &s.pools[stageParse], s.stats.parse.shard(id)
	for c := range s.parseQ {
		if c != nil { // nil is a wake-up from Resize
			t := s.took(sh, c.enq)
			s.parse(c)
			s.finished(sh, t)
		}
		if p.retire() {
			return
		}
	}
	p.live.Add(-1)
}

func (s *Server) parse(c *conn) {
	if s.forced.Load() {
		s.closeConn(c)
		return
	}
	fl := c.fl
	if fl == nil {
		fl = getFlight()
		c.mu.Lock()
		c.fl = fl
		c.mu.Unlock()
	}
	fl.parser.Limits = s.cfg.Limits
	if j := fl.cur; j != nil && j.stream != streamNone {
		s.parseStream(c, fl, j)
		return
	}

	// Requests left after an unsafe request or a streamed body may already
	// be complete: parse them before reading.
	if fl.off < len(fl.buf) {
		s.parseBuffered(c, fl)
	}
	for len(fl.jobs) == 0 && !fl.closeAfter {
		// The batch is empty here (a complete request ends the loop), so
		// nothing aliases the buffer and consumed bytes can be dropped.
		fl.compact()
		if len(fl.buf) == cap(fl.buf) {
			fl.buf = s.growReadBuf(fl.buf)
		}
		free := cap(fl.buf) - len(fl.buf)
		first := len(fl.buf) == 0 && fl.cur == nil
		n := s.fill(c, fl)
		if n == 0 {
			break
		}
		if first {
			fl.head = time.Now()
		}
		s.parseBuffered(c, fl)
		if n < free {
			// The socket is (very likely) drained: stop here rather than
			// pay for a read that says EAGAIN.
			break
		}
	}

	switch {
	case len(fl.jobs) > 0:
		if fl.eof {
			fl.closeAfter = true
		}
		c.enq = s.now()
		s.routeQ <- c
	case fl.eof || fl.closeAfter:
		s.closeConn(c)
	default:
		s.armForRead(c, fl)
	}
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

// fill reads once into the buffer's free space without blocking and
// returns how many bytes arrived: 0 when the socket has none for now, or
// when the peer is done (a reset, or it shut its side), which sets fl.eof.
// Requests already complete are still answered after an EOF; a partial one
// is dropped.
func (s *Server) fill(c *conn, fl *flight) int {
	for {
		n, err := unix.Read(c.fd, fl.buf[len(fl.buf):cap(fl.buf)])
		switch {
		case err == unix.EINTR:
			continue
		case err == unix.EAGAIN:
			return 0
		case err != nil || n <= 0:
			fl.eof = true
			return 0
		}
		fl.buf = fl.buf[:len(fl.buf)+n]
		s.stats.bytesIn.Add(uint64(n))
		return n
	}
}

// armForRead hands c back to its poller to wait for more input, with the
// deadline for what it is waiting for: the rest of a head (counted from the
// head's first byte, so a trickle cannot extend it), more of a body, or the
// next request of an idle connection (which then gives its flight back).
func (s *Server) armForRead(c *conn, fl *flight) {
	now := time.Now()
	switch {
	case fl.cur != nil:
		s.arm(c, stateArmedRead, now.Add(s.cfg.BodyTimeout))
	case fl.off < len(fl.buf):
		deadline := fl.head.Add(s.cfg.HeaderTimeout)
		if now.After(deadline) {
			// A trickle keeps the connection busy whenever the sweeper
			// looks, so the deadline is enforced here too.
			s.timeOut(c)
			return
		}
		s.arm(c, stateArmedRead, deadline)
	default:
		c.mu.Lock()
		c.fl = nil
		c.mu.Unlock()
		s.releaseFlight(fl)
		s.arm(c, stateArmedRead, now.Add(s.cfg.IdleTimeout))
	}
}

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

// parseBuffered parses every complete request in fl.buf[fl.off:] into
// fl.jobs. It stops after a request that ends the connection (no
// keep-alive, or a protocol error).
func (s *Server) parseBuffered(c *conn, fl *flight) {
	for !fl.closeAfter && !fl.reparse {
		j := fl.cur
		if j == nil {
			if fl.off == len(fl.buf) {
				return
			}
			j = getJob(c)
			if s.timing {
				j.t.start = monoNanos(fl.head)
			}
			n, err := fl.parser.ParseHead(fl.buf[fl.off:], &j.req)
			if errors.Is(err, parser.ErrNeedMore) {
				s.releaseJob(j)
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
				s.releaseJob(j)
				fl.reparse = true
				return
			}
			s.hook(stageParse, j)
			headStart := fl.off
			fl.off += n
			j.bodyReader.Reset(&j.req, s.cfg.Limits)
			if !s.readBody(fl, j) {
				// The body is still arriving: keep a private copy of the
				// head so the buffer can be compacted meanwhile.
				j.detach(fl.buf[headStart:fl.off], s.cfg.Limits)
				fl.cur = j
				if streamsBody(&j.req) {
					// Route it now; the body follows to its handler in
					// pieces (stream.go). Requests after it wait for it.
					j.stream = streamPending
					if len(fl.jobs) == 0 {
						j.stream = streamRouting
						fl.jobs = append(fl.jobs, j)
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
		if !j.req.KeepAlive {
			fl.closeAfter = true
		}
		if !safeMethod(j.req.Method) {
			fl.reparse = fl.off < len(fl.buf) // what follows waits for it
		}
		fl.head = time.Now()
		if s.timing {
			j.t.parsed = monoNanos(fl.head)
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
	if !j.req.Chunked && cap(j.body) == 0 {
		j.body = make([]byte, 0, min(j.req.ContentLength, streamMin))
	}
	for {
		data, used, done, err := j.bodyReader.Decode(fl.buf[fl.off:])
		if err != nil {
			fl.cur = nil
			s.fail(fl, j, err)
			return true
		}
		j.body = append(j.body, data...)
		fl.off += used
		if done {
			j.req.Body = j.body
			return true
		}
		if used == 0 {
			return false
		}
	}
}

// fail ends the batch with a job answered by the status for err. The
// connection closes after it: the stream can no longer be trusted.
func (s *Server) fail(fl *flight, j *job, err error) {
	s.stats.parse.shedFor(parseReason(parser.Status(err)))
	j.failed = err
	fl.jobs = append(fl.jobs, j)
	fl.closeAfter = true
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
