package autotune_test

import (
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"pipehttp/autotune"
)

func classWindow(c *clock, lat time.Duration, served float64, refused uint64) autotune.ClassSample {
	return autotune.ClassSample{At: c.tick(time.Second), Window: time.Second, Latency: lat, Samples: 100, Served: served, Refused: refused}
}

func newAdmission(t *testing.T, target time.Duration) *autotune.AdmissionLaw {
	t.Helper()
	l, err := autotune.NewAdmissionLaw(autotune.DefaultAdmissionParams(target))
	if err != nil {
		t.Fatal(err)
	}
	return l
}

// Under target, an unlimited class stays unlimited.
func TestAdmissionLawRestsUnderTarget(t *testing.T) {
	c := newClock()
	l := newAdmission(t, 200*time.Millisecond)
	for range 20 {
		if d, ok := l.Observe(classWindow(c, 150*time.Millisecond, 80, 0)); ok {
			t.Fatalf("decided %+v under target", d)
		}
	}
	if l.Limit() != 0 {
		t.Fatalf("limit %v", l.Limit())
	}
}

// Over target, the class is limited to its served rate / 1.2, then cut by
// 1.2 again every window it stays over (multiplicative decrease), never
// below MinRate.
func TestAdmissionLawCutsMultiplicatively(t *testing.T) {
	c := newClock()
	l := newAdmission(t, 200*time.Millisecond)
	d, ok := l.Observe(classWindow(c, 800*time.Millisecond, 96, 0))
	if !ok || d.From != 0 || d.To != 80 {
		t.Fatalf("first window over target: %+v %v, want unlimited → 80/s", d, ok)
	}
	if !strings.Contains(d.Reason, "p99 800 ms") || !strings.Contains(d.Reason, "> 200 ms") {
		t.Errorf("reason %q", d.Reason)
	}
	want := 80.0
	for range 40 {
		// The server keeps up with what is admitted (served = limit), and
		// each cut helps a little, though not enough.
		d, ok := l.Observe(classWindow(c, 600*time.Millisecond, l.Limit(), 50))
		if want <= 1 {
			if ok {
				t.Fatalf("cut below MinRate: %+v", d)
			}
			continue
		}
		want = max(1, want/1.2)
		if !ok || !near(d.To, want) {
			t.Fatalf("decision %+v %v, want a cut to %.2f", d, ok, want)
		}
	}
	if l.Limit() != 1 {
		t.Fatalf("limit after a long overload %v, want MinRate 1", l.Limit())
	}
}

// While the class is served faster than the gate admits it, its backlog
// is draining: no further cut, however slow the last window was.
func TestAdmissionLawHoldsWhileDraining(t *testing.T) {
	c := newClock()
	l := newAdmission(t, 200*time.Millisecond)
	l.Observe(classWindow(c, 800*time.Millisecond, 96, 0)) // limit 80
	for range 5 {
		if d, ok := l.Observe(classWindow(c, 900*time.Millisecond, 95, 40)); ok {
			t.Fatalf("cut to %v while 95/s were served under an 80/s limit", d.To)
		}
	}
	if d, ok := l.Observe(classWindow(c, 600*time.Millisecond, 80, 40)); !ok || !near(d.To, 80/1.2) {
		t.Fatalf("drained but still slow: %+v %v, want a cut", d, ok)
	}
}

// Cuts that leave the latency where it was are futile: after three, the
// limit is lifted and the class is not limited again for 30 s (then 60 s
// after the next futile run).
func TestAdmissionLawGivesUpWhenFutile(t *testing.T) {
	c := newClock()
	l := newAdmission(t, 5*time.Millisecond)
	l.Observe(classWindow(c, 20*time.Millisecond, 1900, 0)) // limited
	var d autotune.Decision
	var n int
	for i := range 10 {
		var ok bool
		if d, ok = l.Observe(classWindow(c, 22*time.Millisecond, l.Limit(), 300)); ok && d.To == 0 {
			n = i + 1
			break
		}
	}
	if n != 3 || !strings.Contains(d.Reason, "does not bring its latency down") || !strings.Contains(d.Reason, "for 30 s") {
		t.Fatalf("after %d windows: %+v, want a lift after 3 futile cuts", n, d)
	}
	began := c.now
	var again time.Time
	for range 60 {
		if d, ok := l.Observe(classWindow(c, 22*time.Millisecond, 1900, 0)); ok && d.From == 0 {
			again = c.now
			break
		}
	}
	if gap := again.Sub(began); gap < 30*time.Second || gap > 31*time.Second {
		t.Fatalf("limited again %v after giving up, want 30 s", gap)
	}
	// Futile again: the quiet period doubles.
	for range 3 {
		d, _ = l.Observe(classWindow(c, 22*time.Millisecond, l.Limit(), 300))
	}
	if d.To != 0 || !strings.Contains(d.Reason, "for 1 m") && !strings.Contains(d.Reason, "for 60 s") {
		t.Fatalf("second give-up: %+v", d)
	}
}

