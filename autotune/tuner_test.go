package autotune_test

import (
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"pipehttp/autotune"
	"pipehttp/pipeline"
)

// fakeServer is a Target whose Stats the test writes: cumulative
// counters, as a real server's are.
type fakeServer struct {
	mu      sync.Mutex
	st      pipeline.Stats
	resized []string
}

func newFakeServer() *fakeServer {
	f := &fakeServer{}
	f.st.Timing = true
	for _, name := range []string{"accept", "poll", "parse", "route", "file", "write"} {
		f.st.Stages = append(f.st.Stages, pipeline.StageStats{Name: name, Workers: 2, Target: 2, QueueCap: 16,
			Wait: hist(), Service: hist()})
	}
	for _, name := range pipeline.RouteNames() {
		f.st.Routes = append(f.st.Routes, pipeline.RouteStats{Name: name, Status: map[string]uint64{"2xx": 0, "5xx": 0}, Latency: hist()})
	}
	return f
}

func hist() pipeline.Histogram {
	return pipeline.Histogram{Counts: make([]uint64, len(pipeline.HistogramBounds())+1)}
}

// observe adds n observations of d to h.
func observe(h *pipeline.Histogram, d time.Duration, n uint64) {
	i, _ := slices.BinarySearch(pipeline.HistogramBounds(), d.Seconds())
	h.Counts[i] += n
	h.Count += n
	h.Sum += d.Seconds() * float64(n)
}

func (f *fakeServer) Stats() pipeline.Stats {
	f.mu.Lock()
	defer f.mu.Unlock()
	st := f.st
	st.Stages = slices.Clone(f.st.Stages)
	st.Routes = slices.Clone(f.st.Routes)
	for i := range st.Stages {
		s := &st.Stages[i]
		s.Wait.Counts, s.Service.Counts = slices.Clone(s.Wait.Counts), slices.Clone(s.Service.Counts)
	}
	for i := range st.Routes {
		r := &st.Routes[i]
		r.Latency.Counts = slices.Clone(r.Latency.Counts)
		r.Status = map[string]uint64{"2xx": r.Status["2xx"], "5xx": r.Status["5xx"]}
	}
	return st
}

func (f *fakeServer) Resize(stage string, n int) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	for i := range f.st.Stages {
		if f.st.Stages[i].Name == stage {
			f.st.Stages[i].Target = n
			f.st.Stages[i].Workers = n
		}
	}
	f.resized = append(f.resized, stage)
	return nil
}

// second adds one second of a stage's work: every worker busy, items
// taken, each having waited wait.
func (f *fakeServer) second(stage string, busy float64, items uint64, wait time.Duration) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for i := range f.st.Stages {
		s := &f.st.Stages[i]
		if s.Name == stage {
			s.Service.Sum += busy
			s.Taken += items
			observe(&s.Wait, wait, items)
		}
	}
}

// responses adds n responses of route taking d each, of which refused
// were 503s answered at once.
func (f *fakeServer) responses(route string, n uint64, d time.Duration, fast503 uint64) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for i := range f.st.Routes {
		r := &f.st.Routes[i]
		if r.Name == route {
			observe(&r.Latency, d, n)
			observe(&r.Latency, 20*time.Microsecond, fast503)
			r.Count += n + fast503
			r.Status["2xx"] += n
			r.Status["5xx"] += fast503
		}
	}
}

func (f *fakeServer) target(stage string) int {
	st := f.Stats()
	for _, s := range st.Stages {
		if s.Name == stage {
			return s.Target
		}
	}
	return 0
}

