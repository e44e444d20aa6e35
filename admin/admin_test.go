package admin_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
	"go.uber.org/goleak"

	"pipehttp/admin"
	"pipehttp/files"
	"pipehttp/internal/rawhttp"
	"pipehttp/pipeline"
	"pipehttp/router"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

type servers struct {
	main        *pipeline.Server
	addr        string // the main server
	adminAddr   string
	adminRouter *admin.Router
	dir         string
}

// startServers runs a pipehttp server and its admin listener on loopback
// ports, shutting both down when the test ends.
func startServers(t testing.TB, cfg pipeline.Config, filesDelay time.Duration) *servers {
	t.Helper()
	dir := t.TempDir()
	store, err := files.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	cfg.Addr = "127.0.0.1:0"
	srv, err := pipeline.New(cfg, pipeline.Handlers{Router: router.New(), Files: &files.Handler{Store: store, Delay: filesDelay}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	rt := admin.New(srv, nil)
	adm, err := admin.NewServer("127.0.0.1:0", rt, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for _, s := range []*pipeline.Server{srv, adm} {
		wg.Go(func() {
			if err := s.Serve(); err != nil {
				t.Errorf("Serve: %v", err)
			}
		})
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		srv.Shutdown(ctx)
		adm.Shutdown(ctx)
		wg.Wait()
		store.Close()
	})
	// Both are serving once each has answered a request (Serve starts the
	// stages; tests that read Stats right away need them running).
	for _, addr := range []string{srv.Addr().String(), adm.Addr().String()} {
		if status, _, _ := fetch(t, "GET", "http://"+addr+"/", "", ""); status == 0 {
			t.Fatalf("%s does not answer", addr)
		}
	}
	return &servers{main: srv, addr: srv.Addr().String(), adminAddr: adm.Addr().String(), adminRouter: rt, dir: dir}
}

// client makes plain HTTP requests without keeping connections (so goleak
// sees no idle-connection goroutines).
var client = &http.Client{Transport: &http.Transport{DisableKeepAlives: true}, Timeout: 10 * time.Second}

func fetch(t testing.TB, method, url, contentType, body string) (int, string, http.Header) {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, string(b), resp.Header
}

// load sends n /echo requests on each of conns keep-alive connections.
func load(t testing.TB, addr string, conns, n int) {
	t.Helper()
	var wg sync.WaitGroup
	for range conns {
		wg.Go(func() {
			c := &http.Client{Transport: &http.Transport{}, Timeout: 10 * time.Second}
			defer c.CloseIdleConnections()
			for range n {
				resp, err := c.Get("http://" + addr + "/echo/load")
				if err != nil {
					t.Error(err)
					return
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
			}
		})
	}
	wg.Wait()
}

// scrape parses /metrics and returns every sample as "name{labels}" → value.
func scrape(t testing.TB, adminAddr string) map[string]float64 {
	t.Helper()
	status, body, hdr := fetch(t, "GET", "http://"+adminAddr+"/metrics", "", "")
	if status != 200 || !strings.HasPrefix(hdr.Get("Content-Type"), "text/plain; version=0.0.4") {
		t.Fatalf("/metrics: %d %q", status, hdr.Get("Content-Type"))
	}
	p := expfmt.NewTextParser(model.UTF8Validation)
	families, err := p.TextToMetricFamilies(strings.NewReader(body))
	if err != nil {
		t.Fatalf("/metrics is not valid text exposition: %v", err)
	}
	out := map[string]float64{}
	for name, mf := range families {
		for _, m := range mf.Metric {
			var labels []string
			for _, l := range m.Label {
				labels = append(labels, l.GetName()+"="+l.GetValue())
			}
			key := name + "{" + strings.Join(labels, ",") + "}"
			switch {
			case m.Counter != nil:
				out[key] = m.Counter.GetValue()
			case m.Gauge != nil:
				out[key] = m.Gauge.GetValue()
			case m.Histogram != nil:
				out[key+"_count"] = float64(m.Histogram.GetSampleCount())
				out[key+"_sum"] = m.Histogram.GetSampleSum()
			}
		}
	}
	return out
}

func TestMetricsMoveUnderLoad(t *testing.T) {
	s := startServers(t, pipeline.Config{}, 0)
	before := scrape(t, s.adminAddr)
	for _, key := range []string{
		`pipehttp_stage_queue_length{stage=parse}`, `pipehttp_stage_queue_capacity{stage=file}`,
		`pipehttp_stage_workers{stage=write}`, `pipehttp_stage_busy_workers{stage=route}`,
		`pipehttp_stage_shed_total{reason=queue_full,stage=file}`, `pipehttp_connections_open{}`,
		`go_goroutines{}`,
	} {
		if _, ok := before[key]; !ok {
			t.Errorf("/metrics lacks %s", key)
		}
	}
	load(t, s.addr, 4, 50)
	mins := map[string]float64{
		`pipehttp_route_responses_total{code=2xx,route=/echo}`: 200,
		`pipehttp_route_latency_seconds{route=/echo}_count`:    200,
		`pipehttp_stage_items_total{stage=parse}`:              200,
		`pipehttp_stage_items_total{stage=write}`:              200,
		`pipehttp_stage_queue_wait_seconds{stage=route}_count`: 200,
		`pipehttp_stage_service_seconds{stage=route}_count`:    200,
		`pipehttp_connections_accepted_total{}`:                4,
		`pipehttp_received_bytes_total{}`:                      200 * 20,
		`pipehttp_sent_bytes_total{}`:                          200 * 20,
	}
	// A stage counts an item when its worker is done with it, which can be
	// just after the client has its response: scrape until all have moved.
	var after map[string]float64
	short := func() []string {
		var keys []string
		for key, min := range mins {
			if after[key]-before[key] < min {
				keys = append(keys, key)
			}
		}
		return keys
	}
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		after = scrape(t, s.adminAddr)
		if len(short()) == 0 || time.Now().After(deadline) {
			break
		}
	}
	for _, key := range short() {
		t.Errorf("%s moved by %v, want at least %v", key, after[key]-before[key], mins[key])
	}
	if after[`pipehttp_route_latency_seconds{route=/echo}_sum`] <= 0 {
		t.Error("echo latency sum is zero")
	}

	status, body, hdr := fetch(t, "GET", "http://"+s.adminAddr+"/debug/pipeline.json", "", "")
	if status != 200 || hdr.Get("Content-Type") != "application/json" {
		t.Fatalf("pipeline.json: %d %s", status, hdr.Get("Content-Type"))
	}
	var st pipeline.Stats
	if err := json.Unmarshal([]byte(body), &st); err != nil {
		t.Fatal(err)
	}
	if len(st.Stages) != 6 || st.Stages[2].Name != "parse" || st.Stages[2].Taken < 200 {
		t.Errorf("pipeline.json stages: %+v", st.Stages)
	}
	for _, r := range st.Routes {
		if r.Name == "/echo" && (r.Count < 200 || r.Latency.P99 <= 0) {
			t.Errorf("pipeline.json /echo: %+v", r)
		}
	}
}

func TestResizeThroughAdmin(t *testing.T) {
	s := startServers(t, pipeline.Config{FileWorkers: 1}, 0)
	base := "http://" + s.adminAddr + "/debug/pipeline/stages/"
	workers := func(stage string) (int, int) {
		for _, st := range s.main.Stats().Stages {
			if st.Name == stage {
				return st.Workers, st.Target
			}
		}
		return -1, -1
	}
	if status, body, _ := fetch(t, "POST", base+"file", "application/x-www-form-urlencoded", url.Values{"workers": {"5"}}.Encode()); status != 200 {
		t.Fatalf("form resize: %d %s", status, body)
	}
	if w, tg := workers("file"); w != 5 || tg != 5 {
		t.Fatalf("file workers %d target %d after resize to 5", w, tg)
	}
	if status, body, _ := fetch(t, "POST", base+"parse", "application/json", `{"workers": 3}`); status != 200 || !strings.Contains(body, `"workers":3`) {
		t.Fatalf("JSON resize: %d %s", status, body)
	}
	if status, _, _ := fetch(t, "POST", base+"file", "application/json", `{"workers": 2}`); status != 200 {
		t.Fatal(status)
	}
	deadline := time.Now().Add(5 * time.Second)
	for w, tg := workers("file"); w != 2 || tg != 2; w, tg = workers("file") {
		if time.Now().After(deadline) {
			t.Fatalf("file pool did not shrink to 2: workers %d target %d", w, tg)
		}
		time.Sleep(10 * time.Millisecond)
	}
	load(t, s.addr, 2, 20) // still serving
	for _, tc := range []struct {
		method, path, ctype, body string
		want                      int
	}{
		{"POST", "accept", "application/json", `{"workers":2}`, 404},
		{"POST", "file", "application/json", `{"workers":0}`, 400},
		{"POST", "file", "application/json", `{"nope":1}`, 400},
		{"POST", "file", "application/x-www-form-urlencoded", "workers=many", 400},
		{"POST", "file", "", "", 400},
		{"GET", "file", "", "", 405},
	} {
		if status, body, _ := fetch(t, tc.method, base+tc.path, tc.ctype, tc.body); status != tc.want {
			t.Errorf("%s %s %q: %d %s, want %d", tc.method, tc.path, tc.body, status, body, tc.want)
		}
	}
}

func TestDashboardServed(t *testing.T) {
	s := startServers(t, pipeline.Config{}, 0)
	status, body, hdr := fetch(t, "GET", "http://"+s.adminAddr+"/debug/pipeline", "", "")
	if status != 200 || !strings.HasPrefix(hdr.Get("Content-Type"), "text/html") || !strings.Contains(body, "/debug/pipeline.json") {
		t.Fatalf("dashboard: %d %s", status, hdr.Get("Content-Type"))
	}
	if strings.Contains(body, "http://") || strings.Contains(body, "https://") {
		t.Error("the dashboard refers to an external address")
	}
	if status, _, _ := fetch(t, "HEAD", "http://"+s.adminAddr+"/metrics", "", ""); status != 200 {
		t.Errorf("HEAD /metrics: %d", status)
	}
	if status, _, _ := fetch(t, "GET", "http://"+s.adminAddr+"/nope", "", ""); status != 404 {
		t.Errorf("GET /nope: %d", status)
	}
	if status, _, hdr := fetch(t, "DELETE", "http://"+s.adminAddr+"/metrics", "", ""); status != 405 || hdr.Get("Allow") != "GET, HEAD" {
		t.Errorf("DELETE /metrics: %d, Allow %q", status, hdr.Get("Allow"))
	}
}

// A page from another origin cannot resize the server (a form POST needs no
// CORS preflight, so the browser would send it): Origin must name the admin
// listener itself, or be absent (curl, scripts).
func TestResizeRefusesCrossOrigin(t *testing.T) {
	s := startServers(t, pipeline.Config{FileWorkers: 1}, 0)
	post := func(origin string) int {
		req, err := http.NewRequest("POST", "http://"+s.adminAddr+"/debug/pipeline/stages/file", strings.NewReader("workers=3"))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Origin", origin)
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if got := post("http://evil.example"); got != 403 {
		t.Fatalf("cross-origin resize: %d, want 403", got)
	}
	for _, st := range s.main.Stats().Stages {
		if st.Name == "file" && st.Target != 1 {
			t.Fatalf("cross-origin request resized the file pool to %d", st.Target)
		}
	}
	if got := post("http://" + s.adminAddr); got != 200 {
		t.Fatalf("same-origin resize: %d, want 200", got)
	}
	// DNS rebinding: a name that resolves to the loopback address is still
	// another site.
	c := rawhttp.Dial(t, s.adminAddr)
	c.Send("POST /debug/pipeline/stages/file HTTP/1.1\r\nHost: rebound.example:9421\r\nOrigin: http://rebound.example:9421\r\n" +
		"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 9\r\n\r\nworkers=4")
	if r := c.Read(false); r.Status != 403 {
		t.Fatalf("rebound host: %d, want 403", r.Status)
	}
}
