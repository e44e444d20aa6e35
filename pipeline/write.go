package pipeline

import (
	"errors"

	"pipehttp/parser"
)

// writeWorker is one worker of the write stage. It takes batches of
// connections whose requests are all answered, serializes each one's
// responses in request order into one buffer (bodies of files go by
// sendfile), and writes them with one write or writev: responses leave in
// request order however the route and file stages finished them
// (RFC 9112 §9.3.2).
//
// Writes never block: when the kernel takes only part, the rest waits in
// the flight and the connection is armed for writability, with a deadline
// that only progress moves (Config.WriteTimeout, Config.MinRate); a client
// that stops reading holds no worker. After the last response of a batch
// the connection is closed, or waits for its next request.
//
// Queue behaviour: the write queue is fed by the route and file stages,
// which block while it is full, and by the poller, which does not (its
// overflow list).
func (s *Server) writeWorker(id int) {
	st := &s.stages[stageWrite]
	sh := st.stats.shard(id)
	routes := &s.stats.routes[id%statShards]
	for b := range s.writeQ {
		if b != nil { // nil is a wake-up from Resize
			now := s.took(sh, b)
			date := s.clock.Date()
			for _, c := range b.conns {
				s.writeConn(c, now, date, routes)
			}
			s.finished(sh, now, len(b.conns))
			putBatch(b)
		}
		if st.retire() {
			return
		}
	}
	st.live.Add(-1)
}

// writeConn writes what c's batch has to send and then ends the batch, or
// hands c to its poller to wait for the socket.
func (s *Server) writeConn(c *conn, now int64, date []byte, routes *[nRoutes]routeShard) {
	if s.writeStep(c, now, date, routes) {
		s.finishBatch(c, now)
	}
}

// writeStep writes c's responses; it reports whether the batch is over
// (all written, or abandoned), false if c now waits in the poller. A
// pipeline panic marks c dead, which abandons the batch.
func (s *Server) writeStep(c *conn, now int64, date []byte, routes *[nRoutes]routeShard) (over bool) {
	fl := c.fl
	defer func() {
		if r := recover(); r != nil {
			s.recovered(stageWrite, r)
			c.dead.Store(true)
			fl.out.reset()
			over = true
		}
	}()
	for {
		if c.dead.Load() || s.forced.Load() {
			fl.out.reset()
			return true
		}
		if fl.out.pending() {
			c.clearEdge(flagOutput)
			if c.wrote && !c.nodelay {
				setNoDelay(c.fd)
				c.nodelay = true
			}
			c.wrote = true
			moved, finished, err := fl.out.writeTo(c.fd, &s.stats)
			if moved > 0 {
				fl.outMoved += moved
				fl.outProgress = now
			}
			if err != nil {
				c.dead.Store(true)
				s.stages[stageWrite].stats.shedFor(reasonClientGone)
				continue
			}
			if !finished {
				if !c.registered {
					if err := c.poller.register(c); err != nil {
						s.log.Warn("connection dropped", "err", err)
						c.dead.Store(true)
						continue
					}
				}
				deadline := progressDeadline(fl.outStart, fl.outProgress, fl.outMoved, int64(s.cfg.WriteTimeout), s.cfg.minRate())
				if c.release(whereWriting, deadline, false) {
					continue // writable again already
				}
				return false
			}
		}
		if fl.observed < fl.sent {
			s.written(fl, routes, now)
		}
		fl.out.reset()
		if fl.sent == len(fl.jobs) {
			return true
		}
		if fl.outStart == 0 {
			fl.outStart, fl.outProgress, fl.outMoved = now, now, 0
		}
		fl.sent = s.serialize(c, fl, date)
	}
}

// maxQueuedOutput caps the response bytes a connection holds in memory
// waiting for the kernel (file bodies go by sendfile and are not held): a
// pipelining client that does not read gets no more responses serialized
// than this, and then the write timeout.
const maxQueuedOutput = 64 << 10

// serialize adds the next responses of fl's batch to the pending output,
// up to maxQueuedOutput (at least one), and returns the index after the
// last one added.
func (s *Server) serialize(c *conn, fl *flight, date []byte) int {
	i := fl.sent
	closing := fl.closeAfter || s.draining.Load() || (fl.eof && fl.off == len(fl.buf))
	for ; i < len(fl.jobs) && (i == fl.sent || fl.out.queued() < maxQueuedOutput); i++ {
		j := fl.jobs[i]
		s.hook(stageWrite, j)
		j.resp.Close = closing && i == len(fl.jobs)-1
		j.resp.KeepAlive = !j.resp.Close && j.req.Version == parser.HTTP10
		fl.out.add(&j.resp, date)
	}
	fl.out.cut()
	return i
}

// finishBatch recycles an answered (or abandoned) batch and decides the
// connection's fate: close, linger-close, or go on to its next request.
func (s *Server) finishBatch(c *conn, now int64) {
	fl := c.fl
	lastFailed := len(fl.jobs) > 0 && fl.jobs[len(fl.jobs)-1].failed != nil
	// Draining closes the connection only if its last response said so
	// (serialize decided): one written just before the shutdown began kept
	// the connection, and the client may already be sending on it. It
	// waits as an idle connection instead (Ops.IdleGrace).
	saidClose := len(fl.jobs) > 0 && fl.jobs[len(fl.jobs)-1].resp.Close
	for _, j := range fl.jobs {
		s.keepJob(fl, j)
	}
	clear(fl.jobs)
	fl.jobs = fl.jobs[:0]
	fl.sent, fl.observed, fl.outStart = 0, 0, 0
	buffered := fl.off < len(fl.buf)
	switch {
	case c.dead.Load() || s.forced.Load():
		s.closeConn(c)
	case fl.closeAfter || (s.draining.Load() && saidClose) || (fl.eof && !buffered):
		if lastFailed || fl.unread || buffered || c.pendingInput() {
			s.lingerClose(c, now) // unread input: don't let close(2) send RST over our response
		} else {
			s.closeConn(c)
		}
	case buffered || fl.reparse || fl.cur != nil:
		// Requests (or a streamed body's head) wait in the buffer: the
		// poller sends c back to the parse stage (the write stage has no
		// queue into it).
		c.poller.handBack(c)
	default:
		if s.waitInput(c, now) {
			c.poller.handBack(c)
		}
	}
}

// errShortFile means a file shrank while being sent: the response promised
// more bytes than exist, so the connection cannot continue.
var errShortFile = errors.New("file shorter than its Content-Length")
