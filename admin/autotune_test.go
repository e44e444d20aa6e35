package admin_test

import (
	"context"
	"encoding/json"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"pipehttp/admin"
	"pipehttp/autotune"
	"pipehttp/files"
	"pipehttp/pipeline"
	"pipehttp/router"
)

// fakeTuner is an Autotune with a fixed status.
type fakeTuner struct{ st autotune.Status }

func (f fakeTuner) Status() autotune.Status { return f.st }

// With the controllers watched, the admin listener serves their status
// as JSON and as pipehttp_autotune_* metrics; without, the page is a 404.
func TestAutotuneEndpoints(t *testing.T) {
	s := startServers(t, pipeline.Config{}, 0)
	if status, _, _ := fetch(t, "GET", "http://"+s.adminAddr+"/debug/autotune.json", "", ""); status != 404 {
		t.Fatalf("/debug/autotune.json without autotune: %d, want 404", status)
	}

	now := time.Now()
	rt := admin.New(s.main, nil)
	rt.WatchAutotune(fakeTuner{autotune.Status{Time: now, Interval: 1,
		Stages:    []autotune.StageStatus{{Stage: "file", Workers: 6, Min: 4, Max: 32, WaitHigh: 0.1, Util: 0.97, Wait: 0.21}},
		Classes:   []autotune.ClassStatus{{Class: "files", Target: 0.5, Quantile: 0.99, Measured: 0.8, Smoothed: 0.7, Limit: 66, Refused: 12}},
		Decisions: []autotune.DecisionCount{{Subject: "file", Kind: "workers", Count: 3}},
		Events:    []autotune.Event{{Seq: 1, Time: now, Subject: "file", Kind: "workers", From: 4, To: 6, Message: "file: … → workers 4→6"}},
	}})
	adm, err := admin.NewServer("127.0.0.1:0", rt, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	served := make(chan error, 1)
	go func() { served <- adm.Serve() }()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		adm.Shutdown(ctx)
		<-served
	})
	addr := adm.Addr().String()
	status, body, hdr := fetch(t, "GET", "http://"+addr+"/debug/autotune.json", "", "")
	if status != 200 || hdr.Get("Content-Type") != "application/json" {
		t.Fatalf("/debug/autotune.json: %d %s", status, hdr.Get("Content-Type"))
	}
	var st autotune.Status
	if err := json.Unmarshal([]byte(body), &st); err != nil {
		t.Fatal(err)
	}
	if len(st.Events) != 1 || st.Events[0].To != 6 || st.Classes[0].Limit != 66 {
		t.Errorf("status %s", body)
	}
	if status, _, _ := fetch(t, "POST", "http://"+addr+"/debug/autotune.json", "", ""); status != 405 {
		t.Errorf("POST /debug/autotune.json: %d, want 405", status)
	}
	m := scrape(t, addr)
	for key, want := range map[string]float64{
		"pipehttp_autotune_decisions_total{subject=file,kind=workers}": 3,
		"pipehttp_autotune_max_workers{stage=file}":                    32,
		"pipehttp_autotune_queue_wait_p90_seconds{stage=file}":         0.21,
		"pipehttp_autotune_admission_rate{class=files}":                66,
		"pipehttp_autotune_admission_limited{class=files}":             1,
		"pipehttp_autotune_admission_refused_total{class=files}":       12,
		"pipehttp_autotune_target_seconds{class=files}":                0.5,
	} {
		got, ok := m[key]
		if !ok {
			// Label order in the key follows the exposition.
			for k, v := range m {
				if sameLabels(k, key) {
					got, ok = v, true
				}
			}
		}
		if !ok || got != want {
			t.Errorf("%s = %v (present %v), want %v", key, got, ok, want)
		}
	}
}

// sameLabels compares "name{a=1,b=2}" keys regardless of label order.
func sameLabels(a, b string) bool {
	an, al, _ := strings.Cut(a, "{")
	bn, bl, _ := strings.Cut(b, "{")
	if an != bn {
		return false
	}
	as := strings.Split(strings.TrimSuffix(al, "}"), ",")
	bs := strings.Split(strings.TrimSuffix(bl, "}"), ",")
	if len(as) != len(bs) {
		return false
	}
	for _, x := range as {
		if !strings.Contains(","+strings.TrimSuffix(bl, "}")+",", ","+x+",") {
			return false
		}
	}
	return true
}

