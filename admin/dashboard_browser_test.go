package admin_test

import (
	"context"
	"io"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"pipehttp/pipeline"
)

// chromium is Debian's chromium package; CI installs it (see README).
const chromium = "/usr/bin/chromium"

// TestDashboardInBrowser loads /debug/pipeline in headless Chromium while
// requests flow (a saturated, slow file pool and a stream of /echo), checks
// that every stage panel renders and its numbers update, resizes the file
// pool from the page, and saves a screenshot under the test's temp dir
// (and to $PIPEHTTP_DASHBOARD_PNG if set).
func TestDashboardInBrowser(t *testing.T) {
	if _, err := os.Stat(chromium); err != nil {
		if os.Getenv("PIPEHTTP_REQUIRE_BROWSER") != "" {
			t.Fatal(chromium + " not found, and PIPEHTTP_REQUIRE_BROWSER is set")
		}
		t.Skip("headless browser test skipped: " + chromium + " not found (apt-get install -y chromium)")
	}
	s := startServers(t, pipeline.Config{FileWorkers: 2, FileQueue: 16, QueueWait: 20 * time.Millisecond}, 150*time.Millisecond)
	if err := os.WriteFile(filepath.Join(s.dir, "f.bin"), make([]byte, 4096), 0o644); err != nil {
		t.Fatal(err)
	}

	// Traffic until the test ends: echo on two connections, files on ten.
	stop := make(chan struct{})
	var traffic sync.WaitGroup
	t.Cleanup(func() { close(stop); traffic.Wait() })
	for i := range 12 {
		path := "/echo/dashboard"
		if i >= 2 {
			path = "/files/f.bin"
		}
		traffic.Go(func() { hammer(s.addr, path, stop) })
	}

	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromium),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1400, 900),
	)
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	defer cancelAlloc()
	ctx, cancel := chromedp.NewContext(actx)
	defer cancel()
	ctx, cancelTimeout := context.WithTimeout(ctx, 60*time.Second)
	defer cancelTimeout()

	text := func(sel string) string {
		t.Helper()
		v, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(sel)))
		if err != nil {
			t.Fatalf("text of %s: %v", sel, err)
		}
		return v
	}
	if err := chromedp.Do(ctx,
		chromedp.Navigate("http://"+s.adminAddr+"/debug/pipeline"),
		chromedp.WaitVisible(chromedp.CSS(`#stage-file .resize input`)),
	); err != nil {
		t.Fatal(err)
	}
	stages, err := chromedp.Run(ctx, chromedp.Nodes(chromedp.CSSAll(`.stage`)))
	if err != nil {
		t.Fatal(err)
	}
	if len(stages) != 6 {
		t.Fatalf("%d stage panels rendered, want 6", len(stages))
	}
	for _, name := range []string{"accept", "poll", "parse", "route", "file", "write"} {
		if h := text(`#stage-` + name + ` h2`); h == "" {
			t.Errorf("stage %s has an empty header", name)
		}
	}
	// The poll stage says which readiness source runs (--poller).
	if h, want := text(`#stage-poll h2`), "poll ("+s.main.Config().Poller+")"; !strings.Contains(h, want) {
		t.Errorf("poll stage header %q, want it to name %q", h, want)
	}
	taken1, updates1 := text(`#stage-parse .taken`), text(`#updates`)

	// Within 1.5 s (three refreshes) the numbers move.
	time.Sleep(1500 * time.Millisecond)
	taken2, updates2 := text(`#stage-parse .taken`), text(`#updates`)
	rate, busy := text(`#stage-route .rate`), text(`#stage-file .busy`)
	if atoi(updates2)-atoi(updates1) < 2 {
		t.Errorf("dashboard refreshed %s → %s times in 1.5s, want at least 2 more", updates1, updates2)
	}
	if atoi(taken2) <= atoi(taken1) {
		t.Errorf("parse taken did not move: %s → %s", taken1, taken2)
	}
	if rate == "–" || rate == "0" {
		t.Errorf("route rate %q under load", rate)
	}
	t.Logf("parse taken %s → %s, refreshes %s → %s, route %s/s, file busy %s", taken1, taken2, updates1, updates2, rate, busy)

	// The saturated file pool, before resizing it, is the README's picture.
	shot(t, ctx, "dashboard.png", os.Getenv("PIPEHTTP_DASHBOARD_PNG"))

	// Resize the file pool from the page: the server has it within a second.
	if err := chromedp.Do(ctx,
		chromedp.SetValue(chromedp.CSS(`#stage-file .resize input`), "6"),
		chromedp.Click(chromedp.CSS(`#stage-file .resize button`)),
	); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(time.Second)
	for fileTarget(s.main) != 6 {
		if time.Now().After(deadline) {
			t.Fatalf("file pool target %d a second after resizing from the page, want 6", fileTarget(s.main))
		}
		time.Sleep(10 * time.Millisecond)
	}
	time.Sleep(1200 * time.Millisecond) // let the page refresh and the sparklines grow
	if w := text(`#stage-file .workers`); w != "6" {
		t.Errorf("page shows %s file workers after the resize, want 6", w)
	}

	shot(t, ctx, "dashboard-resized.png", "")
}

// shot saves a screenshot of the page as name under a temp dir, and to
// also if not empty.
func shot(t *testing.T, ctx context.Context, name, also string) {
	t.Helper()
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100)) // quality 100: PNG; below, JPEG
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, png, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot: %s (%d bytes)", path, len(png))
	if also != "" {
		if err := os.WriteFile(also, png, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func atoi(s string) int {
	n, _ := strconv.Atoi(s)
	return n
}

func fileTarget(srv *pipeline.Server) int {
	for _, st := range srv.Stats().Stages {
		if st.Name == "file" {
			return st.Target
		}
	}
	return -1
}

// hammer sends GET path on one keep-alive connection until stop closes,
// reconnecting when the server closes it.
func hammer(addr, path string, stop <-chan struct{}) {
	req := []byte("GET " + path + " HTTP/1.1\r\nHost: load\r\n\r\n")
	buf := make([]byte, 64<<10)
	for {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			return
		}
		for {
			select {
			case <-stop:
				c.Close()
				return
			default:
			}
			c.SetDeadline(time.Now().Add(5 * time.Second))
			if _, err := c.Write(req); err != nil {
				break
			}
			// One response fits one read here (small bodies); good enough
			// for load.
			if _, err := c.Read(buf); err != nil && err != io.EOF {
				break
			}
		}
		c.Close()
	}
}
