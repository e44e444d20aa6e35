package autotune

import (
	"fmt"
	"math"
	"time"
)

// WorkerParams are the settings of one stage's worker controller.
type WorkerParams struct {
	// Min and Max bound the stage's workers. The controller never moves
	// the stage outside them (a person may, through Resize; the controller
	// then starts again from there).
	Min, Max int
	// WaitHigh is the queue wait (90th percentile over a window) above
	// which the stage is short of workers, if they are also busy.
	WaitHigh time.Duration
	// BusyHigh is the utilization (busy time over workers × window, 0 to
	// 1) above which a long queue wait means "too few workers" rather than
	// "a burst". Default 0.8.
	BusyHigh float64
	// BusyLow is the utilization below which workers are surplus, and
	// BusyTarget the utilization a shrink aims for. The gap between
	// BusyTarget and BusyHigh is the hysteresis: a stage shrunk to
	// BusyTarget is well below the level that would grow it again.
	// Defaults 0.3 and 0.5.
	BusyLow, BusyTarget float64
	// GrowAfter is how long the stage must be short of workers before it
	// grows; ShrinkAfter how long it must be idle before it shrinks.
	// Growing is quick, shrinking slow: an extra idle worker costs a parked
	// goroutine, a missing one costs every request queue time. Defaults 3s
	// and 10s.
	GrowAfter, ShrinkAfter time.Duration
	// MinGain is the rise in throughput a growth must bring, as a fraction
	// (0.05: 5%), measured over the next GrowAfter in which the stage is
	// still short of workers. A growth that brings less is undone: the
	// stage's work is bound by something workers do not add (the CPU, for
	// the parse, route and write stages of a busy process). Growth above
	// that count is then not tried for Backoff, doubling with every
	// growth undone, up to MaxBackoff. Defaults 0.05, 30s, 10m.
	MinGain             float64
	Backoff, MaxBackoff time.Duration
}

// DefaultWorkerParams are the defaults for stage ("parse", "route",
// "write" or "file") starting with start workers: Min start, Max 4×start
// (8×start for the file pool, whose workers wait on the disk rather than
// use the CPU), WaitHigh 2ms (100ms for file), and the defaults documented
// on WorkerParams.
func DefaultWorkerParams(stage string, start int) WorkerParams {
	p := WorkerParams{
		Min: start, Max: 4 * start, WaitHigh: 2 * time.Millisecond,
		BusyHigh: 0.8, BusyLow: 0.3, BusyTarget: 0.5,
		GrowAfter: 3 * time.Second, ShrinkAfter: 10 * time.Second,
		MinGain: 0.05, Backoff: 30 * time.Second, MaxBackoff: 10 * time.Minute,
	}
	if stage == "file" {
		p.Max, p.WaitHigh = 8*start, 100*time.Millisecond
	}
	return p
}

func (p WorkerParams) validate() error {
	switch {
	case p.Min < 1 || p.Max < p.Min:
		return fmt.Errorf("workers must satisfy 1 ≤ min ≤ max, got %d and %d", p.Min, p.Max)
	case p.WaitHigh <= 0:
		return fmt.Errorf("queue wait threshold must be positive, got %v", p.WaitHigh)
	case !(0 < p.BusyLow && p.BusyLow < p.BusyTarget && p.BusyTarget < p.BusyHigh && p.BusyHigh <= 1):
		return fmt.Errorf("utilization thresholds must satisfy 0 < low < target < high ≤ 1, got %g, %g, %g", p.BusyLow, p.BusyTarget, p.BusyHigh)
	case p.GrowAfter <= 0 || p.ShrinkAfter <= 0 || p.Backoff <= 0 || p.MaxBackoff < p.Backoff:
		return fmt.Errorf("hold times must be positive (and max backoff ≥ backoff)")
	case p.MinGain < 0:
		return fmt.Errorf("minimum gain must not be negative, got %g", p.MinGain)
	}
	return nil
}

// StageSample is what a worker controller sees of its stage over one
// window: figures that are differences between two Stats snapshots, and
// the worker count.
type StageSample struct {
	At      time.Time     // end of the window
	Window  time.Duration // its length
	Workers int           // workers asked for (StageStats.Target) at its end
	Busy    float64       // mean busy workers over the window (service time / window)
	Wait    time.Duration // queue wait, 90th percentile of the items taken in the window
	Fill    float64       // queue length / capacity at the end of the window
	Items   uint64        // items taken in the window
}

