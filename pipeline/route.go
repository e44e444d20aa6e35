package pipeline

import (
	"errors"
	"math/rand/v2"

	"github.com/sourcegraph/conc/panics"

	"pipehttp/parser"
	"pipehttp/response"
	"pipehttp/router"
)

// routeWorker is one worker of the route stage. It takes batches of
// connections, each with its batch of requests; answers cheap requests in
// place through the router (/, /echo, /user-agent and every error), and
// passes file requests to the file-I/O pool, at most MaxConnFiles of one
// connection's batch (the rest are put back, unparsed, for its next batch).
// A connection whose requests are all answered goes on to the write stage,
// together with the others of the batch. A handler panic becomes a 500 for
// that request alone.
//
// Queue behaviour: a file job is offered to the file pool without waiting
// (admit.go): if the file queue is full it waits in the waiting room, at
// most Config.QueueWait, and is then answered 503 with Retry-After — a
// route worker never waits for the disk, so cheap requests behind a file
// request are never held up by it. Sending the ready connections on blocks
// while the write queue is full.
func (s *Server) routeWorker(id int) {
	st := &s.stages[stageRoute]
	sh := st.stats.shard(id)
	var k catcher
	var files []*job // scratch: one connection's file jobs
	for b := range s.routeQ {
		if b != nil { // nil is a wake-up from Resize
			now := s.took(sh, b)
			out := getBatch()
			for _, c := range b.conns {
				var ready bool
				if ready, files = s.route(c, now, &k, files); ready {
					out.conns = append(out.conns, c)
				}
			}
			s.finished(sh, now, len(b.conns))
			putBatch(b)
			s.sendOn(s.writeQ, out)
		}
		if st.retire() {
			return
		}
	}
	st.live.Add(-1)
}

// route routes c's batch and reports whether every response of it is
// ready, so c goes to the write stage now. Otherwise its file jobs are
// handed to the file pool, and the one that completes last sends c on:
// route touches neither c nor its batch after handing over the last one.
// files is scratch space, returned for reuse. A pipeline panic while
// routing marks c dead; nothing has been handed over then, so the write
// stage ends the connection at once.
func (s *Server) route(c *conn, now int64, k *catcher, files []*job) (ready bool, _ []*job) {
	fl := c.fl // stable: the batch owns the connection
	files = files[:0]
	func() {
		defer func() {
			if r := recover(); r != nil {
				s.recovered(stageRoute, r)
				c.dead.Store(true)
				clear(files)
				files = files[:0]
			}
		}()
		gone := c.dead.Load() || s.forced.Load()
		for i, j := range fl.jobs {
			j.t.routed = now
			if !gone {
				s.hook(stageRoute, j)
			}
			switch {
			case gone:
			case j.failed != nil:
				s.answerFailure(j)
			case s.routeOne(j, k) != router.Inline:
				if len(files) == s.cfg.MaxConnFiles {
					s.putBack(fl, i, now)
					return
				}
				j.task = taskServe
				if j.stream == streamRouting {
					j.task = taskBegin
				}
				files = append(files, j)
				continue
			}
			if j.stream == streamRouting {
				s.skipBody(fl, j) // answered on its head alone
			}
			j.t.done = now
		}
	}()
	if len(files) == 0 {
		return true, files
	}
	fl.pending.Store(int32(len(files)))
	for i, j := range files {
		files[i] = nil
		// The file worker or the waiting room answers j, or shed does:
		// if that answered the batch's last job, c is ours again.
		if !s.admit(j) && s.shed(j) {
			ready = true
		}
	}
	return ready, files[:0]
}

