package autotune_test

import (
	"strings"
	"testing"
	"time"

	"pipehttp/autotune"
)

// clock is a fake clock: windows of one second from a fixed origin.
type clock struct{ now time.Time }

func newClock() *clock { return &clock{now: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)} }

func (c *clock) tick(d time.Duration) time.Time { c.now = c.now.Add(d); return c.now }

// window builds a one-second StageSample.
type window struct {
	workers int
	busy    float64 // mean busy workers
	wait    time.Duration
	fill    float64
	items   uint64
}

func (w window) at(c *clock) autotune.StageSample {
	return autotune.StageSample{At: c.tick(time.Second), Window: time.Second, Workers: w.workers,
		Busy: w.busy, Wait: w.wait, Fill: w.fill, Items: w.items}
}

func fileParams() autotune.WorkerParams {
	p := autotune.DefaultWorkerParams("file", 4)
	p.Min = 1
	return p
}

func newLaw(t *testing.T, p autotune.WorkerParams) *autotune.WorkerLaw {
	t.Helper()
	l, err := autotune.NewWorkerLaw(p)
	if err != nil {
		t.Fatal(err)
	}
	return l
}

// feed gives the law windows until it decides; it returns the decision and
// how many windows it took (0 and false if none within them).
func feed(l *autotune.WorkerLaw, c *clock, ws ...window) (autotune.Decision, int, bool) {
	for i, w := range ws {
		if d, ok := l.Observe(w.at(c)); ok {
			return d, i + 1, true
		}
	}
	return autotune.Decision{}, 0, false
}

func repeat(w window, n int) []window {
	out := make([]window, n)
	for i := range out {
		out[i] = w
	}
	return out
}

// A stage whose workers are all busy while its queue wait is over the
// threshold grows after GrowAfter (3 windows), by half, not before.
func TestWorkerLawGrowsAfterHold(t *testing.T) {
	c := newClock()
	l := newLaw(t, fileParams())
	hot := window{workers: 4, busy: 4, wait: 210 * time.Millisecond, items: 40}
	if _, ok := l.Observe(hot.at(c)); ok { // the first window only sets the count
		t.Fatal("decided on the first window")
	}
	d, n, ok := feed(l, c, repeat(hot, 10)...)
	if !ok || n != 3 {
		t.Fatalf("decided %v after %d windows, want a decision after 3", ok, n)
	}
	if d.Kind != autotune.KindWorkers || d.From != 4 || d.To != 6 {
		t.Fatalf("decision %+v, want workers 4→6", d)
	}
	if d.Held != 3*time.Second || d.Window != time.Second {
		t.Errorf("held %v over windows of %v, want 3 s and 1 s", d.Held, d.Window)
	}
	if !strings.Contains(d.Reason, "queue wait p90 210 ms > 100 ms") || !strings.Contains(d.Reason, "for 3 s") {
		t.Errorf("reason %q does not say why", d.Reason)
	}
}

// A long queue wait with idle workers is a burst, not a lack of workers;
// busy workers with a short wait are a stage keeping up. Neither grows.
func TestWorkerLawNeedsWaitAndBusy(t *testing.T) {
	for _, w := range []window{
		{workers: 4, busy: 1, wait: time.Second, items: 40},                         // waiting, but workers idle
		{workers: 4, busy: 4, wait: 10 * time.Millisecond, items: 400},              // busy, nobody waits long
		{workers: 4, busy: 3.1, wait: 150 * time.Millisecond, fill: 0.2, items: 40}, // 78% busy: under BusyHigh
	} {
		c := newClock()
		l := newLaw(t, fileParams())
		l.Observe(w.at(c))
		if d, _, ok := feed(l, c, repeat(w, 20)...); ok {
			t.Errorf("%+v: decided %+v", w, d)
		}
	}
}

