package pipeline

import (
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
// Queue behaviour: a file job is offered to the file pool without waiting
// (admit.go): if the file queue is full it waits in the waiting room, at
// most Config.QueueWait, and is then answered 503 with Retry-After — a
// route worker never waits for the disk, so cheap requests behind a file
// request are never held up by it. Ready responses go to the write queue,
// blocking while it is full.
func (s *Server) routeWorker(id int) {
	p, sh := &s.pools[stageRoute], s.stats.route.shard(id)
	var k catcher
	for c := range s.routeQ {
		if c != nil { // nil is a wake-up from Resize
			t := s.took(sh, c.enq)
			s.route(c, t, &k)
			s.finished(sh, t)
		}
		if p.retire() {
			return
		}
	}
	p.live.Add(-1)
}

// route routes c's batch; start is when the worker took it (nanotime, or 0).
func (s *Server) route(c *conn, start int64, k *catcher) {
	fl := c.fl // stable: the batch owns the connection
	gone := c.dead.Load() || s.forced.Load()
	for _, j := range fl.jobs {
		j.t.routed = start
		s.hook(stageRoute, j)
		switch {
		case gone:
		case j.failed != nil:
			answerError(&j.resp, parser.Status(j.failed))
		case s.routeOne(j, k) != router.Inline:
			j.task = taskServe
			if j.stream == streamRouting {
				j.task = taskBegin
			}
			if !s.admit(j) {
				s.shed(j)
			}
			continue // the file worker, the waiting room or shed completes it
		}
		if j.stream == streamRouting {
			s.skipBody(fl, j) // answered on its head alone
		}
		s.complete(c, j)
	}
}

// routeOne runs the router for one request, turning a panic into a 500.
func (s *Server) routeOne(j *job, k *catcher) router.Kind {
	j.kind = router.Inline
	if r := k.try(func() { j.kind = s.handlers.Router.Route(&j.req, &j.resp) }); r != nil {
		s.handlerPanicked(j, r)
		j.kind = router.Inline
	}
	if j.kind == router.Static && s.handlers.Static == nil {
		answerError(&j.resp, 404)
		j.kind = router.Inline
	}
	j.route = classify(j.req.Path, j.kind)
	return j.kind
}

// catcher runs handlers with conc's panic capture, reusing one
// panics.Catcher per worker: panics.Try allocates a Catcher per call, which
// would be the only allocation of a keep-alive request. A Catcher keeps the
// first panic it saw, so after one a fresh Catcher is taken.
type catcher struct{ c *panics.Catcher }

func (k *catcher) try(f func()) *panics.Recovered {
	if k.c == nil {
		k.c = new(panics.Catcher)
	}
	k.c.Try(f)
	if r := k.c.Recovered(); r != nil {
		k.c = nil
		return r
	}
	return nil
}

func (s *Server) handlerPanicked(j *job, r *panics.Recovered) {
	s.stats.panics.Add(1)
	s.log.Error("handler panicked", "method", string(j.req.Method), "target", string(j.req.Target), "panic", r.String())
	refuse(&j.resp, 500)
}

// answerError fills resp with an empty-bodied error status.
func answerError(resp *response.Response, status int) {
	resp.Status = status
}

// refuse replaces whatever resp held (closing its file) with an
// empty-bodied error status; a 503 tells the client when to retry.
func refuse(resp *response.Response, status int) {
	resp.Release()
	resp.Reset()
	answerError(resp, status)
	if status == 503 {
		resp.Fields = append(resp.Fields, response.Field{Name: "Retry-After", Value: "1"})
	}
}

// complete marks j's response ready and, if it is the next one its
// connection must send and no write worker has the connection, queues the
// connection for writing.
func (s *Server) complete(c *conn, j *job) {
	now := s.now()
	j.t.done = now
	c.mu.Lock()
	j.done = true
	fl := c.fl
	queue := !c.writeQueued && !c.writing && fl.sent < len(fl.jobs) && fl.jobs[fl.sent].done
	if queue {
		c.writeQueued = true
		c.enq = now
	}
	c.mu.Unlock()
	if queue {
		s.writeQ <- c
	}
}
