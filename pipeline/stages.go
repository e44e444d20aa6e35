package pipeline

import (
	"errors"
	"fmt"
	"os"
	"runtime/debug"
	"sync"
	"sync/atomic"

	"github.com/sourcegraph/conc"
)

// The stages, in pipeline order. One table (Server.stages, built by
// initStages) holds what each one is: its workers, its queue, its counters,
// the reasons it sheds work, and its test hook. Start-up, Stats, Resize and
// the shutdown order all read it.
const (
	stageAccept = iota
	stagePoll
	stageParse
	stageRoute
	stageFile
	stageWrite
	nStages
)

// stage is one row of the table.
type stage struct {
	name string
	// resizable stages are pools (parse, route, file, write): their worker
	// count changes while the server runs (Resize). Accept and poll have
	// their configured count for the server's life.
	resizable bool
	// full says what happens when the stage's queue is full, for the docs
	// and the dashboard.
	full    string
	reasons []reason // what Stats reports as this stage's shed reasons
	stats   stageStats
	queue   func() (length, capacity int)

	// Pool state (resizable stages).
	target atomic.Int64 // workers wanted
	live   atomic.Int64 // workers running
	next   int          // id of the next worker (its stats shard); guarded by Server.resizeMu
	wg     conc.WaitGroup
	work   func(id int)
	poke   func() bool // offers the queue a nil item without waiting, to wake an idle worker

	hook func(target string) // test hook (export_test.go)
}

// initStages fills in the stage table from the configuration.
func (s *Server) initStages() {
	c := &s.cfg
	chanLen := func(n, capacity int) func() (int, int) {
		return func() (int, int) { return n, capacity }
	}
	rows := [nStages]struct {
		name    string
		workers int
		full    string
		reasons []reason
		queue   func() (int, int)
		work    func(int)
		poke    func() bool
	}{
		stageAccept: {"accept", c.AcceptWorkers, "past MaxConns or out of descriptors: 503 and close; parse queue full: register with the poller",
			[]reason{reasonAcceptError, reasonMaxConns, reasonNoFDs}, chanLen(0, 0), nil, nil},
		stagePoll: {"poll", c.PollWorkers, "never blocks: a batch for a full queue waits on an overflow list",
			[]reason{reasonOverflow}, chanLen(0, 0), nil, nil},
		stageParse: {"parse", c.ParseWorkers, "blocks its producers' sends except the poller's and accept's",
			[]reason{reasonBadRequest, reasonURITooLong, reasonHeaderTooLarge, reasonBodyTooLarge, reasonUnsupported, reasonHeaderTimeout, reasonBodyTimeout},
			func() (int, int) { return len(s.parseQ), cap(s.parseQ) }, s.parseWorker, func() bool { return offerNil(s.parseQ) }},
		stageRoute: {"route", c.RouteWorkers, "blocks the parse stage",
			[]reason{reasonAdmission}, func() (int, int) { return len(s.routeQ), cap(s.routeQ) }, s.routeWorker, func() bool { return offerNil(s.routeQ) }},
		stageFile: {"file", c.FileWorkers, "waiting room for QueueWait, then 503 with Retry-After",
			[]reason{reasonQueueFull}, func() (int, int) { return len(s.fileQ), cap(s.fileQ) }, s.fileWorker, func() bool { return offerNil(s.fileQ) }},
		stageWrite: {"write", c.WriteWorkers, "blocks the route and file stages; the poller overflows",
			[]reason{reasonClientGone, reasonWriteTimeout}, func() (int, int) { return len(s.writeQ), cap(s.writeQ) }, s.writeWorker, func() bool { return offerNil(s.writeQ) }},
	}
	for i, r := range rows {
		st := &s.stages[i]
		st.name, st.full, st.reasons, st.queue, st.work, st.poke = r.name, r.full, r.reasons, r.queue, r.work, r.poke
		st.resizable = r.work != nil
		st.target.Store(int64(r.workers))
	}
}

func offerNil[T any](q chan *T) bool {
	select {
	case q <- nil:
		return true
	default:
		return false
	}
}

// retire reports whether the calling worker should exit because its pool is
// above target; a worker told true is no longer counted and must return.
// Two atomic loads per batch in the steady state.
func (st *stage) retire() bool {
	for {
		live := st.live.Load()
		if live <= st.target.Load() {
			return false
		}
		if st.live.CompareAndSwap(live, live-1) {
			return true
		}
	}
}

// grow starts workers until live reaches target. The caller holds resizeMu.
func (s *Server) grow(st *stage) {
	for st.live.Load() < st.target.Load() {
		st.live.Add(1)
		id := st.next
		st.next++
		st.wg.Go(func() {
			defer s.crashOnEscape(st.name)
			st.work(id)
		})
	}
}

// startPools starts every pool's workers, consumers in reverse pipeline
// order so no producer starts with nobody to take its work.
func (s *Server) startPools() {
	s.resizeMu.Lock()
	defer s.resizeMu.Unlock()
	for _, i := range []int{stageWrite, stageFile, stageRoute, stageParse} {
		s.grow(&s.stages[i])
	}
	s.running = true
}