// A queue at least half full counts as waiting even when no item was taken
// in the window (a stuck disk: the queue-wait histogram only learns of an
// item when a worker takes it).
func TestWorkerLawFullQueueWithoutSamples(t *testing.T) {
	c := newClock()
	l := newLaw(t, fileParams())
	w := window{workers: 4, busy: 4, fill: 1}
	l.Observe(w.at(c))
	d, _, ok := feed(l, c, repeat(w, 5)...)
	if !ok || d.To != 6 || !strings.Contains(d.Reason, "queue 100% full") {
		t.Fatalf("decision %+v %v, want 4→6 because the queue is full", d, ok)
	}
}

// One window below the threshold restarts the hold: hysteresis in time.
func TestWorkerLawHoldRestarts(t *testing.T) {
	c := newClock()
	l := newLaw(t, fileParams())
	hot := window{workers: 4, busy: 4, wait: 300 * time.Millisecond, items: 40}
	calm := window{workers: 4, busy: 2.5, wait: 20 * time.Millisecond, items: 40}
	l.Observe(hot.at(c))
	ws := []window{hot, hot, calm, hot, hot, calm, hot, hot}
	if d, _, ok := feed(l, c, ws...); ok {
		t.Fatalf("decided %+v although never hot for 3 s in a row", d)
	}
	if _, _, ok := feed(l, c, hot); !ok {
		t.Fatal("no decision after the third hot window in a row")
	}
}

// Growth stops at Max, with one KindLimit decision per hot period that
// says so.
func TestWorkerLawStopsAtMax(t *testing.T) {
	c := newClock()
	p := fileParams()
	p.Max = 6
	l := newLaw(t, p)
	n := 4
	items := uint64(40)
	var got []string
	l.Observe(window{workers: n, busy: float64(n), wait: time.Second, items: items}.at(c))
	for range 30 {
		d, ok := l.Observe(window{workers: n, busy: float64(n), wait: time.Second, items: items}.at(c))
		if !ok {
			continue
		}
		got = append(got, d.Kind)
		if d.Kind == autotune.KindWorkers {
			n = int(d.To)
			items *= 2 // the growth helps
		}
	}
	if strings.Join(got, " ") != "workers limit" || n != 6 {
		t.Fatalf("decisions %v ending at %d workers, want one growth to 6 and one limit", got, n)
	}
}

// An idle stage shrinks after ShrinkAfter to the workers that would have
// been busy half the time, at least Min: with nothing to do, back to rest.
func TestWorkerLawShrinks(t *testing.T) {
	for _, tc := range []struct {
		busy float64
		want float64
	}{{0, 1}, {2.5, 5}} {
		c := newClock()
		l := newLaw(t, fileParams())
		w := window{workers: 12, busy: tc.busy, items: 10}
		l.Observe(w.at(c))
		d, n, ok := feed(l, c, repeat(w, 20)...)
		if !ok || n != 10 || d.From != 12 || d.To != tc.want {
			t.Errorf("busy %v: decision %+v after %d windows, want 12→%v after 10", tc.busy, d, n, tc.want)
		}
	}
	// Busy above BusyLow: nothing to give back.
	c := newClock()
	l := newLaw(t, fileParams())
	w := window{workers: 12, busy: 4, items: 10}
	l.Observe(w.at(c))
	if d, _, ok := feed(l, c, repeat(w, 30)...); ok {
		t.Errorf("33%% busy: decided %+v", d)
	}
}

