package pipeline

import (
	"errors"
	"time"

	"pipehttp/parser"
)

// writeWorker is one worker of the write stage. It takes a connection whose
// next response is ready, serializes every consecutive ready response of
// its batch into one buffer (bodies of files go by sendfile), and writes
// them with one write or writev: responses leave in request order however
// the route and file stages finished them (RFC 9112 §9.3.2).
//
// Writes never block: when the kernel takes only part, the rest waits in
// the flight and the connection is armed for writability with
// WriteTimeout; a client that stops reading holds no worker. After the last
// response of a batch the connection is closed, or handed back to the
// poller for its next request.
//
// Queue behaviour: the write queue is fed by the route and file stages and
// the poller, which block while it is full. A connection is queued at most
// once at a time.
func (s *Server) writeWorker(id int) {
	p, sh := &s.pools[stageWrite], s.stats.write.shard(id)
	routes := &s.stats.routes[id%statShards]
	for c := range s.writeQ {
		if c != nil { // nil is a wake-up from Resize
			t := s.took(sh, c.enq)
			s.write(c, routes)
			s.finished(sh, t)
		}
		if p.retire() {
			return
		}
	}
	p.live.Add(-1)
}

// write writes what is ready of c's batch; routes is the worker's shard of
// the per-route figures.
func (s *Server) write(c *conn, routes *[nRoutes]routeShard) {
	c.mu.Lock()
	c.writeQueued = false
	c.writing = true
	fl := c.fl
	c.mu.Unlock()
	for {
		gone := c.dead.Load() || s.forced.Load()
		if gone {
			fl.out.reset()
		} else if fl.out.pending() {
			finished, err := fl.out.writeTo(c.fd, &s.stats)
			if err != nil {
				c.dead.Store(true)
				s.stats.write.shedFor(reasonClientGone)
				continue
			}
			if !finished {
				s.arm(c, stateArmedWrite, time.Now().Add(s.cfg.WriteTimeout))
				return // still "writing": completions only mark jobs done
			}
		}
		if gone {
			fl.observed = fl.sent // not delivered: shed, not counted per route
		} else if fl.observed < fl.sent {
			s.written(fl, routes)
		}
		fl.out.reset()

		c.mu.Lock()
		start, end := fl.sent, fl.sent
		for end < len(fl.jobs) && fl.jobs[end].done {
			end++
		}
		if start == end {
			// Whether the batch is over is decided under the lock: once
			// writing is false, another write worker may take c.
			last := end == len(fl.jobs)
			c.writing = false
			c.mu.Unlock()
			if last {
				s.finishBatch(c, fl)
			}
			return
		}
		c.mu.Unlock()
		if !gone {
			end = s.serialize(fl, start, end)
		}
		c.mu.Lock()
		fl.sent = end
		c.mu.Unlock()
	}
}

// maxQueuedOutput caps the response bytes a connection holds in memory
// waiting for the kernel (file bodies go by sendfile and are not held): a
// pipelining client that does not read gets no more responses serialized
// than this, and then the write timeout.
const maxQueuedOutput = 64 << 10

// serialize adds ready responses jobs[start:end] to the pending output, up
// to maxQueuedOutput (at least one), and returns the index after the last
// one added.
func (s *Server) serialize(fl *flight, start, end int) int {
	date := s.clock.Date()
	i := start
	for ; i < end && (i == start || fl.out.queued() < maxQueuedOutput); i++ {
		j := fl.jobs[i]
		s.hook(stageWrite, j)
		last := i == len(fl.jobs)-1
		j.resp.Close = last && (fl.closeAfter || s.draining.Load())
		j.resp.KeepAlive = !j.resp.Close && j.req.Version == parser.HTTP10
		fl.out.add(&j.resp, date)
	}
	fl.out.cut()
	return i
}

// finishBatch recycles an answered batch and decides the connection's
// fate: close, linger-close, or wait for the next request.
func (s *Server) finishBatch(c *conn, fl *flight) {
	lastFailed := fl.jobs[len(fl.jobs)-1].failed != nil
	for _, j := range fl.jobs {
		s.releaseJob(j)
	}
	clear(fl.jobs)
	fl.jobs = fl.jobs[:0]
	fl.sent, fl.observed = 0, 0
	switch {
	case c.dead.Load() || s.forced.Load():
		s.closeConn(c)
	case fl.closeAfter || s.draining.Load():
		if lastFailed || fl.off < len(fl.buf) {
			s.lingerClose(c) // unread input: don't let close(2) send RST over our response
		} else {
			s.closeConn(c)
		}
	default:
		s.resume(c, fl)
	}
}

// errShortFile means a file shrank while being sent: the response promised
// more bytes than exist, so the connection cannot continue.
var errShortFile = errors.New("file shorter than its Content-Length")