// TestAutotuneTimelineInBrowser overloads a one-worker file pool behind a
// slow disk with the controllers on, and checks in headless Chromium that
// the dashboard's autotune section shows their decisions: a marker on the
// timeline and the decision's message in the list. The screenshot goes to
// $PIPEHTTP_AUTOTUNE_PNG if set (docs/autotune-dashboard.png).
func TestAutotuneTimelineInBrowser(t *testing.T) {
	if _, err := os.Stat(chromium); err != nil {
		if os.Getenv("PIPEHTTP_REQUIRE_BROWSER") != "" {
			t.Fatal(chromium + " not found, and PIPEHTTP_REQUIRE_BROWSER is set")
		}
		t.Skip("headless browser test skipped: " + chromium + " not found (apt-get install -y chromium)")
	}
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "f.bin"), make([]byte, 4096), 0o644); err != nil {
		t.Fatal(err)
	}
	store, err := files.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	gate, err := autotune.NewGate([]string{"files"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	srv, err := pipeline.New(pipeline.Config{Addr: "127.0.0.1:0", FileWorkers: 1, Admission: gate},
		pipeline.Handlers{Router: router.New(), Files: &files.Handler{Store: store, Delay: 30 * time.Millisecond}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	fp := autotune.DefaultWorkerParams("file", 1)
	fp.Max, fp.WaitHigh, fp.GrowAfter, fp.ShrinkAfter = 3, 30*time.Millisecond, 600*time.Millisecond, 2*time.Second
	ap := autotune.DefaultAdmissionParams(150 * time.Millisecond)
	tu, err := autotune.New(srv, gate, autotune.Config{Interval: 200 * time.Millisecond,
		Stages: map[string]autotune.WorkerParams{"file": fp}, Targets: map[string]autotune.AdmissionParams{"files": ap}})
	if err != nil {
		t.Fatal(err)
	}
	rt := admin.New(srv, nil)
	rt.WatchAutotune(tu)
	adm, err := admin.NewServer("127.0.0.1:0", rt, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for _, s := range []*pipeline.Server{srv, adm} {
		wg.Go(func() { s.Serve() })
	}
	ctx0, stopTuner := context.WithCancel(context.Background())
	wg.Go(func() { tu.Run(ctx0) })
	stop := make(chan struct{})
	var traffic sync.WaitGroup
	t.Cleanup(func() {
		close(stop)
		traffic.Wait()
		stopTuner()
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		srv.Shutdown(ctx)
		adm.Shutdown(ctx)
		wg.Wait()
		store.Close()
	})
	for i := range 14 {
		path := "/echo/dashboard"
		if i >= 2 {
			path = "/files/f.bin"
		}
		traffic.Go(func() { hammer(srv.Addr().String(), path, stop) })
	}

	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromium), chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU, chromedp.NoFirstRun,
		chromedp.Flag("disable-background-networking", true), chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true), chromedp.UserDataDir(t.TempDir()), chromedp.WindowSize(1400, 1300))
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	defer cancelAlloc()
	ctx, cancel := chromedp.NewContext(actx)
	defer cancel()
	ctx, cancelTimeout := context.WithTimeout(ctx, 60*time.Second)
	defer cancelTimeout()
	if err := chromedp.Do(ctx,
		chromedp.Navigate("http://"+adm.Addr().String()+"/debug/pipeline"),
		chromedp.WaitVisible(chromedp.CSS(`#autotune`)),
	); err != nil {
		t.Fatal(err)
	}
	// Wait for a growth and an admission cut to reach the page.
	var list string
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(200 * time.Millisecond) {
		list, err = chromedp.Run(ctx, chromedp.Text(chromedp.CSS(`#at-events`)))
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(list, "→ workers 1→2") && strings.Contains(list, "files: p99") || time.Now().After(deadline) {
			break
		}
	}
	if !strings.Contains(list, "file: queue wait p90") || !strings.Contains(list, "→ workers 1→2") {
		t.Errorf("the page's decision list lacks the file pool's growth:\n%s", list)
	}
	if !strings.Contains(list, "files: p99") {
		t.Errorf("the page's decision list lacks the admission cut:\n%s", list)
	}
	markers, err := chromedp.Run(ctx, chromedp.Nodes(chromedp.CSSAll(`#at-timeline polygon`)))
	if err != nil {
		t.Fatal(err)
	}
	if len(markers) < 2 || len(markers) != min(len(tu.Events(0)), len(markers)) {
		t.Errorf("%d markers on the timeline for %d decisions", len(markers), len(tu.Events(0)))
	}
	time.Sleep(600 * time.Millisecond)
	shot(t, ctx, "autotune-dashboard.png", os.Getenv("PIPEHTTP_AUTOTUNE_PNG"))
}
