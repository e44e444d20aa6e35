package autotune_test

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go.uber.org/goleak"

	"pipehttp/autotune"
	"pipehttp/files"
	"pipehttp/internal/servertest"
	"pipehttp/pipeline"
	"pipehttp/router"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// serve runs a real server on a loopback port with a file f.txt behind a
// disk that takes delay per operation, and stops it when the test ends.
func serve(t *testing.T, cfg pipeline.Config, delay time.Duration) *pipeline.Server {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "f.txt"), []byte("file"), 0o644); err != nil {
		t.Fatal(err)
	}
	store, err := files.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	cfg.Addr = "127.0.0.1:0"
	srv, err := pipeline.New(cfg, pipeline.Handlers{Router: router.New(), Files: &files.Handler{Store: store, Delay: delay}}, servertest.Log(t))
	if err != nil {
		t.Fatal(err)
	}
	servertest.Run(t, srv)
	return srv
}

// runTuner runs tu until the test ends (before the server stops: cleanups
// run last-in first-out).
func runTuner(t *testing.T, tu *autotune.Tuner) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- tu.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Run: %v", err)
		}
	})
}

// load is closed-loop clients on keep-alive connections, each sending its
// next request when the last answer has arrived, until stop.
type load struct {
	stop     chan struct{}
	wg       sync.WaitGroup
	mu       sync.Mutex
	statuses map[string]map[int]int // path → status → count
	retry    atomic.Int64           // 503s that carried Retry-After
	errs     []error
}

func startLoad(addr string, clients map[string]int) *load {
	l := &load{stop: make(chan struct{}), statuses: map[string]map[int]int{}}
	// Every path's entry exists before the first client starts: clients
	// only read l.statuses (to count into a path's map, under mu), and the
	// go statements order these writes before those reads. Adding an entry
	// while earlier clients already count would be a map write racing
	// their reads.
	for path := range clients {
		l.statuses[path] = map[int]int{}
	}
	for path, n := range clients {
		for range n {
			l.wg.Go(func() { l.client(addr, path) })
		}
	}
	return l
}

func (l *load) client(addr, path string) {
	fail := func(err error) {
		l.mu.Lock()
		l.errs = append(l.errs, err)
		l.mu.Unlock()
	}
	var c net.Conn
	var r *bufio.Reader
	defer func() {
		if c != nil {
			c.Close()
		}
	}()
	for {
		select {
		case <-l.stop:
			return
		default:
		}
		if c == nil {
			var err error
			if c, err = net.DialTimeout("tcp", addr, 5*time.Second); err != nil {
				fail(err)
				return
			}
			r = bufio.NewReader(c)
		}
		c.SetDeadline(time.Now().Add(10 * time.Second))
		if _, err := fmt.Fprintf(c, "GET %s HTTP/1.1\r\nHost: t\r\n\r\n", path); err != nil {
			fail(err)
			return
		}
		status, retry, closing, err := readAnswer(r)
		if err != nil {
			fail(err)
			return
		}
		l.mu.Lock()
		l.statuses[path][status]++
		l.mu.Unlock()
		if status == 503 && retry {
			l.retry.Add(1)
		}
		if closing {
			c.Close()
			c = nil
		}
	}
}

// readAnswer reads one response: its status, whether it had Retry-After,
// whether the server closes after it.
func readAnswer(r *bufio.Reader) (status int, retry, closing bool, err error) {
	line, err := r.ReadString('\n')
	if err != nil {
		return 0, false, false, err
	}
	f := strings.Fields(line)
	if len(f) < 2 {
		return 0, false, false, fmt.Errorf("bad status line %q", line)
	}
	status, _ = strconv.Atoi(f[1])
	length := 0
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			return 0, false, false, err
		}
		if line == "\r\n" {
			break
		}
		name, value, _ := strings.Cut(line, ":")
		value = strings.TrimSpace(value)
		switch strings.ToLower(name) {
		case "content-length":
			length, _ = strconv.Atoi(value)
		case "retry-after":
			retry = true
		case "connection":
			closing = strings.EqualFold(value, "close")
		}
	}
	_, err = r.Discard(length)
	return status, retry, closing, err
}

