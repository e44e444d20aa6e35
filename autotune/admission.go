package autotune

import (
	"fmt"
	"math"
	"time"
)

// AdmissionParams are the settings of one route class's admission
// controller (Welsh & Culler, "Adaptive Overload Control for Busy Internet
// Servers", USITS 2003, with their structure and our defaults).
type AdmissionParams struct {
	// Target is the response time the class should keep at Quantile
	// (0.99: its p99), from the first byte of a request read to the last
	// byte of its response written.
	Target   time.Duration
	Quantile float64
	// Smoothing is the weight of the previous estimate in the exponential
	// moving average of the measured percentile (Welsh & Culler's α; 0.7):
	// one slow window does not cut the rate, a run of them does.
	Smoothing float64
	// Decrease divides the admission rate each window the smoothed
	// percentile is above Target (multiplicative decrease; 1.2).
	Decrease float64
	// Below is the margin under Target, as a fraction (0.5), under which
	// the rate rises by Step each window (additive increase); between
	// Target×(1−Below) and Target the rate holds. Step is a fraction of the
	// class's served rate when it was first limited (0.05).
	Below, Step float64
	// MinRate is the lowest admission rate, requests/s (1): a class is
	// never shut off entirely, so its latency keeps being measured.
	MinRate float64
	// LiftAfter is how long a limited class must be under Target with
	// nothing refused before its limit is lifted (5s): back to rest.
	LiftAfter time.Duration
	// Futile is how many cuts in a row may leave the class's latency
	// within MinEffect (a fraction, 0.2) of what it was when the limit
	// began (3). Then shedding the class is not what its latency needs —
	// it waits on the CPU or on another class, not on its own queue — and
	// the limit is lifted and not applied again for Quiet (30s), doubling
	// each time up to MaxQuiet (10m).
	Futile          int
	MinEffect       float64
	Quiet, MaxQuiet time.Duration
}

// DefaultAdmissionParams returns the defaults documented on
// AdmissionParams for a p99 target.
func DefaultAdmissionParams(target time.Duration) AdmissionParams {
	return AdmissionParams{Target: target, Quantile: 0.99, Smoothing: 0.7, Decrease: 1.2,
		Below: 0.5, Step: 0.05, MinRate: 1, LiftAfter: 5 * time.Second,
		Futile: 3, MinEffect: 0.2, Quiet: 30 * time.Second, MaxQuiet: 10 * time.Minute}
}

func (p AdmissionParams) validate() error {
	switch {
	case p.Target <= 0:
		return fmt.Errorf("target must be positive, got %v", p.Target)
	case !(p.Quantile > 0 && p.Quantile < 1):
		return fmt.Errorf("quantile must be between 0 and 1, got %g", p.Quantile)
	case !(p.Smoothing >= 0 && p.Smoothing < 1):
		return fmt.Errorf("smoothing must be in [0, 1), got %g", p.Smoothing)
	case p.Decrease <= 1:
		return fmt.Errorf("decrease must be above 1, got %g", p.Decrease)
	case !(p.Below > 0 && p.Below < 1) || p.Step <= 0:
		return fmt.Errorf("increase margin must be in (0, 1) and step positive")
	case p.MinRate <= 0 || p.LiftAfter <= 0:
		return fmt.Errorf("minimum rate and lift time must be positive")
	case p.Futile < 1 || !(p.MinEffect > 0 && p.MinEffect < 1) || p.Quiet <= 0 || p.MaxQuiet < p.Quiet:
		return fmt.Errorf("futility settings must be positive (effect in (0, 1), max quiet ≥ quiet)")
	}
	return nil
}

// ClassSample is what an admission controller sees of its class over one
// window (the Tuner makes a window last until it holds enough responses,
// or two intervals).
type ClassSample struct {
	At     time.Time
	Window time.Duration
	// Latency is the class's response time at the controller's quantile
	// among the responses it admitted in the window (the gate's own fast
	// 503s left out); Samples is how many there were.
	Latency time.Duration
	Samples uint64
	// Served is the class's responses per second that were not 5xx: what
	// it actually got through.
	Served float64
	// Refused is how many requests the gate refused in the window.
	Refused uint64
}

