package pipeline

import (
	"errors"
	"fmt"
	"sync/atomic"

	"github.com/sourcegraph/conc"
)

// Live resizing.
//
// The parse, route, file and write stages are pools whose size can change
// while the server runs (Server.Resize). Each pool has a target and a count
// of live workers. Growing starts workers at once, owned by the pool's
// conc.WaitGroup like the first ones, so Serve still waits for every one of
// them when it shuts down. Shrinking lowers the target; a worker checks
// between items whether the pool is above its target and, if so, exits —
// so in-flight work always finishes, and an extra worker leaves within one
// item. To reach idle workers blocked on an empty queue, Resize also offers
// the queue one nil item per surplus worker (without waiting: a full queue
// has no idle workers to reach); workers skip nil items.
//
// Queue capacities cannot change: they are Go channels, which cannot be
// resized, and swapping in a new channel while producers and consumers hold
// the old one would need a lock on every send. Set them at start (Config).

// Resizable stages, in pipeline order.
const (
	stageParse = iota
	stageRoute
	stageFile
	stageWrite
	nPools
)

var poolNames = [nPools]string{"parse", "route", "file", "write"}

// MaxStageWorkers bounds a stage's worker count through Resize.
const MaxStageWorkers = 4096

// ErrUnknownStage is returned by Resize for a stage that cannot be resized.
var ErrUnknownStage = errors.New("pipeline: no such resizable stage (parse, route, file, write)")

// ErrServerClosed is returned by Serve after Shutdown, and by Resize once
// the server is shutting down.
var ErrServerClosed = errors.New("pipeline: server closed")

// pool is a resizable stage's workers.
type pool struct {
	target atomic.Int64 // workers wanted
	live   atomic.Int64 // workers running
	next   int          // id of the next worker (its stats shard); guarded by Server.resizeMu
	wg     conc.WaitGroup
	work   func(id int)
	poke   func() bool // offers the queue a nil item without waiting
}

// retire reports whether the calling worker should exit because its pool is
// above target; a worker told true is no longer counted and must return.
// Two atomic loads per item in the steady state.
func (p *pool) retire() bool {
	for {
		live := p.live.Load()
		if live <= p.target.Load() {
			return false
		}
		if p.live.CompareAndSwap(live, live-1) {
			return true
		}
	}
}

// grow starts workers until live reaches target. The caller holds resizeMu.
func (p *pool) grow() {
	for p.live.Load() < p.target.Load() {
		p.live.Add(1)
		id := p.next
		p.next++
		p.wg.Go(func() { p.work(id) })
	}
}

// initPools prepares the pools with Config's counts; Serve starts them.
func (s *Server) initPools() {
	counts := [nPools]int{s.cfg.ParseWorkers, s.cfg.RouteWorkers, s.cfg.FileWorkers, s.cfg.WriteWorkers}
	work := [nPools]func(int){s.parseWorker, s.routeWorker, s.fileWorker, s.writeWorker}
	pokes := [nPools]func() bool{
		func() bool { return offerNil(s.parseQ) },
		func() bool { return offerNil(s.routeQ) },
		func() bool { return offerNil(s.fileQ) },
		func() bool { return offerNil(s.writeQ) },
	}
	for i := range s.pools {
		s.pools[i].target.Store(int64(counts[i]))
		s.pools[i].work = work[i]
		s.pools[i].poke = pokes[i]
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

// startPools starts every pool's workers, consumers in reverse pipeline
// order so no producer starts with nobody to take its work.
func (s *Server) startPools() {
	s.resizeMu.Lock()
	defer s.resizeMu.Unlock()
	for _, i := range []int{stageWrite, stageFile, stageRoute, stageParse} {
		s.pools[i].grow()
	}
	s.running = true
}

// stopResizing makes Resize fail from now on; Serve calls it before it
// closes the queues and waits for the pools.
func (s *Server) stopResizing() {
	s.resizeMu.Lock()
	s.stopped = true
	s.resizeMu.Unlock()
}

// Resize sets the number of workers of stage "parse", "route", "file" or
// "write" to workers (1 to MaxStageWorkers) while the server runs. Growing
// starts the new workers before Resize returns. Shrinking does not wait:
// each surplus worker finishes the item it holds and exits before taking
// another (Stats shows Workers above Target meanwhile). Before Serve it
// sets the count Serve starts with. Accept and poll workers are fixed, and
// queue capacities cannot be changed (see resize.go).
func (s *Server) Resize(stage string, workers int) error {
	i := -1
	for k, name := range poolNames {
		if name == stage {
			i = k
		}
	}
	if i < 0 {
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
	p := &s.pools[i]
	p.target.Store(int64(workers))
	if !s.running {
		return nil
	}
	p.grow()
	for n := p.live.Load() - int64(workers); n > 0; n-- {
		if !p.poke() {
			break
		}
	}
	s.log.Info("stage resized", "stage", stage, "workers", workers)
	return nil
}
