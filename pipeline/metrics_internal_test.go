package pipeline

import (
	"math"
	"testing"

	"pipehttp/router"
)

func TestBucketOf(t *testing.T) {
	for _, tc := range []struct {
		ns   int64
		want int
	}{
		{-5, 0}, {0, 0}, {1023, 0}, {1024, 1}, {2047, 1}, {2048, 2},
		{1024 << 10, 11}, {1024<<24 - 1, 24}, {1024 << 24, 25}, {math.MaxInt64, 25},
	} {
		if got := bucketOf(tc.ns); got != tc.want {
			t.Errorf("bucketOf(%d) = %d, want %d", tc.ns, got, tc.want)
		}
		// The bucket's bound is above the value and the previous one is not.
		if b := bucketOf(tc.ns); b < histBuckets-1 && tc.ns >= 0 {
			if float64(tc.ns)/1e9 >= histBounds[b] || (b > 0 && float64(tc.ns)/1e9 < histBounds[b-1]) {
				t.Errorf("%dns in bucket %d with bounds %v..%v", tc.ns, b, histBounds[max(b-1, 0)], histBounds[b])
			}
		}
	}
}

func TestHistogramObserveAndSnapshot(t *testing.T) {
	var shards [3]histogram
	// 100 observations of ~1.5µs, 10 of ~300µs, one of 1 minute, spread
	// over shards as workers would.
	for i := range 100 {
		shards[i%3].observe(1500)
	}
	for i := range 10 {
		shards[i%3].observe(300_000)
	}
	shards[0].observe(60e9)
	h := newHistogram()
	for i := range shards {
		shards[i].addTo(&h)
	}
	h.finish()
	if h.Count != 111 {
		t.Fatalf("count %d, want 111", h.Count)
	}
	if want := (100*1500 + 10*300_000 + 60e9) / 1e9; math.Abs(h.Sum-want) > 1e-9 {
		t.Errorf("sum %v, want %v", h.Sum, want)
	}
	if h.Counts[1] != 100 || h.Counts[bucketOf(300_000)] != 10 || h.Counts[histBuckets-1] != 1 {
		t.Errorf("counts %v", h.Counts)
	}
	// p50 is inside the 1024–2048ns bucket, p99 inside 300µs's.
	if h.P50 < 1024e-9 || h.P50 > 2048e-9 {
		t.Errorf("p50 %v not in [1.024µs, 2.048µs]", h.P50)
	}
	b := bucketOf(300_000)
	if h.P99 < histBounds[b-1] || h.P99 > histBounds[b] {
		t.Errorf("p99 %v not in bucket %d [%v, %v]", h.P99, b, histBounds[b-1], histBounds[b])
	}
	if q := h.Quantile(1); q != histBounds[len(histBounds)-1] {
		t.Errorf("p100 %v, want the last finite bound", q)
	}
	if q := newHistogram().Quantile(0.5); q != 0 {
		t.Errorf("empty histogram p50 = %v", q)
	}
}

func TestStageShardsSum(t *testing.T) {
	var st stageStats
	for id := range 20 { // more workers than shards
		sh := st.shard(id)
		sh.taken.Add(uint64(id))
		sh.busy.Add(1)
	}
	var taken uint64
	var busy int64
	for i := range st.shards {
		taken += st.shards[i].taken.Load()
		busy += st.shards[i].busy.Load()
	}
	if taken != 190 || busy != 20 {
		t.Fatalf("taken %d busy %d, want 190 and 20", taken, busy)
	}
	st.shedFor(reasonQueueFull)
	st.shedFor(reasonQueueFull)
	if st.shed.Load() != 2 || st.reasons[reasonQueueFull].Load() != 2 {
		t.Fatalf("shed %d, reason %d", st.shed.Load(), st.reasons[reasonQueueFull].Load())
	}
}

func TestClassify(t *testing.T) {
	for _, tc := range []struct {
		path   string
		static bool
		want   string
	}{
		{"/", false, "/"}, {"/", true, "static"}, {"/echo/abc", false, "/echo"}, {"/echo", false, "other"},
		{"/user-agent", false, "/user-agent"}, {"/files/x", false, "/files"}, {"/x/y", true, "static"},
		{"/x/y", false, "other"},
	} {
		kind := routerInlineForTest
		if tc.static {
			kind = routerStaticForTest
		}
		if got := routeNames[classify([]byte(tc.path), kind)]; got != tc.want {
			t.Errorf("classify(%q, static=%v) = %q, want %q", tc.path, tc.static, got, tc.want)
		}
	}
}

func TestReasonsCoverEveryReason(t *testing.T) {
	var s Server
	s.cfg = Config{}.Defaults()
	s.initStages()
	seen := map[reason]string{}
	for i := range s.stages {
		st := &s.stages[i]
		for _, r := range st.reasons {
			if other, dup := seen[r]; dup {
				t.Errorf("reason %s in both %s and %s", reasonNames[r], other, st.name)
			}
			seen[r] = st.name
		}
	}
	for r := range nReasons {
		if _, ok := seen[r]; !ok || reasonNames[r] == "" {
			t.Errorf("reason %d (%q) belongs to no stage", r, reasonNames[r])
		}
	}
}

const (
	routerInlineForTest = router.Inline
	routerStaticForTest = router.Static
)
