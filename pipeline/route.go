package pipeline

import (
	"time"

	"github.com/sourcegraph/conc/panics"

	"pipehttp/parser"
	"pipehttp/response"
	"pipehttp/router"
)

// routeWorker is one worker of the route stage. It takes a connection's
// batch, answers cheap requests in place through the router (/, /echo,
// /user-agent and every error), and passes file requests to the file-I/O
// pool. A handler panic becomes a 500 for that request alone.
//
// Queue behaviour: offering a file job to a full file queue waits at most
// Config.QueueWait, then the request is answered 503 with Retry-After — a
// route worker never waits on the disk. Ready responses go to the write
// queue, blocking while it is full.
func (s *Server) routeWorker() {
	timer := time.NewTimer(time.Hour) // reused for QueueWait
	timer.Stop()
	for c := range s.routeQ {
		s.stats.route.busy.Add(1)
		s.route(c, timer)
		s.stats.route.busy.Add(-1)
		s.stats.route.taken.Add(1)
	}
}

func (s *Server) route(c *conn, timer *time.Timer) {
	fl := c.fl // stable: the batch owns the connection
	gone := c.dead.Load() || s.forced.Load()
	for _, j := range fl.jobs {
		switch {
		case gone:
		case j.failed != nil:
			answerError(&j.resp, parser.Status(j.failed))
		case s.routeOne(j) != router.Inline:
			j.task = taskServe
			if j.stream == streamRouting {
				j.task = taskBegin
			}
			if s.offerFile(j, timer) {
				continue // the file worker completes it
			}
			s.stats.file.shed.Add(1)
			j.resp.Release()
			j.resp.Reset()
			answerError(&j.resp, 503)
			j.resp.Fields = append(j.resp.Fields, response.Field{Name: "Retry-After", Value: "1"})
		}
		if j.stream == streamRouting {
			s.skipBody(fl, j) // answered on its head alone
		}
		s.complete(c, j)
	}
}

// routeOne runs the router for one request, turning a panic into a 500.
func (s *Server) routeOne(j *job) router.Kind {
	j.kind = router.Inline
	if r := panics.Try(func() { j.kind = s.handlers.Router.Route(&j.req, &j.resp) }); r != nil {
		s.handlerPanicked(j, r)
		j.kind = router.Inline
	}
	if j.kind == router.Static && s.handlers.Static == nil {
		answerError(&j.resp, 404)
		j.kind = router.Inline
	}
	return j.kind
}

func (s *Server) handlerPanicked(j *job, r *panics.Recovered) {
	s.stats.panics.Add(1)
	s.log.Error("handler panicked", "method", string(j.req.Method), "target", string(j.req.Target), "panic", r.String())
	j.resp.Release()
	j.resp.Reset()
	answerError(&j.resp, 500)
}

// offerFile puts j on the file queue, waiting at most QueueWait for room.
// timer, if not nil, is a stopped timer to reuse.
func (s *Server) offerFile(j *job, timer *time.Timer) bool {
	select {
	case s.fileQ <- j:
		return true
	default:
	}
	if s.cfg.QueueWait < 0 {
		return false
	}
	if timer == nil {
		timer = time.NewTimer(s.cfg.QueueWait)
	} else {
		timer.Reset(s.cfg.QueueWait)
	}
	defer timer.Stop()
	select {
	case s.fileQ <- j:
		return true
	case <-timer.C:
		return false
	}
}

// answerError fills resp with an empty-bodied error status.
func answerError(resp *response.Response, status int) {
	resp.Status = status
}

// complete marks j's response ready and, if it is the next one its
// connection must send and no write worker has the connection, queues the
// connection for writing.
func (s *Server) complete(c *conn, j *job) {
	c.mu.Lock()
	j.done = true
	fl := c.fl
	queue := !c.writeQueued && !c.writing && fl.sent < len(fl.jobs) && fl.jobs[fl.sent].done
	if queue {
		c.writeQueued = true
	}
	c.mu.Unlock()
	if queue {
		s.writeQ <- c
	}
}