// Util is the fraction of the workers' time spent busy, 0 to 1.
func (s StageSample) Util() float64 {
	if s.Workers < 1 {
		return 0
	}
	return math.Min(s.Busy/float64(s.Workers), 1)
}

// Rate is items per second.
func (s StageSample) Rate() float64 {
	if s.Window <= 0 {
		return 0
	}
	return float64(s.Items) / s.Window.Seconds()
}

// Decision is a change a controller makes, with its reason.
type Decision struct {
	Kind   string  // KindWorkers, KindLimit, KindAdmission
	From   float64 // workers, or requests/s (0: unlimited) for admission
	To     float64
	Reason string
	// Held is how long the condition behind the decision had held, over
	// whole windows, the last of which was Window long. A law decides at
	// the first window that completes its hold: Held − Window < the hold
	// time ≤ Held.
	Held, Window time.Duration
}

// Kinds of Decision.
const (
	KindWorkers   = "workers"   // a stage's worker count changed
	KindLimit     = "limit"     // a stage is short of workers but at its maximum or learned ceiling: nothing changes
	KindAdmission = "admission" // a class's admission rate changed
)

// WorkerLaw is one stage's worker controller: plain synchronous code, fed
// one StageSample per window by the Tuner (or a test, with its own clock).
//
// The stage is short of workers ("hot") when, over a window, its queue
// wait p90 is above WaitHigh (or its queue is at least half full) while
// its workers are busy at least BusyHigh of the time: items wait because
// every worker is occupied, not because a burst came in. Hot for
// GrowAfter, it grows by half (at least one worker), up to Max. The
// stage is idle ("cold") when its workers are busy less than BusyLow and
// nothing waits; cold for ShrinkAfter, it shrinks to the count that would
// have been busy BusyTarget of the time, at least Min — at rest, Min.
//
// A growth is a hypothesis, tested by the next hot period: if the stage
// took no more items per second (MinGain), the growth is undone and that
// count becomes a ceiling for Backoff (doubling each time). This is what
// keeps a CPU-bound stage from growing to Max for nothing: its queue
// waits for the CPU, not for a worker.
type WorkerLaw struct {
	p WorkerParams

	workers int // the count the law last saw or set; another value means a person resized

	hotSince, coldSince time.Time // zero: not in that state
	hotItems            uint64    // items and time of the current hot period
	hotTime             time.Duration
	coldBusy            float64 // busy-worker-seconds and time of the current cold period
	coldTime            time.Duration
	limited             bool // a KindLimit decision was made for this hot period

	probe *probe // the last growth, until judged

	ceiling      int // no growth above this before ceilingUntil (0: none)
	ceilingUntil time.Time
	backoff      time.Duration
}

// probe is a growth waiting to be judged.
type probe struct {
	from, to int
	rate     float64 // items/s over the hot period that caused it
}

// NewWorkerLaw returns the controller for one stage; it fails if p is
// inconsistent.
func NewWorkerLaw(p WorkerParams) (*WorkerLaw, error) {
	if err := p.validate(); err != nil {
		return nil, err
	}
	return &WorkerLaw{p: p, backoff: p.Backoff}, nil
}

// Params returns the law's settings.
func (l *WorkerLaw) Params() WorkerParams { return l.p }

// State describes what the law is waiting for, for the dashboard: "hot
// 2.0s", "cold 4.0s", "steady", with the learned ceiling if one holds.
func (l *WorkerLaw) State(now time.Time) string {
	s := "steady"
	switch {
	case !l.hotSince.IsZero():
		s = fmt.Sprintf("short of workers for %s", dur(now.Sub(l.hotSince)))
	case !l.coldSince.IsZero():
		s = fmt.Sprintf("idle for %s", dur(now.Sub(l.coldSince)))
	}
	if l.ceiling > 0 && now.Before(l.ceilingUntil) {
		s += fmt.Sprintf("; no growth above %d for %s", l.ceiling, dur(l.ceilingUntil.Sub(now)))
	}
	return s
}

func (l *WorkerLaw) resetPeriods() {
	l.hotSince, l.coldSince = time.Time{}, time.Time{}
	l.hotItems, l.hotTime, l.coldBusy, l.coldTime = 0, 0, 0, 0
	l.limited = false
}

