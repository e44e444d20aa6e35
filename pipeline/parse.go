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
func (s *Server) parseWorker() {
	for c := range s.parseQ {
		s.stats.parse.busy.Add(1)
		s.parse(c)
		s.stats.parse.busy.Add(-1)
		s.stats.parse.taken.Add(1)
	}
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

	for {
		// The batch is empty here (a complete request ends the loop), so
		// nothing aliases the buffer and consumed bytes can be dropped.
		if fl.off > 0 {
			n := copy(fl.buf, fl.buf[fl.off:])
			fl.buf = fl.buf[:n]
			fl.off = 0
		}
		if len(fl.buf) == cap(fl.buf) {
			fl.buf = s.growReadBuf(fl.buf)
		}
		free := cap(fl.buf) - len(fl.buf)
		n, err := unix.Read(c.fd, fl.buf[len(fl.buf):cap(fl.buf)])
		if err == unix.EINTR {
			continue
		}
		if err == unix.EAGAIN {
			break
		}
		if err != nil || n == 0 {
			// Reset, or the peer shut its side. Requests already complete
			// are still answered; a partial one is dropped.
			fl.eof = true
			break
		}
		if len(fl.buf) == 0 && fl.cur == nil {
			fl.head = time.Now()
		}
		fl.buf = fl.buf[:len(fl.buf)+n]
		s.stats.bytesIn.Add(uint64(n))
		s.parseBuffered(c, fl)
		if len(fl.jobs) > 0 || fl.closeAfter || n < free {
			// A batch to send, or the socket is (very likely) drained:
			// stop here rather than pay for a read that says EAGAIN.
			break
		}
	}

	switch {
	case len(fl.jobs) > 0:
		if fl.eof {
			fl.closeAfter = true
		}
		s.routeQ <- c
	case fl.eof || fl.closeAfter:
		s.closeConn(c)
	default:
		s.armForRead(c, fl)
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
	for !fl.closeAfter {
		j := fl.cur
		if j == nil {
			if fl.off == len(fl.buf) {
				return
			}
			j = getJob(c)
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
			headStart := fl.off
			fl.off += n
			j.bodyReader.Reset(&j.req, s.cfg.Limits)
			if !s.readBody(fl, j) {
				// The body is still arriving: keep a private copy of the
				// head so the buffer can be compacted meanwhile.
				j.detach(fl.buf[headStart:fl.off], s.cfg.Limits)
				fl.cur = j
				if j.req.Expect100 && j.req.Version == parser.HTTP11 {
					s.expectContinue(c, fl)
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
		fl.head = time.Now()
	}
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
		j.body = make([]byte, 0, min(j.req.ContentLength, 1<<20))
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
	s.stats.parse.shed.Add(1)
	j.failed = err
	fl.jobs = append(fl.jobs, j)
	fl.closeAfter = true
	fl.off = len(fl.buf)
}

// expectContinue answers "Expect: 100-continue" (RFC 9110 §10.1.1). With
// no earlier response pending the interim response goes out now; otherwise
// the write stage sends it after the batch, keeping responses in order.
func (s *Server) expectContinue(c *conn, fl *flight) {
	if len(fl.jobs) > 0 {
		fl.need100 = true
		return
	}
	unix.Write(c.fd, continueResponse)
}

var continueResponse = []byte("HTTP/1.1 100 Continue\r\n\r\n")

// detach copies the request head into the job and parses it again there, so
// the request's fields stop aliasing the connection's read buffer.
func (j *job) detach(head []byte, limits parser.Limits) {
	j.head = append(j.head[:0], head...)
	p := parser.Parser{Limits: limits}
	if _, err := p.ParseHead(j.head, &j.req); err != nil {
		panic("pipeline: a head that parsed once failed to parse again: " + err.Error())
	}
}
