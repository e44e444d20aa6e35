package autotune

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"slices"
	"sync"
	"time"

	"pipehttp/pipeline"
)

// Target is the server a Tuner watches and resizes; *pipeline.Server is
// the production one.
type Target interface {
	Stats() pipeline.Stats
	Resize(stage string, workers int) error
}

// Config says which controllers a Tuner runs.
type Config struct {
	// Interval is the controllers' window: how often the Tuner takes a
	// Stats snapshot and feeds each controller the difference from the
	// last one. Default 1s.
	Interval time.Duration
	// Stages are the stages with a worker controller ("parse", "route",
	// "write", "file"), and their settings (DefaultWorkerParams).
	Stages map[string]WorkerParams
	// Targets are the route classes (Classes) with an admission
	// controller, and their settings (DefaultAdmissionParams). They need a
	// Gate, set as the server's pipeline.Config.Admission.
	Targets map[string]AdmissionParams
	// MinSamples is how many responses an admission controller's window
	// should hold: a window is extended, up to two intervals, until it
	// does. Default 20.
	MinSamples uint64
	// Events is how many decisions are kept for Status. Default 512.
	Events int
	// Log gets one Info record per decision (nil: none).
	Log *slog.Logger
}

// Tuner runs the controllers: every Interval it reads the server's Stats,
// feeds each controller its window and applies what they decide — Resize
// for worker controllers, Gate.SetRate for admission controllers — and
// records every decision as an Event. Its state is read concurrently by
// Status and Events.
type Tuner struct {
	srv  Target
	gate *Gate
	cfg  Config
	log  *slog.Logger

	mu      sync.Mutex
	stages  []*stageControl
	classes []*classControl
	prev    *pipeline.Stats
	prevAt  time.Time
	closed  bool // the server is shutting down: Resize refuses
	events  *eventLog
}

type stageControl struct {
	name string
	law  *WorkerLaw
	last StageSample
}

type classControl struct {
	class  string
	route  int
	law    *AdmissionLaw
	last   ClassSample
	base   pipeline.RouteStats // the start of the current window
	baseAt time.Time
	baseRf uint64 // the gate's refusals at baseAt
}

// stageOrder is the pipeline order, for a stable listing.
var stageOrder = []string{"parse", "route", "file", "write"}

// New returns a Tuner for srv. gate is needed when cfg has Targets, and
// must be srv's pipeline.Config.Admission.
func New(srv Target, gate *Gate, cfg Config) (*Tuner, error) {
	if cfg.Interval == 0 {
		cfg.Interval = time.Second
	}
	if cfg.Interval < 0 {
		return nil, fmt.Errorf("autotune: interval must be positive, got %v", cfg.Interval)
	}
	if cfg.MinSamples == 0 {
		cfg.MinSamples = 20
	}
	if cfg.Events <= 0 {
		cfg.Events = 512
	}
	t := &Tuner{srv: srv, gate: gate, cfg: cfg, log: cfg.Log, events: newEventLog(cfg.Events)}
	if t.log == nil {
		t.log = slog.New(slog.DiscardHandler)
	}
	for name := range cfg.Stages {
		if !slices.Contains(stageOrder, name) {
			return nil, fmt.Errorf("autotune: stage %q has no worker controller (stages: parse, route, write, file)", name)
		}
	}
	for _, name := range stageOrder {
		p, ok := cfg.Stages[name]
		if !ok {
			continue
		}
		law, err := NewWorkerLaw(p)
		if err != nil {
			return nil, fmt.Errorf("autotune: %s stage: %w", name, err)
		}
		t.stages = append(t.stages, &stageControl{name: name, law: law})
	}
	for class := range cfg.Targets {
		if _, err := routeOf(class); err != nil {
			return nil, err
		}
	}
	for _, class := range Classes() {
		p, ok := cfg.Targets[class]
		if !ok {
			continue
		}
		route, _ := routeOf(class) // a class of Classes: no error
		if gate == nil || gate.buckets[route] == nil {
			return nil, fmt.Errorf("autotune: class %q has a target but the gate has no bucket for it", class)
		}
		law, err := NewAdmissionLaw(p)
		if err != nil {
			return nil, fmt.Errorf("autotune: class %s: %w", class, err)
		}
		t.classes = append(t.classes, &classControl{class: class, route: route, law: law})
	}
	return t, nil
}

// Run runs the controllers every Interval until ctx is done, then returns
// nil. It is the Tuner's one goroutine; the caller owns it. It needs the
// server's timing on (pipeline.Config.DisableTiming false): without queue
// waits and service times the controllers are blind.
func (t *Tuner) Run(ctx context.Context) error {
	if !t.srv.Stats().Timing {
		return errors.New("autotune: the server's timing is off (DisableTiming); the controllers need it")
	}
	tick := time.NewTicker(t.cfg.Interval)
	defer tick.Stop()
	t.Step(time.Now(), t.srv.Stats())
	for {
		select {
		case <-ctx.Done():
			return nil
		case now := <-tick.C:
			t.Step(now, t.srv.Stats())
		}
	}
}