// AdmissionLaw is one class's admission controller: additive increase,
// multiplicative decrease of a token-bucket rate, driven by a smoothed
// percentile against a target. At rest the class is unlimited.
//
// Above target, an unlimited class is limited to its served rate divided
// by Decrease, and a limited one has its rate divided again, each window
// (so a persistent overload is cut geometrically fast). Well under target
// (by Below), the rate rises by a constant step per window (so it probes
// back slowly, as TCP's congestion window does). Under target with nothing
// refused for LiftAfter, the limit is lifted. A cut or a rise needs both
// the smoothed percentile and the last window's on the same side: the
// average remembers the queue a cut has already drained. No cut either
// while the class is served faster than the gate admits it: its backlog
// is draining, and the latency follows. And if Futile cuts in a row leave
// the latency where it was, shedding this class is not the cure (its
// requests wait on something else): the limit is lifted and the class left
// alone for a while.
type AdmissionLaw struct {
	p AdmissionParams

	smoothed  float64 // seconds; valid when measured
	measured  bool
	limit     float64 // requests/s; 0: unlimited
	step      float64
	calmSince time.Time

	engagedAt  time.Duration // the last window's latency when the limit began
	futile     int           // cuts in a row that did not bring it down
	quiet      time.Duration // the next quiet period after futile shedding
	quietUntil time.Time
}

// NewAdmissionLaw returns the controller for one class.
func NewAdmissionLaw(p AdmissionParams) (*AdmissionLaw, error) {
	if err := p.validate(); err != nil {
		return nil, err
	}
	return &AdmissionLaw{p: p, quiet: p.Quiet}, nil
}

// Params returns the law's settings.
func (l *AdmissionLaw) Params() AdmissionParams { return l.p }

// Limit is the admission rate in requests/s, 0 when the class is unlimited.
func (l *AdmissionLaw) Limit() float64 { return l.limit }

// Smoothed is the smoothed percentile (0 before any sample).
func (l *AdmissionLaw) Smoothed() time.Duration {
	return time.Duration(l.smoothed * float64(time.Second))
}