// The percentile is smoothed: one slow window among fast ones moves the
// estimate by 30% of the difference, not all of it.
func TestAdmissionLawSmooths(t *testing.T) {
	c := newClock()
	l := newAdmission(t, 200*time.Millisecond)
	l.Observe(classWindow(c, 100*time.Millisecond, 80, 0))
	if _, ok := l.Observe(classWindow(c, 400*time.Millisecond, 80, 0)); ok {
		t.Fatal("one slow window (smoothed 190 ms) cut the rate")
	}
	if got := l.Smoothed(); got != 190*time.Millisecond {
		t.Fatalf("smoothed %v, want 0.7×100 + 0.3×400 = 190 ms", got)
	}
	if _, ok := l.Observe(classWindow(c, 400*time.Millisecond, 80, 0)); !ok {
		t.Fatal("a second slow window (smoothed 253 ms) did not cut")
	}
}

// Once a cut has drained the queue, the last window is fast while the
// average still remembers the slow ones: no further cut (and no increase
// while the last window is not well under target either).
func TestAdmissionLawNoCutOnLag(t *testing.T) {
	c := newClock()
	l := newAdmission(t, 200*time.Millisecond)
	l.Observe(classWindow(c, time.Second, 120, 0)) // limit 100
	d, ok := l.Observe(classWindow(c, 50*time.Millisecond, 90, 30))
	if ok {
		t.Fatalf("cut to %v on a fast window (smoothed %v)", d.To, l.Smoothed())
	}
	if l.Smoothed() <= 200*time.Millisecond {
		t.Fatalf("smoothed %v: the test needs it still over target", l.Smoothed())
	}
	if l.Limit() != 100 {
		t.Fatalf("limit %v", l.Limit())
	}
	// Smoothed well under target, last window not: hold.
	for range 10 {
		l.Observe(classWindow(c, 10*time.Millisecond, 90, 30))
	}
	limit := l.Limit()
	if d, ok := l.Observe(classWindow(c, 150*time.Millisecond, 90, 30)); ok {
		t.Fatalf("decided %+v with the last window at 150 ms of 200", d)
	}
	if l.Limit() != limit {
		t.Fatal("limit moved")
	}
}

// Well under target while still refusing, the rate rises by a constant
// step (5% of the first limit) per window: additive increase. Between
// half the target and the target it holds.
func TestAdmissionLawIncreasesAdditively(t *testing.T) {
	c := newClock()
	l := newAdmission(t, 200*time.Millisecond)
	l.Observe(classWindow(c, time.Second, 120, 0)) // limit 100, step 5
	// Smoothed: from 1 s down towards 20 ms; each window that is still
	// over target cuts, then holds, then the increases come.
	var incs []float64
	for range 30 {
		d, ok := l.Observe(classWindow(c, 20*time.Millisecond, 50, 10))
		if ok && d.To > d.From {
			incs = append(incs, d.To-d.From)
		}
	}
	if len(incs) < 5 {
		t.Fatalf("%d increases, want a run of them", len(incs))
	}
	for _, inc := range incs {
		if !near(inc, 5) {
			t.Fatalf("increase of %v, want the constant step 5", inc)
		}
	}
	// In the band [target/2, target]: no change.
	l2 := newAdmission(t, 200*time.Millisecond)
	l2.Observe(classWindow(c, time.Second, 120, 0))
	for range 20 {
		l2.Observe(classWindow(c, 150*time.Millisecond, 50, 10))
	}
	limit := l2.Limit()
	for range 10 {
		if d, ok := l2.Observe(classWindow(c, 150*time.Millisecond, 50, 10)); ok {
			t.Fatalf("decided %+v inside the band (limit %v)", d, limit)
		}
	}
}

// Under target with nothing refused for LiftAfter (5 s), the limit is
// lifted: the class is back at rest. A refusal restarts the wait.
func TestAdmissionLawLifts(t *testing.T) {
	c := newClock()
	l := newAdmission(t, 200*time.Millisecond)
	l.Observe(classWindow(c, time.Second, 120, 0))
	for range 10 { // let the smoothed value fall under target
		l.Observe(classWindow(c, 10*time.Millisecond, 50, 3))
	}
	if l.Limit() == 0 {
		t.Fatal("lifted while still refusing")
	}
	var n int
	var d autotune.Decision
	for i := range 10 {
		var ok bool
		if d, ok = l.Observe(classWindow(c, 10*time.Millisecond, 50, 0)); ok {
			n = i + 1
			break
		}
	}
	if n != 5 || d.To != 0 || !strings.Contains(d.Reason, "none refused for 5 s") {
		t.Fatalf("lift after %d windows: %+v, want after 5", n, d)
	}
	if l.Limit() != 0 {
		t.Fatalf("limit %v after the lift", l.Limit())
	}
}