// The Tuner turns cumulative Stats into windows — busy workers from
// service time, the queue wait's p90 from the histogram's difference —
// resizes the stage its law says, and records the decision.
func TestTunerResizesFromStats(t *testing.T) {
	srv := newFakeServer()
	p := autotune.DefaultWorkerParams("file", 2)
	tu, err := autotune.New(srv, nil, autotune.Config{Stages: map[string]autotune.WorkerParams{"file": p}})
	if err != nil {
		t.Fatal(err)
	}
	c := newClock()
	tu.Step(c.now, srv.Stats())
	for range 4 {
		srv.second("file", float64(srv.target("file")), 40, 300*time.Millisecond)
		tu.Step(c.tick(time.Second), srv.Stats())
	}
	if got := srv.target("file"); got != 3 {
		t.Fatalf("file workers %d, want 3", got)
	}
	ev := tu.Events(0)
	if len(ev) != 1 || ev[0].Subject != "file" || ev[0].Kind != autotune.KindWorkers || ev[0].From != 2 || ev[0].To != 3 {
		t.Fatalf("events %+v", ev)
	}
	// The histogram's bucket holding 300 ms spans 268–537 ms.
	if !strings.HasPrefix(ev[0].Message, "file: queue wait p90 ") || !strings.Contains(ev[0].Message, "> 100 ms, busy 100%, for 3 s → workers 2→3") {
		t.Errorf("message %q", ev[0].Message)
	}
	st := tu.Status()
	if len(st.Stages) != 1 || st.Stages[0].Stage != "file" || st.Stages[0].Max != 16 {
		t.Errorf("status %+v", st.Stages)
	}
	if len(st.Decisions) != 1 || st.Decisions[0].Count != 1 {
		t.Errorf("decision counts %+v", st.Decisions)
	}
}

// The Tuner measures a class's p99 among the responses it admitted (the
// gate's fast 503s left out), limits the class through the gate, and
// lifts the limit once the class is back under target.
func TestTunerLimitsAndLifts(t *testing.T) {
	srv := newFakeServer()
	clk := &fakeMono{}
	gate, err := autotune.NewGate([]string{"files"}, clk.now)
	if err != nil {
		t.Fatal(err)
	}
	tu, err := autotune.New(srv, gate, autotune.Config{Targets: map[string]autotune.AdmissionParams{
		"files": autotune.DefaultAdmissionParams(200 * time.Millisecond)}})
	if err != nil {
		t.Fatal(err)
	}
	files := routeIndex(t, "files")
	c := newClock()
	tu.Step(c.now, srv.Stats())
	srv.responses("/files", 120, 700*time.Millisecond, 0)
	tu.Step(c.tick(time.Second), srv.Stats())
	st := tu.Status()
	if len(st.Classes) != 1 || st.Classes[0].Limit != 100 {
		t.Fatalf("after a slow second: %+v, want files limited to 120/1.2 = 100/s", st.Classes)
	}
	// The gate refuses past the burst.
	refused := 0
	for range 50 {
		if !gate.Admit(files) {
			refused++
		}
	}
	if refused != 40 {
		t.Fatalf("gate refused %d of 50 at once, want 40 (burst 10)", refused)
	}
	// Fast windows: 60 admitted responses at 5 ms, and 40 refused ones
	// that were answered at once. Were the 503s counted, the p99 would
	// still be right here; what must not happen is the limit being lifted
	// while the gate refuses.
	for range 3 {
		srv.responses("/files", 60, 5*time.Millisecond, 40)
		tu.Step(c.tick(time.Second), srv.Stats())
	}
	if tu.Status().Classes[0].Limit == 0 {
		t.Fatal("limit lifted while the gate was refusing")
	}
	// Nothing refused for 5 s: lifted.
	for range 6 {
		srv.responses("/files", 60, 5*time.Millisecond, 0)
		tu.Step(c.tick(time.Second), srv.Stats())
	}
	st = tu.Status()
	if st.Classes[0].Limit != 0 {
		t.Fatalf("limit %v after 6 calm seconds", st.Classes[0].Limit)
	}
	if m := st.Classes[0].Measured; m <= 0 || m > 0.01 {
		t.Errorf("measured p99 %v s, want about 5 ms", m)
	}
	ev := tu.Events(0)
	if len(ev) < 2 || ev[0].To != 100 || ev[len(ev)-1].To != 0 || !strings.Contains(ev[len(ev)-1].Message, "→ admission unlimited") {
		t.Fatalf("events %+v", ev)
	}
	if next := tu.Events(ev[0].Seq); len(next) != len(ev)-1 {
		t.Errorf("Events(after first) returned %d, want %d", len(next), len(ev)-1)
	}
}