// putBack ends c's batch before fl.jobs[i]: that request and the ones
// after it are released and their bytes, still in the read buffer (nothing
// compacts it while a batch is in flight), are parsed again once the batch
// is answered. It keeps one connection's file jobs in flight within
// MaxConnFiles (invariant 11).
func (s *Server) putBack(fl *flight, i int, now int64) {
	fl.off = fl.jobs[i].at
	for _, j := range fl.jobs[i:] {
		s.keepJob(fl, j)
	}
	clear(fl.jobs[i:])
	fl.jobs = fl.jobs[:i]
	// Only a request that ends the batch can end the connection, and the
	// batch now ends before it.
	fl.closeAfter, fl.unread = false, false
	fl.reparse, fl.headStart = true, now
}

// answerFailure answers a request that failed parsing with its status. A
// body over the limit is refused only if the request would otherwise be
// taken: a method the route does not allow gets its 405 (with Allow), an
// unknown path its 404, as if the body were not there (the head of such a
// request is complete and valid; only its size failed).
func (s *Server) answerFailure(j *job) {
	status := parser.Status(j.failed)
	if mc, ok := s.handlers.Router.(MethodChecker); ok && errors.Is(j.failed, parser.ErrBodyTooLarge) {
		if st, allow := mc.Check(j.req.Method, j.req.Path); st != 0 {
			s.refuse(j, st)
			if allow != "" {
				j.resp.Fields = append(j.resp.Fields, response.Field{Name: "Allow", Value: allow})
			}
			return
		}
	}
	s.refuse(j, status)
}

// routeOne runs the router for one request, turning a panic into a 500.
func (s *Server) routeOne(j *job, k *catcher) router.Kind {
	j.kind = router.Inline
	if r := k.try(func() { j.kind = s.handlers.Router.Route(&j.req, &j.resp) }); r != nil {
		s.handlerPanicked(j, r)
		j.kind = router.Inline
	}
	if j.kind == router.Static && s.handlers.Static == nil {
		s.refuse(j, 404)
		j.kind = router.Inline
	}
	if j.kind != router.Inline && j.stream == streamNone {
		if cs, ok := s.fileHandler(j).(CacheServer); ok {
			hit := false
			if r := k.try(func() { hit = cs.ServeCached(&j.req, &j.resp) }); r != nil {
				s.handlerPanicked(j, r)
				hit = true
			}
			if hit {
				j.route = classify(j.req.Path, j.kind)
				j.kind = router.Inline
				return j.kind
			}
		}
	}
	j.route = classify(j.req.Path, j.kind)
	if s.cfg.Admission != nil {
		s.gate(j) // gate.go
	}
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
	s.refuse(j, 500)
}

// retryAfter are the Retry-After values of a 503. Requests shed together
// (a full queue) would all come back together, a second later, and be shed
// together again: half are told 1 second and half 2, at random, which
// spreads the next wave over two.
var retryAfter = [2]string{"1", "2"}

// refuse replaces whatever j's response held (closing its file) with an
// error status and the body Handlers.ErrorForm asks for; a 503 tells the
// client when to retry. Every error the pipeline itself answers goes
// through here.
func (s *Server) refuse(j *job, status int) {
	form := response.NoErrorBody
	if s.handlers.ErrorForm != nil && j.failed == nil {
		form = s.handlers.ErrorForm(&j.req)
	}
	j.resp.Release()
	j.resp.Reset()
	j.resp.Error(status, form)
	if status == 503 {
		j.resp.Fields = append(j.resp.Fields, response.Field{Name: "Retry-After", Value: retryAfter[rand.Uint32()&1]})
	}
}

// complete marks j's response ready. If it was the last of its batch, the
// connection goes to the write stage (blocking while the write queue is
// full). Called by the file stage, and by the parse stage for a streamed
// body it gives up on.
func (s *Server) complete(j *job) {
	if s.finish(j) {
		b := getBatch()
		b.conns = append(b.conns, j.c)
		s.sendOn(s.writeQ, b)
	}
}

// finish marks j's response ready and reports whether it was the last of
// its batch: the caller then owns the connection again and sends it to the
// write stage.
func (s *Server) finish(j *job) bool {
	j.t.done = s.now()
	return j.c.fl.pending.Add(-1) == 0
}
