package autotune

import (
	"sort"
	"time"
)

// Status is what the controllers are doing, for the admin listener.
type Status struct {
	Time     time.Time     `json:"time"`     // when the snapshot was taken
	Interval float64       `json:"interval"` // seconds
	Stages   []StageStatus `json:"stages"`
	Classes  []ClassStatus `json:"classes"`
	// Decisions counts every decision made so far by subject and kind
	// (Events keeps only the last ones).
	Decisions []DecisionCount `json:"decisions"`
	Events    []Event         `json:"events"`
}

// StageStatus is one worker controller.
type StageStatus struct {
	Stage    string  `json:"stage"`
	Workers  int     `json:"workers"` // asked for, at the last window
	Min      int     `json:"min"`
	Max      int     `json:"max"`
	WaitHigh float64 `json:"wait_high"` // seconds
	// The last window: utilization (0–1), queue wait p90 (seconds), queue
	// fill (0–1), items per second.
	Util  float64 `json:"util"`
	Wait  float64 `json:"wait_p90"`
	Fill  float64 `json:"fill"`
	Rate  float64 `json:"rate"`
	State string  `json:"state"`
}

// ClassStatus is one admission controller.
type ClassStatus struct {
	Class    string  `json:"class"`
	Target   float64 `json:"target"`   // seconds
	Quantile float64 `json:"quantile"` // 0.99
	// Measured is the percentile in the last window, Smoothed the moving
	// average the controller acts on (seconds).
	Measured float64 `json:"measured"`
	Smoothed float64 `json:"smoothed"`
	Limit    float64 `json:"limit"`   // admission rate, requests/s; 0: unlimited
	Served   float64 `json:"served"`  // non-5xx responses/s in the last window
	Refused  uint64  `json:"refused"` // by the gate, in all
}

// DecisionCount is how many decisions of a kind a subject has had.
type DecisionCount struct {
	Subject string `json:"subject"`
	Kind    string `json:"kind"`
	Count   uint64 `json:"count"`
}

// Status returns a snapshot of the controllers and the last events.
func (t *Tuner) Status() Status {
	t.mu.Lock()
	defer t.mu.Unlock()
	now := t.prevAt
	if now.IsZero() {
		now = time.Now()
	}
	st := Status{Time: time.Now(), Interval: t.cfg.Interval.Seconds(), Events: t.events.since(0)}
	for _, c := range t.stages {
		p := c.law.Params()
		st.Stages = append(st.Stages, StageStatus{Stage: c.name, Workers: c.last.Workers, Min: p.Min, Max: p.Max,
			WaitHigh: p.WaitHigh.Seconds(), Util: c.last.Util(), Wait: c.last.Wait.Seconds(), Fill: c.last.Fill,
			Rate: c.last.Rate(), State: c.law.State(now)})
	}
	for _, c := range t.classes {
		p := c.law.Params()
		st.Classes = append(st.Classes, ClassStatus{Class: c.class, Target: p.Target.Seconds(), Quantile: p.Quantile,
			Measured: c.last.Latency.Seconds(), Smoothed: c.law.Smoothed().Seconds(), Limit: c.law.Limit(),
			Served: c.last.Served, Refused: t.gate.buckets[c.route].refused.Load()})
	}
	for k, n := range t.events.counts() {
		st.Decisions = append(st.Decisions, DecisionCount{Subject: k[0], Kind: k[1], Count: n})
	}
	sort.Slice(st.Decisions, func(i, j int) bool {
		a, b := st.Decisions[i], st.Decisions[j]
		return a.Subject < b.Subject || a.Subject == b.Subject && a.Kind < b.Kind
	})
	return st
}