// The admitted p99 ignores the gate's fast 503s: 98 slow responses and a
// flood of instant refusals still read as slow.
func TestTunerExcludesRefusalsFromPercentile(t *testing.T) {
	srv := newFakeServer()
	gate, _ := autotune.NewGate([]string{"files"}, (&fakeMono{}).now)
	tu, _ := autotune.New(srv, gate, autotune.Config{Targets: map[string]autotune.AdmissionParams{
		"files": autotune.DefaultAdmissionParams(200 * time.Millisecond)}})
	files := routeIndex(t, "files")
	c := newClock()
	tu.Step(c.now, srv.Stats())
	gate.SetRate("files", 1) // burst 1: everything after the first is refused
	refused := uint64(0)
	for range 1001 {
		if !gate.Admit(files) {
			refused++
		}
	}
	gate.SetRate("files", 0)
	srv.responses("/files", 98, 100*time.Millisecond, refused)
	tu.Step(c.tick(time.Second), srv.Stats())
	m := tu.Status().Classes[0].Measured
	if m < 0.06 || m > 0.14 {
		t.Fatalf("measured p99 %.4f s with %d refusals in the histogram, want about 100 ms", m, refused)
	}
}

func TestNewTunerRejects(t *testing.T) {
	srv := newFakeServer()
	gate, _ := autotune.NewGate([]string{"echo"}, nil)
	for name, cfg := range map[string]autotune.Config{
		"accept stage": {Stages: map[string]autotune.WorkerParams{"accept": autotune.DefaultWorkerParams("accept", 1)}},
		"bad params":   {Stages: map[string]autotune.WorkerParams{"file": {}}},
		"no bucket":    {Targets: map[string]autotune.AdmissionParams{"files": autotune.DefaultAdmissionParams(time.Second)}},
		"no class":     {Targets: map[string]autotune.AdmissionParams{"nope": autotune.DefaultAdmissionParams(time.Second)}},
		"bad target":   {Targets: map[string]autotune.AdmissionParams{"echo": {}}},
	} {
		if _, err := autotune.New(srv, gate, cfg); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

// The command line's flags: defaults from the starting counts (file pool
// ceiling 8×), overrides by stage, targets by class.
func TestFlagsConfig(t *testing.T) {
	f := autotune.Flags{On: true, Interval: time.Second, Targets: "echo=5ms, files=500ms", Min: "file=2", Max: "parse=3", Wait: "file=50ms"}
	cfg, err := f.Config(pipeline.Config{ParseWorkers: 2, RouteWorkers: 2, WriteWorkers: 2, FileWorkers: 4})
	if err != nil {
		t.Fatal(err)
	}
	if p := cfg.Stages["file"]; p.Min != 2 || p.Max != 32 || p.WaitHigh != 50*time.Millisecond {
		t.Errorf("file: %+v", p)
	}
	if p := cfg.Stages["parse"]; p.Min != 2 || p.Max != 3 || p.WaitHigh != 2*time.Millisecond {
		t.Errorf("parse: %+v", p)
	}
	if p := cfg.Stages["route"]; p.Max != 8 {
		t.Errorf("route: %+v", p)
	}
	if len(cfg.Targets) != 2 || cfg.Targets["echo"].Target != 5*time.Millisecond || cfg.Targets["files"].Quantile != 0.99 {
		t.Errorf("targets: %+v", cfg.Targets)
	}
	f.FileMax = 6
	if cfg, err = f.Config(pipeline.Config{ParseWorkers: 2, RouteWorkers: 2, WriteWorkers: 2, FileWorkers: 4}); err != nil || cfg.Stages["file"].Max != 6 {
		t.Errorf("--file-workers-max 6: %v %+v", err, cfg.Stages["file"])
	}
	g, err := f.Gate()
	if err != nil || g == nil {
		t.Fatalf("gate: %v %v", g, err)
	}
	off := autotune.Flags{}
	if g, err := off.Gate(); g != nil || err != nil {
		t.Errorf("gate with autotune off: %v %v", g, err)
	}
}