// Step feeds every controller the window from the previous Step to now,
// whose end is st, and applies their decisions. Run calls it once per
// Interval with the wall clock; tests and simulations call it with their
// own. The first call only records st.
func (t *Tuner) Step(now time.Time, st pipeline.Stats) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.prev == nil {
		t.prev, t.prevAt = &st, now
		for _, c := range t.classes {
			c.base, c.baseAt, c.baseRf = routeStats(st, c.route), now, t.gate.buckets[c.route].refused.Load()
		}
		return
	}
	dt := now.Sub(t.prevAt)
	if dt <= 0 {
		return
	}
	for _, c := range t.stages {
		cur, ok1 := stageStats(st, c.name)
		old, ok2 := stageStats(*t.prev, c.name)
		if !ok1 || !ok2 {
			continue
		}
		s := StageSample{At: now, Window: dt, Workers: cur.Target,
			Busy:  max(cur.Service.Sum-old.Service.Sum, 0) / dt.Seconds(),
			Wait:  seconds(delta(cur.Wait, old.Wait).Quantile(0.9)),
			Items: cur.Taken - old.Taken}
		if cur.QueueCap > 0 {
			s.Fill = float64(cur.QueueLen) / float64(cur.QueueCap)
		}
		c.last = s
		d, ok := c.law.Observe(s)
		if !ok {
			continue
		}
		if d.Kind == KindWorkers && !t.closed {
			if err := t.srv.Resize(c.name, int(d.To)); err != nil {
				if errors.Is(err, pipeline.ErrServerClosed) {
					t.closed = true
				} else {
					t.log.Warn("autotune: resize failed", "stage", c.name, "workers", int(d.To), "err", err)
				}
				continue
			}
		}
		t.record(now, c.name, d)
	}
	for _, c := range t.classes {
		cur := routeStats(st, c.route)
		age := now.Sub(c.baseAt)
		h := delta(cur.Latency, c.base.Latency)
		if h.Count < t.cfg.MinSamples && age < 2*t.cfg.Interval {
			continue // a longer window, for a percentile worth the name
		}
		refusedNow := t.gate.buckets[c.route].refused.Load()
		refused := refusedNow - c.baseRf
		q := c.law.Params().Quantile
		s := ClassSample{At: now, Window: age, Refused: refused,
			Samples: h.Count - min(refused, h.Count),
			Latency: seconds(tailQuantile(h.Quantile, q, h.Count, refused)),
			Served:  float64(int64(cur.Count-c.base.Count)-int64(cur.Status["5xx"]-c.base.Status["5xx"])) / age.Seconds()}
		s.Served = max(s.Served, 0)
		c.last = s
		c.base, c.baseAt, c.baseRf = cur, now, refusedNow
		d, ok := c.law.Observe(s)
		if !ok {
			continue
		}
		if d.Window == 0 {
			d.Window = s.Window
		}
		if err := t.gate.SetRate(c.class, d.To); err != nil {
			t.log.Warn("autotune: setting an admission rate failed", "class", c.class, "err", err)
			continue
		}
		t.record(now, c.class, d)
	}
	t.prev, t.prevAt = &st, now
}

func (t *Tuner) record(now time.Time, subject string, d Decision) {
	if d.Held == 0 { // a decision on one window (admission)
		d.Held = d.Window
	}
	e := t.events.add(newEvent(now, subject, d))
	round := func(v float64) float64 { return math.Round(v*100) / 100 }
	t.log.Info("autotune", "subject", e.Subject, "kind", e.Kind, "from", round(e.From), "to", round(e.To), "decision", e.Message)
}

// Events returns the kept decisions with Seq greater than after, oldest
// first.
func (t *Tuner) Events(after uint64) []Event { return t.events.since(after) }

func stageStats(st pipeline.Stats, name string) (pipeline.StageStats, bool) {
	for _, s := range st.Stages {
		if s.Name == name {
			return s, true
		}
	}
	return pipeline.StageStats{}, false
}

func routeStats(st pipeline.Stats, route int) pipeline.RouteStats {
	if route < len(st.Routes) {
		return st.Routes[route]
	}
	return pipeline.RouteStats{Status: map[string]uint64{}}
}

// delta is the histogram of the observations between old and cur.
func delta(cur, old pipeline.Histogram) pipeline.Histogram {
	d := pipeline.Histogram{Counts: make([]uint64, len(cur.Counts)), Sum: cur.Sum - old.Sum}
	for i, n := range cur.Counts {
		if i < len(old.Counts) {
			n -= min(old.Counts[i], n)
		}
		d.Counts[i] = n
		d.Count += n
	}
	return d
}

func seconds(s float64) time.Duration { return time.Duration(s * float64(time.Second)) }