// A growth that does not raise throughput is undone, and the count it
// started from becomes a ceiling for Backoff: a CPU-bound stage does not
// climb to Max. After the backoff it tries again; the backoff doubles when
// that fails too.
func TestWorkerLawUndoesUselessGrowth(t *testing.T) {
	c := newClock()
	p := autotune.DefaultWorkerParams("parse", 2) // Max 8, WaitHigh 2ms
	l := newLaw(t, p)
	n := 2
	hot := func() window { return window{workers: n, busy: float64(n), wait: 5 * time.Millisecond, items: 50000} }
	l.Observe(hot().at(c))
	var log []string
	var times []time.Time
	for range 200 {
		d, ok := l.Observe(hot().at(c))
		if !ok {
			continue
		}
		log = append(log, d.Kind)
		times = append(times, c.now)
		if d.Kind == autotune.KindWorkers {
			n = int(d.To)
			if d.To < d.From && !strings.Contains(d.Reason, "undone") {
				t.Errorf("shrink without saying the growth was undone: %q", d.Reason)
			}
		}
	}
	// grow 2→3, undo 3→2, limit, (30 s) grow, undo, limit, (60 s) grow, undo, limit …
	want := "workers workers limit workers workers limit workers workers limit"
	if got := strings.Join(log, " "); !strings.HasPrefix(got, want) {
		t.Fatalf("decisions %q, want them to start %q", got, want)
	}
	if n > 3 {
		t.Errorf("a stage whose throughput never rose reached %d workers", n)
	}
	// The second try comes ~30 s after the first undo, the third ~60 s
	// after the second: the backoff doubles.
	gap1, gap2 := times[3].Sub(times[1]), times[6].Sub(times[4])
	if gap1 < 30*time.Second || gap1 > 40*time.Second || gap2 < 60*time.Second || gap2 > 70*time.Second {
		t.Errorf("retries after %v and %v, want about 30 s and 60 s", gap1, gap2)
	}
}

// A growth that helps is kept, and the next hot period grows again.
func TestWorkerLawKeepsUsefulGrowth(t *testing.T) {
	c := newClock()
	p := fileParams()
	p.Max = 32
	l := newLaw(t, p)
	n := 1
	l.Observe(window{workers: n, busy: 1, wait: 250 * time.Millisecond, items: 50}.at(c))
	var path []int
	for range 40 {
		// A closed-loop load with a 20 ms disk: each worker completes 50/s.
		d, ok := l.Observe(window{workers: n, busy: float64(n), wait: 250 * time.Millisecond, items: uint64(50 * n)}.at(c))
		if ok && d.Kind == autotune.KindWorkers {
			if d.To < d.From {
				t.Fatalf("undid a growth that doubled throughput: %+v", d)
			}
			n = int(d.To)
			path = append(path, n)
		}
	}
	want := []int{2, 3, 5, 8, 12, 18, 27, 32}
	if len(path) != len(want) {
		t.Fatalf("grew along %v, want %v", path, want)
	}
	for i := range want {
		if path[i] != want[i] {
			t.Fatalf("grew along %v, want %v", path, want)
		}
	}
}

// A resize by a person (a window with another worker count than the law
// set) resets the law: it judges the new count from scratch.
func TestWorkerLawFollowsManualResize(t *testing.T) {
	c := newClock()
	l := newLaw(t, fileParams())
	hot := window{workers: 4, busy: 4, wait: time.Second, items: 40}
	l.Observe(hot.at(c))
	feed(l, c, hot, hot) // 2 s hot
	manual := window{workers: 10, busy: 10, wait: time.Second, items: 100}
	if _, ok := l.Observe(manual.at(c)); ok {
		t.Fatal("decided on the window where the count changed")
	}
	d, n, ok := feed(l, c, repeat(manual, 5)...)
	if !ok || n != 3 || d.From != 10 {
		t.Fatalf("after a manual resize: %+v after %d windows", d, n)
	}
}

func TestWorkerParamsValidate(t *testing.T) {
	for _, mut := range []func(*autotune.WorkerParams){
		func(p *autotune.WorkerParams) { p.Min = 0 },
		func(p *autotune.WorkerParams) { p.Max = p.Min - 1 },
		func(p *autotune.WorkerParams) { p.WaitHigh = 0 },
		func(p *autotune.WorkerParams) { p.BusyLow = p.BusyTarget },
		func(p *autotune.WorkerParams) { p.BusyHigh = 1.5 },
		func(p *autotune.WorkerParams) { p.GrowAfter = 0 },
		func(p *autotune.WorkerParams) { p.MaxBackoff = p.Backoff / 2 },
	} {
		p := autotune.DefaultWorkerParams("route", 2)
		mut(&p)
		if _, err := autotune.NewWorkerLaw(p); err == nil {
			t.Errorf("%+v accepted", p)
		}
	}
}