// finish stops the clients and returns what they saw.
func (l *load) finish() (map[string]map[int]int, error) {
	close(l.stop)
	l.wg.Wait()
	return l.statuses, errors.Join(l.errs...)
}

// waitFor polls the tuner's events until one satisfies ok, for at most d
// (a bound on a hung test, not a speed assertion).
func waitFor(tu *autotune.Tuner, d time.Duration, ok func(autotune.Event) bool) (autotune.Event, bool) {
	var found autotune.Event
	hit := servertest.Within(d, func() bool {
		for _, e := range tu.Events(0) {
			if ok(e) {
				found = e
				return true
			}
		}
		return false
	})
	return found, hit
}

func stageOf(srv *pipeline.Server, name string) pipeline.StageStats {
	for _, s := range srv.Stats().Stages {
		if s.Name == name {
			return s
		}
	}
	panic("no stage " + name)
}

// A real overload of the file pool (16 clients, one worker, a 20 ms disk)
// makes the file controller grow the pool, one decision per hold period,
// up to its ceiling; once the load stops, the pool returns to rest (its
// minimum) in one decision, and the controller then stays quiet.
func TestFileControllerReactsAndReturnsToRest(t *testing.T) {
	srv := serve(t, pipeline.Config{FileWorkers: 1, QueueWait: 2 * time.Second}, 20*time.Millisecond)
	p := autotune.DefaultWorkerParams("file", 1)
	p.Max, p.WaitHigh = 4, 20*time.Millisecond
	p.GrowAfter, p.ShrinkAfter = 300*time.Millisecond, time.Second
	tu, err := autotune.New(srv, nil, autotune.Config{Interval: 100 * time.Millisecond,
		Stages: map[string]autotune.WorkerParams{"file": p}})
	if err != nil {
		t.Fatal(err)
	}
	runTuner(t, tu)

	l := startLoad(srv.Addr().String(), map[string]int{"/files/f.txt": 16, "/echo/x": 1})
	grown, ok := waitFor(tu, 20*time.Second, func(e autotune.Event) bool { return e.Kind == autotune.KindLimit })
	statuses, err := l.finish()
	if err != nil {
		t.Fatalf("clients: %v", err)
	}
	if !ok {
		t.Fatalf("the file pool never reached its ceiling; events: %v", messages(tu))
	}
	var growths []autotune.Event
	for _, e := range tu.Events(0) {
		if e.Seq < grown.Seq && e.Kind == autotune.KindWorkers {
			growths = append(growths, e)
		}
	}
	// 1→2→3→4, each for a queue wait over 20 ms held at least 300 ms.
	if len(growths) != 3 || growths[0].From != 1 || growths[2].To != 4 {
		t.Fatalf("growths before the limit: %v", messages(tu))
	}
	for _, e := range growths {
		if e.Subject != "file" || !strings.Contains(e.Reason, "> 20 ms") {
			t.Errorf("growth %q", e.Message)
		}
		// Each decision came at the first window that completed the
		// 300 ms hold, however long the windows actually were: the
		// controller reacts within its window, and not before its hold.
		if !(e.Held-e.Window < p.GrowAfter.Seconds() && p.GrowAfter.Seconds() <= e.Held+1e-9) {
			t.Errorf("growth after %.3f s of overload (last window %.3f s), hold %v: %q", e.Held, e.Window, p.GrowAfter, e.Message)
		}
	}
	if first := tu.Events(0)[0]; first.Seq != growths[0].Seq {
		t.Errorf("a decision before the first growth: %q", first.Message)
	}
	if n := stageOf(srv, "file").Target; n != 4 {
		t.Errorf("file workers %d at the ceiling, want 4", n)
	}
	if s := statuses["/echo/x"]; s[200] == 0 || len(s) != 1 {
		t.Errorf("echo during the overload: %v", s)
	}
	if s := statuses["/files/f.txt"]; s[200] == 0 {
		t.Errorf("files during the overload: %v", s)
	}

	// Rest: one decision back to the minimum, then nothing.
	rest, ok := waitFor(tu, 20*time.Second, func(e autotune.Event) bool { return e.Seq > grown.Seq && e.To < e.From })
	if !ok {
		t.Fatalf("no shrink after the load stopped; events: %v", messages(tu))
	}
	if rest.From != 4 || rest.To != 1 || !strings.Contains(rest.Reason, "busy 0") {
		t.Errorf("shrink %q, want 4→1 for idleness", rest.Message)
	}
	if !(rest.Held-rest.Window < p.ShrinkAfter.Seconds() && p.ShrinkAfter.Seconds() <= rest.Held+1e-9) {
		t.Errorf("shrink after %.3f s idle (last window %.3f s), hold %v", rest.Held, rest.Window, p.ShrinkAfter)
	}
	if !servertest.Within(5*time.Second, func() bool { s := stageOf(srv, "file"); return s.Workers == 1 && s.Target == 1 }) {
		t.Errorf("file stage not back to 1 worker: %+v", stageOf(srv, "file"))
	}
	time.Sleep(time.Second) // ten more windows with nothing to do
	if last := tu.Events(rest.Seq); len(last) > 0 {
		t.Errorf("decisions at rest: %v", messages(tu))
	}
	t.Log(messages(tu))
}

