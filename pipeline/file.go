package pipeline

import (
	"github.com/sourcegraph/conc/panics"

	"pipehttp/router"
)

// fileWorker is one worker of the fixed file-I/O pool: the only goroutines
// that touch the disk. However slow the disk, at most FileWorkers requests
// wait on it, and the cheap routes never queue behind them (invariant 4).
// A handler panic becomes a 500 for that request alone.
//
// Queue behaviour: the file queue is fed by the route stage, which waits at
// most QueueWait for room and otherwise answers 503. Finished responses go
// to the write queue, blocking while it is full.
func (s *Server) fileWorker(id int) {
	p, sh := &s.pools[stageFile], s.stats.file.shard(id)
	for j := range s.fileQ {
		if j != nil { // nil is a wake-up from Resize
			j.t.file = s.took(sh, j.enq)
			start := j.t.file
			s.runFileTask(j) // j may be released once it returns
			s.finished(sh, start)
		}
		if p.retire() {
			return
		}
	}
	p.live.Add(-1)
}

func (s *Server) runFileTask(j *job) {
	c := j.c
	if c.dead.Load() || s.forced.Load() {
		if j.stream != streamNone {
			s.skipBody(c.fl, j)
		}
		s.complete(c, j)
		return
	}
	switch j.task {
	case taskBegin:
		s.beginStream(c, j)
	case taskBody:
		s.pumpBody(c, j)
	default:
		s.hook(stageFile, j)
		h := s.fileHandler(j)
		if r := panics.Try(func() { h.Serve(&j.req, &j.resp) }); r != nil {
			s.handlerPanicked(j, r)
		}
		s.complete(c, j)
	}
}

// fileHandler is the handler for a job the router sent to the file pool.
func (s *Server) fileHandler(j *job) FileHandler {
	if j.kind == router.Static {
		return s.handlers.Static
	}
	return s.handlers.Files
}
