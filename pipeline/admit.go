package pipeline

import (
	"time"

	"github.com/sourcegraph/conc"
)

// File admission: the waiting room in front of the file queue.
//
// A stage that hands work to the file pool must never wait for the pool:
// a route worker that waited for room in a full file queue would hold up
// every cheap request queued behind it, which is exactly the starvation the
// file pool exists to prevent (invariant 4). So offering never blocks. When
// the file queue is full, the job goes to the waiting room — a FIFO owned
// by one goroutine, bounded at FileQueue jobs — where it waits at most
// QueueWait for the queue to have room; a job that times out there, or finds
// the waiting room full too, is answered 503 with Retry-After. The waiting
// room holds waitingRoomSize jobs: a pointer each.

// waitingRoomSize bounds the jobs waiting for the file queue.
func waitingRoomSize(cfg Config) int {
	return max(16*cfg.FileQueue, 1024)
}

// admit offers j to the file pool without blocking; it reports false when
// the file queue and the waiting room are both full (or QueueWait is
// negative and the queue is full), and the caller answers 503.
func (s *Server) admit(j *job) bool {
	j.enq = s.now()
	select {
	case s.fileQ <- j:
		return true
	default:
	}
	if s.cfg.QueueWait < 0 {
		return false
	}
	j.admitBy = time.Now().Add(s.cfg.QueueWait)
	select {
	case s.waitQ <- j:
		return true
	default:
		return false
	}
}

// startWaitingRoom runs the waiting room, owned by wg.
func (s *Server) startWaitingRoom(wg *conc.WaitGroup) {
	wg.Go(func() {
		defer s.crashOnEscape("file waiting room")
		s.waitingRoom()
	})
}

// waitingRoom is the goroutine that owns the jobs waiting for room in the
// file queue. It returns once waitQ is closed and every waiting job has been
// placed or shed.
func (s *Server) waitingRoom() {
	var waiting []*job // FIFO; all wait the same QueueWait, so the head expires first
	timer := time.NewTimer(time.Hour)
	timer.Stop()
	limit := waitingRoomSize(s.cfg)
	open := true
	for open || len(waiting) > 0 {
		var in <-chan *job
		if open && len(waiting) < limit {
			in = s.waitQ // when full, waitQ fills and admit sheds at once
		}
		var out chan<- *job
		var head *job
		if len(waiting) > 0 {
			head, out = waiting[0], s.fileQ
			timer.Reset(time.Until(head.admitBy))
		}
		select {
		case j, ok := <-in:
			if !ok {
				open = false // drain what waits, then stop
				continue
			}
			waiting = append(waiting, j)
		case out <- head:
			waiting[0] = nil
			waiting = waiting[1:]
		case <-timer.C:
			// Jobs that arrived together expire together: their answers
			// go to the write stage as batches, not one hand-off each.
			now := time.Now()
			out := getBatch()
			for len(waiting) > 0 && !waiting[0].admitBy.After(now) {
				if s.shed(waiting[0]) {
					out.conns = append(out.conns, waiting[0].c)
					if len(out.conns) == maxBatch {
						s.sendOn(s.writeQ, out)
						out = getBatch()
					}
				}
				waiting[0] = nil
				waiting = waiting[1:]
			}
			s.sendOn(s.writeQ, out)
		}
		timer.Stop()
	}
}

// shed answers a file job that could not get into the file pool in time:
// 503 with Retry-After. It reports whether that answered the last job of
// the connection's batch: the caller then sends the connection (j.c) to the
// write stage, with others if it has them. A streamed request's body is
// abandoned with it, so its connection closes after the answer.
func (s *Server) shed(j *job) (ready bool) {
	if j.task == taskAbort { // not a request: its connection is gone
		j.sink.Abort()
		j.sink = nil
		s.releaseJob(j)
		return false
	}
	s.stages[stageFile].stats.shedFor(reasonQueueFull)
	if j.stream != streamNone {
		s.abortStream(j.c, j.c.fl, j, 503)
		return false
	}
	s.refuse(j, 503)
	return s.finish(j)
}