// stopPools closes each queue once every stage that sends on it has
// stopped, in pipeline order, and waits for its workers. The producers
// (accept, poll) must have returned. The stage graph has no edge back
// (the poller's inbox is the way back to parse), so this order is safe.
func (s *Server) stopPools(waitingRoom *conc.WaitGroup) {
	s.resizeMu.Lock()
	s.stopped = true // no worker starts after this
	s.resizeMu.Unlock()
	close(s.parseQ) // senders: accept, poll
	s.stages[stageParse].wg.Wait()
	close(s.routeQ) // sender: parse
	s.stages[stageRoute].wg.Wait()
	close(s.waitQ) // senders: parse (streamed bodies) and route
	waitingRoom.Wait()
	close(s.fileQ) // senders: parse, route, the waiting room
	s.stages[stageFile].wg.Wait()
	close(s.writeQ) // senders: poll, route, file, the waiting room
	s.stages[stageWrite].wg.Wait()
}

// Resize sets the number of workers of stage "parse", "route", "file" or
// "write" to workers (1 to MaxStageWorkers) while the server runs. Growing
// starts the new workers before Resize returns. Shrinking does not wait:
// each surplus worker finishes the batch it holds and exits before taking
// another (Stats shows Workers above Target meanwhile). Before Serve it
// sets the count Serve starts with. Accept and poll workers are fixed, and
// queue capacities cannot be changed: they are Go channels, allocated once.
func (s *Server) Resize(stage string, workers int) error {
	st := s.stageNamed(stage)
	if st == nil || !st.resizable {
		return fmt.Errorf("%w: %q", ErrUnknownStage, stage)
	}
	if workers < 1 || workers > MaxStageWorkers {
		return fmt.Errorf("pipeline: %s workers must be 1 to %d, got %d", stage, MaxStageWorkers, workers)
	}
	s.resizeMu.Lock()
	defer s.resizeMu.Unlock()
	if s.stopped {
		return ErrServerClosed
	}
	st.target.Store(int64(workers))
	if !s.running {
		return nil
	}
	s.grow(st)
	// Idle workers are parked on the queue: offer each surplus one a nil
	// item, without waiting (a full queue has no idle workers to reach).
	for n := st.live.Load() - int64(workers); n > 0; n-- {
		if !st.poke() {
			break
		}
	}
	s.log.Info("stage resized", "stage", stage, "workers", workers)
	return nil
}

func (s *Server) stageNamed(name string) *stage {
	for i := range s.stages {
		if s.stages[i].name == name {
			return &s.stages[i]
		}
	}
	return nil
}

// ErrUnknownStage is returned by Resize for a stage that cannot be resized.
var ErrUnknownStage = errors.New("pipeline: no such resizable stage (parse, route, file, write)")

// ErrServerClosed is returned by Serve after Shutdown, and by Resize once
// the server is shutting down.
var ErrServerClosed = errors.New("pipeline: server closed")

// batch is what travels on the parse, route and write queues: the
// connections one producer had ready at once. One channel operation, and at
// most one wake-up, carries all of them.
type batch struct {
	conns []*conn
	enq   int64 // nanotime when it was queued (0 with timing off)
}

// maxBatch bounds a batch, so one harvest of many connections still
// spreads over the stage's workers.
const maxBatch = 64

var batchPool = sync.Pool{New: func() any { return &batch{conns: make([]*conn, 0, maxBatch)} }}

func getBatch() *batch { return batchPool.Get().(*batch) }

func putBatch(b *batch) {
	clear(b.conns)
	b.conns = b.conns[:0]
	batchPool.Put(b)
}

// sendOn sends b on q, blocking while q is full, unless b is empty.
func (s *Server) sendOn(q chan *batch, b *batch) {
	if len(b.conns) == 0 {
		putBatch(b)
		return
	}
	b.enq = s.now()
	q <- b
}

// Pipeline panics (invariant 13).
//
// A panic in pipeline code — not in a handler, whose panics are answered
// 500 — is contained to the connection it happened on: each stage runs
// its work for one connection under a recover that logs the panic with its
// stack, counts it (Stats.Panics), and ends that connection (its
// descriptor, MaxConns slot and buffers are released, and its batch is
// accounted for, so the write stage and Shutdown do not wait for it). The
// worker goes on with the next connection: a stage never loses a worker to
// a panic. A panic while cleaning up after one is not contained: the
// process then exits with both stacks in the log.

// recovered logs and counts a contained pipeline panic.
func (s *Server) recovered(stage int, r any) {
	s.stats.panics.Add(1)
	s.log.Error("pipeline panic", "stage", s.stages[stage].name, "panic", fmt.Sprint(r), "stack", string(debug.Stack()))
}

// crashOnEscape ends the process if a panic escapes a worker: one that was
// not contained, or that happened while recovering from another. Left to
// conc.WaitGroup, it would be re-raised only at shutdown, and the stage
// would run a worker short, silently, until then.
func (s *Server) crashOnEscape(stage string) {
	if r := recover(); r != nil {
		s.log.Error("pipeline panic escaped; exiting", "stage", stage, "panic", fmt.Sprint(r), "stack", string(debug.Stack()))
		fmt.Fprintf(os.Stderr, "pipehttp: panic in the %s stage: %v\n%s", stage, r, debug.Stack())
		os.Exit(2)
	}
}