// Observe feeds the law one window and returns the decision it makes, if
// any. The caller applies it (Gate.SetRate).
func (l *AdmissionLaw) Observe(s ClassSample) (Decision, bool) {
	if s.Samples > 0 {
		lat := s.Latency.Seconds()
		if l.measured {
			l.smoothed = l.p.Smoothing*l.smoothed + (1-l.p.Smoothing)*lat
		} else {
			l.smoothed, l.measured = lat, true
		}
	}
	if !l.measured {
		return Decision{}, false
	}
	if s.Samples == 0 {
		// Nothing was served: no latency to judge. A limited class that
		// also had nothing refused is idle, which counts towards lifting
		// its limit (else a class whose clients went away would stay
		// limited for ever, on its last figures).
		if l.limit == 0 || s.Refused > 0 {
			l.calmSince = time.Time{}
			return Decision{}, false
		}
		return l.calm(s, "no requests")
	}
	target := l.p.Target.Seconds()
	// The smoothed figure decides, and the last window must agree: the
	// average lags, and once the requests admitted under a cut are fast
	// again, cutting further on the memory of slow ones would starve the
	// class for nothing (and the other way round for increases).
	err := (l.smoothed - target) / target
	last := (s.Latency.Seconds() - target) / target
	if err > 0 && last <= 0 || err < -l.p.Below && last >= -l.p.Below {
		err = min(max(err, -l.p.Below), 0)
	}
	q := fmt.Sprintf("p%g", 100*l.p.Quantile)
	measured := fmt.Sprintf("%s %s (smoothed; %s in the last %s)", q, dur(l.Smoothed()), dur(s.Latency), dur(s.Window))
	from := l.limit
	switch {
	case err > 0:
		l.calmSince = time.Time{}
		if l.limit == 0 {
			if s.At.Before(l.quietUntil) {
				return Decision{}, false // shedding this class was futile lately
			}
			l.limit = max(l.p.MinRate, s.Served/l.p.Decrease)
			l.step = max(1, l.p.Step*l.limit)
			l.engagedAt, l.futile = s.Latency, 0
			return Decision{Kind: KindAdmission, From: 0, To: l.limit,
				Reason: fmt.Sprintf("%s > %s; served %s/s", measured, dur(l.p.Target), num(s.Served))}, true
		}
		if s.Served > l.limit*1.05 {
			// More is leaving than the gate lets in: the queue the class
			// built before the cut is draining, and its latency will follow.
			// Cutting again now would only answer the past.
			return Decision{}, false
		}
		if s.Latency > time.Duration(float64(l.engagedAt)*(1-l.p.MinEffect)) {
			l.futile++
		} else {
			l.futile = 0
		}
		if l.futile >= l.p.Futile {
			// The class's latency does not follow its admissions: it waits
			// on something shed requests do not free (the CPU, a neighbour).
			// Refusing it more would lose requests for nothing.
			l.limit, l.futile = 0, 0
			l.quietUntil = s.At.Add(l.quiet)
			l.quiet = min(2*l.quiet, l.p.MaxQuiet)
			return Decision{Kind: KindAdmission, From: from, To: 0,
				Reason: fmt.Sprintf("%s > %s after %d cuts, against %s when the limit began: shedding this class does not bring its latency down; not limited again for %s",
					measured, dur(l.p.Target), l.p.Futile, dur(l.engagedAt), dur(l.quietUntil.Sub(s.At)))}, true
		}
		if l.limit <= l.p.MinRate {
			return Decision{}, false
		}
		l.limit = max(l.p.MinRate, l.limit/l.p.Decrease)
		return Decision{Kind: KindAdmission, From: from, To: l.limit,
			Reason: fmt.Sprintf("%s > %s; refused %d", measured, dur(l.p.Target), s.Refused)}, true

	case l.limit == 0:
		return Decision{}, false

	case err <= 0 && s.Refused == 0:
		return l.calm(s, fmt.Sprintf("%s ≤ %s", measured, dur(l.p.Target)))

	case err < -l.p.Below:
		l.calmSince = time.Time{}
		l.limit += l.step
		return Decision{Kind: KindAdmission, From: from, To: l.limit,
			Reason: fmt.Sprintf("%s < %s (%.0f%% under); refused %d", measured, dur(l.p.Target), 100*l.p.Below, s.Refused)}, true
	}
	l.calmSince = time.Time{}
	return Decision{}, false
}

// tailQuantile is the q-quantile of a window's latency histogram among its
// admitted responses: total responses, of which refused were the gate's
// 503s. Those are answered in the route stage in microseconds, faster than
// any admitted response, so they sit at the bottom of the histogram; the
// admitted responses' q-quantile is the value with (1−q)·(total−refused)
// responses above it.
func tailQuantile(quantile func(float64) float64, q float64, total, refused uint64) float64 {
	if refused >= total {
		return 0
	}
	admitted := float64(total - refused)
	return quantile(1 - (1-q)*admitted/float64(total))
}

// rateText is a rate limit as text: "unlimited" for 0.
func rateText(r float64) string {
	if r == 0 || math.IsInf(r, 1) {
		return "unlimited"
	}
	return num(r) + "/s"
}

// calm counts a window in which a limited class refused nothing and met
// its target (or had no requests), and lifts the limit after LiftAfter of
// them in a row.
func (l *AdmissionLaw) calm(s ClassSample, why string) (Decision, bool) {
	if l.calmSince.IsZero() {
		l.calmSince = s.At.Add(-s.Window)
	}
	calm := s.At.Sub(l.calmSince)
	if calm < l.p.LiftAfter {
		return Decision{}, false
	}
	from := l.limit
	l.limit, l.calmSince = 0, time.Time{}
	return Decision{Kind: KindAdmission, From: from, To: 0, Held: calm, Window: s.Window,
		Reason: fmt.Sprintf("%s, none refused for %s", why, dur(calm))}, true
}