// A limited class whose clients went away (windows with no request at
// all) is lifted after LiftAfter: it returns to rest on no figures.
func TestAdmissionLawLiftsWhenIdle(t *testing.T) {
	c := newClock()
	l := newAdmission(t, 200*time.Millisecond)
	l.Observe(classWindow(c, time.Second, 120, 0))
	var n int
	for i := range 10 {
		s := autotune.ClassSample{At: c.tick(time.Second), Window: time.Second}
		if d, ok := l.Observe(s); ok {
			if d.To != 0 || !strings.Contains(d.Reason, "no requests") {
				t.Fatalf("decision %+v", d)
			}
			n = i + 1
			break
		}
	}
	if n != 5 {
		t.Fatalf("lifted after %d idle windows, want 5", n)
	}
}

// A window with no response says nothing about latency: no cut on stale
// figures.
func TestAdmissionLawIgnoresEmptyWindows(t *testing.T) {
	c := newClock()
	l := newAdmission(t, 200*time.Millisecond)
	l.Observe(classWindow(c, time.Second, 120, 0))
	limit := l.Limit()
	for range 5 {
		s := classWindow(c, 0, 0, 7)
		s.Samples = 0
		if d, ok := l.Observe(s); ok {
			t.Fatalf("decided %+v on an empty window", d)
		}
	}
	if l.Limit() != limit {
		t.Fatalf("limit moved from %v to %v", limit, l.Limit())
	}
}

func near(a, b float64) bool { return a-b < 1e-9 && b-a < 1e-9 }

// fakeMono is a settable monotonic clock for the gate.
type fakeMono struct{ ns atomic.Int64 }

func (f *fakeMono) now() time.Duration  { return time.Duration(f.ns.Load()) }
func (f *fakeMono) add(d time.Duration) { f.ns.Add(int64(d)) }
func routeIndex(t *testing.T, name string) int {
	t.Helper()
	for i, c := range autotune.Classes() {
		if c == name {
			return i
		}
	}
	t.Fatalf("no class %s", name)
	return -1
}

// The gate admits everything until a rate is set; then, per class, a burst
// of a tenth of a second's worth and the rate after it; other classes are
// untouched; SetRate(0) lifts the limit.
func TestGateTokenBucket(t *testing.T) {
	clk := &fakeMono{}
	g, err := autotune.NewGate([]string{"files"}, clk.now)
	if err != nil {
		t.Fatal(err)
	}
	files, echo := routeIndex(t, "files"), routeIndex(t, "echo")
	for range 1000 {
		if !g.Admit(files) || !g.Admit(echo) {
			t.Fatal("refused while unlimited")
		}
	}
	if err := g.SetRate("files", 100); err != nil {
		t.Fatal(err)
	}
	admitted := 0
	for range 100 {
		if g.Admit(files) {
			admitted++
		}
	}
	if admitted != 10 {
		t.Fatalf("burst admitted %d, want 10 (a tenth of a second at 100/s)", admitted)
	}
	// Over the next second, at 1 ms steps with 5 requests each: 100 more.
	admitted = 0
	for range 1000 {
		clk.add(time.Millisecond)
		for range 5 {
			if g.Admit(files) {
				admitted++
			}
		}
	}
	if admitted != 100 {
		t.Fatalf("admitted %d in a second at 100/s", admitted)
	}
	if g.Refused("files") != 90+4900 {
		t.Fatalf("refused %d", g.Refused("files"))
	}
	if !g.Admit(echo) || g.Refused("echo") != 0 {
		t.Fatal("a class without a target was limited")
	}
	if err := g.SetRate("echo", 5); err == nil {
		t.Error("SetRate on a class without a bucket succeeded")
	}
	if err := g.SetRate("nope", 5); err == nil {
		t.Error("SetRate on an unknown class succeeded")
	}
	g.SetRate("files", 0)
	for range 100 {
		if !g.Admit(files) {
			t.Fatal("refused after the limit was lifted")
		}
	}
}

// Concurrent admissions never exceed the bucket: the CAS loop loses no
// token and creates none.
func TestGateConcurrent(t *testing.T) {
	clk := &fakeMono{}
	g, _ := autotune.NewGate([]string{"echo"}, clk.now)
	g.SetRate("echo", 1000) // burst 100
	echo := routeIndex(t, "echo")
	var admitted atomic.Int64
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 1000 {
				if g.Admit(echo) {
					admitted.Add(1)
				}
			}
		})
	}
	wg.Wait()
	if admitted.Load() != 100 {
		t.Fatalf("admitted %d at once, want the burst of 100", admitted.Load())
	}
}

func TestNewGateRejectsUnknownClass(t *testing.T) {
	if _, err := autotune.NewGate([]string{"echo", "nope"}, nil); err == nil {
		t.Fatal("unknown class accepted")
	}
}
