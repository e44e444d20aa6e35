package pipeline

import (
	"time"

	"github.com/sourcegraph/conc/panics"

	"pipehttp/router"
)

// fileWorker is one worker of the fixed file-I/O pool: the only goroutines
// that touch the disk. However slow the disk, at most FileWorkers requests
// wait on it, and the cheap routes never queue behind them (invariant 4).
// A handler panic becomes a 500 for that request alone.
//
// Queue behaviour: the file queue is fed by the route stage and the parse
// stage (streamed bodies), which never wait for it: a job that finds it
// full waits in the waiting room at most QueueWait and is otherwise
// answered 503. When a job completes its connection's batch, the
// connection goes to the write queue, blocking while it is full.
func (s *Server) fileWorker(id int) {
	st := &s.stages[stageFile]
	sh := st.stats.shard(id)
	for j := range s.fileQ {
		if j != nil { // nil is a wake-up from Resize
			now := s.tookOne(sh, j.enq)
			j.t.file = now
			s.fileTask(j, now) // j may be released once it returns
			s.finished(sh, now, 1)
		}
		if st.retire() {
			return
		}
	}
	st.live.Add(-1)
}

// fileTask runs one file job. A pipeline panic (not the handler's, which is
// a 500) marks the connection dead and completes the job, so the write
// stage ends the connection.
func (s *Server) fileTask(j *job, now int64) {
	if j.task == taskAbort {
		j.sink.Abort()
		j.sink = nil
		s.releaseJob(j)
		return
	}
	c := j.c
	done := false
	defer func() {
		if r := recover(); r != nil {
			s.recovered(stageFile, r)
			c.dead.Store(true)
			if !done {
				if j.sink != nil {
					j.sink.Abort()
					j.sink = nil
				}
				s.skipBody(c.fl, j)
				s.complete(j)
			}
		}
	}()
	if c.dead.Load() || s.forced.Load() {
		if j.stream != streamNone {
			s.skipBody(c.fl, j)
		}
		done = true
		s.complete(j)
		return
	}
	s.hook(stageFile, j)
	switch j.task {
	case taskBegin:
		done = true // beginStream hands c on itself
		s.beginStream(c, j, now)
	case taskBody:
		done = true
		s.pumpBody(c, j, now)
	default:
		h := s.fileHandler(j)
		if r := panics.Try(func() { h.Serve(&j.req, &j.resp) }); r != nil {
			s.handlerPanicked(j, r)
		}
		done = true
		s.complete(j)
	}
}

// fileHandler is the handler for a job the router sent to the file pool.
func (s *Server) fileHandler(j *job) FileHandler {
	if j.kind == router.Static {
		return s.handlers.Static
	}
	return s.handlers.Files
}

// offloadSinks takes the streamed upload, if any, off c's flight before c
// is closed by a goroutine that must not touch the disk (the poller), and
// has the file pool abort it (a close and an unlink): without waiting if
// the file queue has room, else through the waiting room, and only if that
// is full too, here.
func (s *Server) offloadSinks(c *conn) {
	fl := c.fl
	if fl == nil || fl.cur == nil || fl.cur.sink == nil {
		return
	}
	j := fl.cur
	fl.cur = nil
	if n := len(fl.jobs); n > 0 && fl.jobs[n-1] == j {
		fl.jobs[n-1] = nil
		fl.jobs = fl.jobs[:n-1]
	}
	j.c, j.task = nil, taskAbort
	j.admitBy = time.Now().Add(time.Hour)
	select {
	case s.fileQ <- j:
		return
	default:
	}
	select {
	case s.waitQ <- j:
	default:
		j.sink.Abort()
		j.sink = nil
		s.releaseJob(j)
	}
}