// A class over its latency target is shed at the route stage: the
// admission controller limits /files (20 clients on 2 workers of a 20 ms
// disk: ~200 ms waits against a 60 ms target), clients get 503 with
// Retry-After from the route stage while /echo is served throughout, and
// once the load stops the limit is lifted.
func TestAdmissionControllerShedsAndLifts(t *testing.T) {
	gate, err := autotune.NewGate([]string{"files"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	srv := serve(t, pipeline.Config{FileWorkers: 2, Admission: gate}, 20*time.Millisecond)
	ap := autotune.DefaultAdmissionParams(60 * time.Millisecond)
	ap.LiftAfter = 500 * time.Millisecond
	tu, err := autotune.New(srv, gate, autotune.Config{Interval: 100 * time.Millisecond, MinSamples: 10,
		Targets: map[string]autotune.AdmissionParams{"files": ap}})
	if err != nil {
		t.Fatal(err)
	}
	runTuner(t, tu)

	l := startLoad(srv.Addr().String(), map[string]int{"/files/f.txt": 20, "/echo/x": 2})
	limited, ok := waitFor(tu, 20*time.Second, func(e autotune.Event) bool {
		return e.Subject == "files" && e.Kind == autotune.KindAdmission && e.From == 0 && e.To > 0
	})
	if ok {
		// Keep the load on until the gate has refused some.
		servertest.Within(10*time.Second, func() bool { return gate.Refused("files") > 50 })
	}
	statuses, err := l.finish()
	if err != nil {
		t.Fatalf("clients: %v", err)
	}
	if !ok {
		t.Fatalf("files never limited; events: %v", messages(tu))
	}
	if !strings.Contains(limited.Reason, "> 60 ms") {
		t.Errorf("limit reason %q", limited.Reason)
	}
	f := statuses["/files/f.txt"]
	if f[503] == 0 || f[200] == 0 || int64(f[503]) != l.retry.Load() {
		t.Errorf("files: %v, %d 503s with Retry-After", f, l.retry.Load())
	}
	if e := statuses["/echo/x"]; e[200] == 0 || len(e) != 1 {
		t.Errorf("echo while files were shed: %v", e)
	}
	st := stageOf(srv, "route")
	if st.Reasons["admission"] == 0 || st.Reasons["admission"] != gate.Refused("files") {
		t.Errorf("route stage shed for admission %d, gate refused %d", st.Reasons["admission"], gate.Refused("files"))
	}

	lift, ok := waitFor(tu, 20*time.Second, func(e autotune.Event) bool { return e.Subject == "files" && e.To == 0 })
	if !ok {
		t.Fatalf("limit never lifted after the load stopped; events: %v", messages(tu))
	}
	if !strings.Contains(lift.Message, "→ admission unlimited") {
		t.Errorf("lift %q", lift.Message)
	}
	if s := tu.Status(); s.Classes[0].Limit != 0 {
		t.Errorf("status after the lift: %+v", s.Classes[0])
	}
	t.Log(messages(tu))
}

func messages(tu *autotune.Tuner) string {
	var b strings.Builder
	for _, e := range tu.Events(0) {
		fmt.Fprintf(&b, "\n  %s", e.Message)
	}
	return b.String()
}