// Observe feeds the law one window and returns the decision it makes, if
// any. The caller applies a KindWorkers decision (Server.Resize).
func (l *WorkerLaw) Observe(s StageSample) (Decision, bool) {
	if s.Workers != l.workers {
		// First window, or someone resized the stage: start over from here.
		l.workers = s.Workers
		l.resetPeriods()
		l.probe = nil
		return Decision{}, false
	}
	n := s.Workers
	util := s.Util()
	waiting := s.Wait > l.p.WaitHigh || s.Fill >= 0.5
	hot := waiting && util >= l.p.BusyHigh
	cold := util < l.p.BusyLow && s.Wait <= l.p.WaitHigh/2 && s.Fill < 0.1

	if !hot {
		if l.probe != nil {
			l.probe = nil // the growth relieved the stage: it was worth it
			l.backoff = l.p.Backoff
		}
		l.hotSince, l.hotItems, l.hotTime, l.limited = time.Time{}, 0, 0, false
	}
	if !cold {
		l.coldSince, l.coldBusy, l.coldTime = time.Time{}, 0, 0
	}

	switch {
	case hot:
		if l.hotSince.IsZero() {
			l.hotSince = s.At.Add(-s.Window)
		}
		l.hotItems += s.Items
		l.hotTime += s.Window
		held := s.At.Sub(l.hotSince)
		if held < l.p.GrowAfter {
			return Decision{}, false
		}
		rate := float64(l.hotItems) / l.hotTime.Seconds()
		why := l.hotReason(s, held)
		if pr := l.probe; pr != nil {
			l.probe = nil
			if rate < pr.rate*(1+l.p.MinGain) {
				// The growth brought nothing: undo it, and do not try
				// again above pr.from for a while.
				l.ceiling, l.ceilingUntil = pr.from, s.At.Add(l.backoff)
				l.backoff = min(2*l.backoff, l.p.MaxBackoff)
				l.workers = pr.from
				l.resetPeriods()
				return Decision{Kind: KindWorkers, From: float64(n), To: float64(pr.from), Held: held, Window: s.Window,
					Reason: fmt.Sprintf("%s, but %s items/s after %d→%d workers vs %s before (under +%.0f%%): undone, no growth above %d for %s",
						why, num(rate), pr.from, pr.to, num(pr.rate), 100*l.p.MinGain, pr.from, dur(l.ceilingUntil.Sub(s.At)))}, true
			}
			l.backoff = l.p.Backoff
		}
		top := l.p.Max
		if l.ceiling > 0 && s.At.Before(l.ceilingUntil) {
			top = min(top, l.ceiling)
		}
		if n >= top {
			if l.limited {
				return Decision{}, false
			}
			l.limited = true
			what := "its maximum"
			if top < l.p.Max {
				what = "the ceiling it learned"
			}
			return Decision{Kind: KindLimit, From: float64(n), To: float64(n), Held: held, Window: s.Window,
				Reason: fmt.Sprintf("%s, at %s (%d): not growing", why, what, top)}, true
		}
		to := min(top, n+max(1, (n+1)/2))
		l.probe = &probe{from: n, to: to, rate: rate}
		l.workers = to
		l.resetPeriods()
		return Decision{Kind: KindWorkers, From: float64(n), To: float64(to), Reason: why, Held: held, Window: s.Window}, true

	case cold:
		if l.coldSince.IsZero() {
			l.coldSince = s.At.Add(-s.Window)
		}
		l.coldBusy += s.Busy * s.Window.Seconds()
		l.coldTime += s.Window
		held := s.At.Sub(l.coldSince)
		if held < l.p.ShrinkAfter || n <= l.p.Min {
			return Decision{}, false
		}
		busy := l.coldBusy / l.coldTime.Seconds()
		to := max(l.p.Min, int(math.Ceil(busy/l.p.BusyTarget)))
		if to >= n {
			return Decision{}, false
		}
		l.workers = to
		l.resetPeriods()
		return Decision{Kind: KindWorkers, From: float64(n), To: float64(to), Held: held, Window: s.Window,
			Reason: fmt.Sprintf("busy %.1f of %d workers (%.0f%% < %.0f%%) for %s", busy, n, 100*busy/float64(n), 100*l.p.BusyLow, dur(held))}, true
	}
	return Decision{}, false
}

// hotReason says why the stage is short of workers.
func (l *WorkerLaw) hotReason(s StageSample, held time.Duration) string {
	if s.Wait > l.p.WaitHigh {
		return fmt.Sprintf("queue wait p90 %s > %s, busy %.0f%%, for %s", dur(s.Wait), dur(l.p.WaitHigh), 100*s.Util(), dur(held))
	}
	return fmt.Sprintf("queue %.0f%% full, busy %.0f%%, for %s", 100*s.Fill, 100*s.Util(), dur(held))
}
