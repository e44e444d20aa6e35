package pipeline_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"pipehttp/pipeline"
)

// eventually polls cond every 10ms for up to 5s; figures are recorded just
// after a response leaves, so a client can see the response first.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		if cond() {
			return
		}
	}
	t.Fatalf("timed out waiting for %s", what)
}

func stage(st pipeline.Stats, name string) pipeline.StageStats {
	for _, s := range st.Stages {
		if s.Name == name {
			return s
		}
	}
	panic("no stage " + name)
}

func route(st pipeline.Stats, name string) pipeline.RouteStats {
	for _, r := range st.Routes {
		if r.Name == name {
			return r
		}
	}
	panic("no route " + name)
}

func TestStatsPerStageAndRoute(t *testing.T) {
	ts := start(t, options{})
	c := dial(t, ts.addr)
	for i := range 10 {
		c.Send(get(fmt.Sprintf("/echo/%d", i)))
		if r := c.Read(false); r.Status != 200 {
			t.Fatalf("echo: %d", r.Status)
		}
	}
	c.Send(get("/files/missing"))
	if r := c.Read(false); r.Status != 404 {
		t.Fatalf("missing file: %d", r.Status)
	}
	if r := roundTrip(t, ts.addr, "GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n"); r.Status != 400 {
		t.Fatalf("bad request: %d", r.Status)
	}

	var st pipeline.Stats
	eventually(t, "per-route counts", func() bool {
		st = ts.srv.Stats()
		// A stage counts an item once its worker is done with it, just
		// after the response has gone out: wait for those too.
		return route(st, "/echo").Count == 10 && route(st, "/files").Count == 1 && route(st, "other").Count == 1 &&
			stage(st, "write").Service.Count >= 11 && stage(st, "file").Service.Count == 1
	})
	echo := route(st, "/echo")
	if echo.Status["2xx"] != 10 || echo.Bytes != 10 || echo.Latency.Count != 10 || echo.Latency.P50 <= 0 {
		t.Errorf("/echo figures: %+v", echo)
	}
	if f := route(st, "/files"); f.Status["4xx"] != 1 {
		t.Errorf("/files figures: %+v", f)
	}
	if o := route(st, "other"); o.Status["4xx"] != 1 {
		t.Errorf("other figures: %+v", o)
	}
	for _, name := range []string{"parse", "route", "write"} {
		s := stage(st, name)
		if s.Taken < 11 || s.Wait.Count < 11 || s.Service.Count < 11 || s.Service.P99 <= 0 {
			t.Errorf("%s: taken %d, wait %d, service %d (p99 %v): want every request counted",
				name, s.Taken, s.Wait.Count, s.Service.Count, s.Service.P99)
		}
		if !s.Resizable || s.Workers != s.Target || s.Workers < 1 {
			t.Errorf("%s: workers %d target %d resizable %v", name, s.Workers, s.Target, s.Resizable)
		}
	}
	if f := stage(st, "file"); f.Taken != 1 || f.Wait.Count != 1 || f.Service.Count != 1 {
		t.Errorf("file stage: %+v", f)
	}
	if p := stage(st, "parse"); p.Reasons["bad_request"] != 1 || p.Shed != 1 {
		t.Errorf("parse shed %d, reasons %v: want one bad_request", p.Shed, p.Reasons)
	}
	if st.AcceptedConns != 2 || st.BytesIn == 0 || st.BytesOut == 0 || !st.Timing || len(st.HistogramBounds) != len(echo.Latency.Counts)-1 {
		t.Errorf("server figures: accepted %d, in %d, out %d, timing %v, bounds %d",
			st.AcceptedConns, st.BytesIn, st.BytesOut, st.Timing, len(st.HistogramBounds))
	}
	// The keep-alive connection is idle now; the other one is closed.
	eventually(t, "one idle connection", func() bool {
		st = ts.srv.Stats()
		return st.OpenConns == 1 && st.IdleConns == 1 && st.ActiveConns == 0
	})
	if _, err := json.Marshal(st); err != nil {
		t.Fatal(err)
	}
}

func TestShedReasonQueueFull(t *testing.T) {
	ts := start(t, options{
		cfg:        pipeline.Config{FileWorkers: 1, FileQueue: 1, QueueWait: -1},
		filesDelay: 150 * time.Millisecond,
	})
	var wg sync.WaitGroup
	for range 5 {
		wg.Go(func() {
			c, err := dialPlain(ts.addr)
			if err != nil {
				t.Error(err)
				return
			}
			defer c.Close()
			c.Write([]byte(get("/files/none")))
			readResponse(c.r, false)
		})
	}
	wg.Wait()
	eventually(t, "queue_full counted", func() bool {
		st := ts.srv.Stats()
		f, r := stage(st, "file"), route(st, "/files")
		return f.Reasons["queue_full"] > 0 && f.Reasons["queue_full"] == f.Shed && r.Status["5xx"] == f.Shed
	})
}

func TestDisableTimingKeepsCounters(t *testing.T) {
	ts := start(t, options{cfg: pipeline.Config{DisableTiming: true}})
	for range 3 {
		roundTrip(t, ts.addr, get("/echo/x"))
	}
	eventually(t, "counts", func() bool {
		// Stages count an item when their worker is done with it, which
		// can be just after the client has its response.
		st := ts.srv.Stats()
		return route(st, "/echo").Count == 3 && stage(st, "parse").Taken >= 3
	})
	st := ts.srv.Stats()
	if st.Timing || route(st, "/echo").Latency.Count != 0 || stage(st, "parse").Wait.Count != 0 {
		t.Errorf("timing off, yet histograms filled: %+v", st)
	}
	if stage(st, "parse").Taken < 3 {
		t.Errorf("parse taken %d", stage(st, "parse").Taken)
	}
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

func TestAccessLog(t *testing.T) {
	var buf syncBuffer
	ts := start(t, options{cfg: pipeline.Config{
		DisableTiming: true, // the access log turns timing back on
		AccessLog:     slog.New(slog.NewJSONHandler(&buf, nil)),
	}})
	c := dial(t, ts.addr)
	c.Send(get("/echo/hello"))
	c.Read(false)
	c.Send(get("/files/none"))
	c.Read(false)
	eventually(t, "two access-log lines", func() bool { return strings.Count(buf.String(), "\n") == 2 })
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	want := []struct {
		target string
		status float64
		bytes  float64
		keys   []string
	}{
		{"/echo/hello", 200, 5, []string{"dur", "parse", "route_wait", "route", "write_wait"}},
		{"/files/none", 404, 0, []string{"dur", "parse", "route_wait", "route", "file_wait", "file", "write_wait"}},
	}
	for i, line := range lines {
		var rec map[string]any
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			t.Fatalf("line %q: %v", line, err)
		}
		w := want[i]
		if rec["msg"] != "request" || rec["method"] != "GET" || rec["target"] != w.target || rec["status"] != w.status || rec["bytes"] != w.bytes {
			t.Errorf("record %v, want %s %v %v bytes", rec, w.target, w.status, w.bytes)
		}
		for _, k := range w.keys {
			if v, ok := rec[k].(float64); !ok || v < 0 {
				t.Errorf("record %d: %s = %v", i, k, rec[k])
			}
		}
		if rec["dur"].(float64) <= 0 {
			t.Errorf("record %d: dur %v", i, rec["dur"])
		}
	}
}
