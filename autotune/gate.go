package autotune

import (
	"fmt"
	"math"
	"sync/atomic"
	"time"

	"pipehttp/pipeline"
)

// Gate is the token buckets of the admission controllers, one per route
// class with a target; it implements pipeline.Admission, so the route
// stage asks it about every routed request (pipeline/gate.go).
//
// Each bucket is the generic cell rate algorithm (GCRA, the token bucket
// of ATM networks): one atomic word, the theoretical arrival time of the
// next request; a request is admitted if that time is not further ahead
// of now than the bucket's burst, and then pushes it one interval on. No
// lock, no goroutine refilling tokens. While a class is unlimited — at
// rest, always — Admit costs one atomic load; a class without a target
// costs a slice index.
type Gate struct {
	buckets []*bucket // by route index (pipeline.RouteNames); nil: no target
	now     func() time.Duration
}

type bucket struct {
	interval atomic.Int64  // ns between admissions; 0: unlimited
	burst    atomic.Int64  // ns ahead of now the arrival time may run
	tat      atomic.Int64  // theoretical arrival time of the next request, ns on the gate's clock
	refused  atomic.Uint64 // requests refused
}

// NewGate returns a gate with a bucket for each of classes (class names:
// see Classes), all unlimited. now is its monotonic clock (nil: the
// process's); tests pass a fake one.
func NewGate(classes []string, now func() time.Duration) (*Gate, error) {
	if now == nil {
		epoch := time.Now()
		now = func() time.Duration { return time.Since(epoch) }
	}
	g := &Gate{buckets: make([]*bucket, len(pipeline.RouteNames())), now: now}
	for _, c := range classes {
		i, err := routeOf(c)
		if err != nil {
			return nil, err
		}
		g.buckets[i] = new(bucket)
	}
	return g, nil
}

// Admit reports whether one request of route may go on now.
func (g *Gate) Admit(route int) bool {
	if route < 0 || route >= len(g.buckets) {
		return true
	}
	b := g.buckets[route]
	if b == nil {
		return true
	}
	iv := b.interval.Load()
	if iv == 0 {
		return true
	}
	now := int64(g.now())
	burst := b.burst.Load()
	for {
		tat := b.tat.Load()
		next := max(tat, now)
		if next-now > burst {
			b.refused.Add(1)
			return false
		}
		if b.tat.CompareAndSwap(tat, next+iv) {
			return true
		}
	}
}

// SetRate limits class to perSecond requests a second, with a burst of a
// tenth of a second's worth (at least one request); 0 lifts the limit.
func (g *Gate) SetRate(class string, perSecond float64) error {
	i, err := routeOf(class)
	if err != nil {
		return err
	}
	b := g.buckets[i]
	if b == nil {
		return fmt.Errorf("autotune: class %q has no target", class)
	}
	if perSecond <= 0 || math.IsInf(perSecond, 1) {
		b.interval.Store(0)
		return nil
	}
	iv := max(int64(float64(time.Second)/perSecond), 1)
	tokens := max(1, perSecond/10)
	// burst is how far ahead the arrival time may run: tokens−1 intervals
	// beyond the one a request itself takes, as GCRA counts it.
	b.burst.Store(int64((tokens - 1) * float64(iv)))
	if b.interval.Swap(iv) == 0 {
		b.tat.Store(int64(g.now())) // from unlimited: a full bucket
	}
	return nil
}

// Refused is how many requests of class the gate has refused.
func (g *Gate) Refused(class string) uint64 {
	i, err := routeOf(class)
	if err != nil || g.buckets[i] == nil {
		return 0
	}
	return g.buckets[i].refused.Load()
}
