package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"math"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"
)

// The autotune experiment (issue 14): does pipehttp --autotune find a good
// configuration by itself, and does its admission control keep /echo fast
// while it sheds an overload of /files?
//
//	go run . autotune [-experiments converge,overload] [-out ../docs]
//
// converge: a mixed load — /echo at a fixed rate (open loop) and closed-loop
// clients on /files/small behind a slow disk (--files-delay) — first on
// every configuration of a grid (the brute-force sweep: --file-workers ×
// --parse-workers), then on the worst one (1 and 1) with --autotune. It
// reports the best throughput the sweep found, the controller's throughput
// second by second, its decisions, and when it came within 10% of the best
// for good.
//
// overload: /echo at a fixed rate and /files at twice what a fixed file pool
// can serve (measured first, closed loop), both open loop, without and then
// with --autotune and p99 targets; per second, /echo's p99 and what happens
// to file requests (served, shed, how long each took).
func autotuneMain(args []string) error {
	fs := flag.NewFlagSet("autotune", flag.ExitOnError)
	var c common
	c.register(fs)
	exps := fs.String("experiments", "converge,overload", "experiments to run")
	outDir := fs.String("out", "../docs", "directory for the SVG charts")
	report := fs.String("report", "", "also write the markdown report to this file")
	echoRate := fs.Float64("echo-rate", 2000, "open-loop /echo/hello requests per second, both experiments")
	// converge
	grid := fs.String("file-workers", "1,2,4,8", "converge: --file-workers values of the sweep (the controller's range is their min..max)")
	parseGrid := fs.String("parse-workers", "1,2", "converge: --parse-workers values of the sweep")
	fileClients := fs.Int("file-clients", 64, "converge: closed-loop file clients")
	convDelay := fs.Duration("converge-delay", 20*time.Millisecond, "converge: --files-delay")
	convRun := fs.Duration("converge-run", 40*time.Second, "converge: length of the --autotune run")
	// overload
	ovWorkers := fs.Int("overload-workers", 4, "overload: the fixed file pool")
	ovDelay := fs.Duration("overload-delay", 50*time.Millisecond, "overload: --files-delay")
	ovFactor := fs.Float64("overload-factor", 2, "overload: file arrivals as a multiple of the pool's measured capacity")
	ovRun := fs.Duration("overload-run", 30*time.Second, "overload: length of each run")
	targets := fs.String("targets", "echo=10ms,files=250ms", "overload: --target-p99 of the run with the controller")
	fs.Parse(args)
	if !isSet(fs, "duration") {
		c.duration = 4 * time.Second
	}
	e, cleanup, err := setup(c)
	if err != nil {
		return err
	}
	defer cleanup()
	if err := os.MkdirAll(*outDir, 0o755); err != nil {
		return err
	}
	w := io.Writer(os.Stdout)
	if *report != "" {
		f, err := os.Create(*report)
		if err != nil {
			return err
		}
		defer f.Close()
		w = io.MultiWriter(os.Stdout, f)
	}
	fmt.Fprintf(w, "## Autotune experiment, %s\n\n    cd bench && go run . autotune %s\n\n", time.Now().Format("2006-01-02 15:04 MST"), joinArgs(args))
	fmt.Fprintf(w, "Server pinned to CPU %s (GOMAXPROCS=1), the load generator (`client mixed`) to CPU %s; this machine's two cores are shared with other work, so absolute figures move from run to run: read the ratios.\n\n", c.serverCPU, c.loadCPU)
	for _, x := range splitList(*exps) {
		switch x {
		case "converge":
			fws, err := ints(*grid)
			if err != nil {
				return err
			}
			pws, err := ints(*parseGrid)
			if err != nil {
				return err
			}
			err = converge(e, w, *outDir, convergeOpts{echoRate: *echoRate, clients: *fileClients, delay: *convDelay,
				run: *convRun, fileWorkers: fws, parseWorkers: pws})
			if err != nil {
				return fmt.Errorf("converge: %w", err)
			}
		case "overload":
			err := overload(e, w, *outDir, overloadOpts{echoRate: *echoRate, workers: *ovWorkers, delay: *ovDelay,
				factor: *ovFactor, run: *ovRun, targets: *targets})
			if err != nil {
				return fmt.Errorf("overload: %w", err)
			}
		default:
			return fmt.Errorf("unknown experiment %q (converge, overload)", x)
		}
	}
	return nil
}

// mixedOut is what client mixed prints.
type mixedOut struct {
	Duration float64 `json:"duration"`
	Classes  []struct {
		Name    string     `json:"name"`
		Missed  int64      `json:"missed"`
		Seconds []secStats `json:"seconds"`
		Total   secStats   `json:"total"`
	} `json:"classes"`
}

type secStats struct {
	OK     int64   `json:"ok"`
	Shed   int64   `json:"shed"`
	Other  int64   `json:"other"`
	P50us  float64 `json:"p50_us"`
	P99us  float64 `json:"p99_us"`
	Shed99 float64 `json:"shed99_us"`
}

func (m mixedOut) class(name string) (secs []secStats, total secStats, missed int64) {
	for _, c := range m.Classes {
		if c.Name == name {
			return c.Seconds, c.Total, c.Missed
		}
	}
	return nil, secStats{}, 0
}

// noCache is added to every pipehttp start here: its memory cache of small
// files would answer /files/small from memory in the route stage, and the
// slow disk — the file pool these experiments are about — would never be
// touched.
var noCache = "--file-cache=0"

// mixed runs client mixed, pinned to the load CPU, against p.
func (e *env) mixed(p *proc, d, skip time.Duration, args ...string) (mixedOut, error) {
	all := append([]string{"-c", e.loadCPU, e.bins["client"], "mixed", "--addr", p.addr(),
		"--duration", d.String(), "--skip", skip.String()}, args...)
	out, err := exec.Command("taskset", all...).Output()
	var m mixedOut
	if err != nil {
		return m, fmt.Errorf("client mixed: %w", err)
	}
	return m, json.Unmarshal(out, &m)
}

// watcher polls a pipehttp admin listener once a second: stage targets
// from /debug/pipeline.json, and at the end the controllers' decisions.
type watcher struct {
	admin string
	start time.Time
	stop  chan struct{}
	done  sync.WaitGroup

	mu      sync.Mutex
	workers map[string][]float64 // stage → target per second
}

func watch(admin string, start time.Time, seconds int) *watcher {
	wt := &watcher{admin: admin, start: start, stop: make(chan struct{}), workers: map[string][]float64{}}
	for _, s := range []string{"parse", "route", "write", "file"} {
		wt.workers[s] = nanSlice(seconds)
	}
	wt.done.Go(func() {
		tick := time.NewTicker(250 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-wt.stop:
				return
			case now := <-tick.C:
				var st struct {
					Stages []struct {
						Name   string `json:"name"`
						Target int    `json:"target"`
					} `json:"stages"`
				}
				if getJSON("http://"+wt.admin+"/debug/pipeline.json", &st) != nil {
					continue
				}
				i := int(now.Sub(wt.start) / time.Second)
				wt.mu.Lock()
				for _, s := range st.Stages {
					if ws, ok := wt.workers[s.Name]; ok && i >= 0 && i < len(ws) {
						ws[i] = float64(s.Target)
					}
				}
				wt.mu.Unlock()
			}
		}
	})
	return wt
}

// event is a decision as /debug/autotune.json lists it.
type event struct {
	Time    time.Time `json:"time"`
	Subject string    `json:"subject"`
	Kind    string    `json:"kind"`
	From    float64   `json:"from"`
	To      float64   `json:"to"`
	Message string    `json:"message"`
}

func (wt *watcher) finish() ([]event, map[string][]float64, error) {
	close(wt.stop)
	wt.done.Wait()
	var st struct {
		Events []event `json:"events"`
	}
	err := getJSON("http://"+wt.admin+"/debug/autotune.json", &st)
	return st.Events, wt.workers, err
}

func getJSON(url string, v any) error {
	c := http.Client{Timeout: 2 * time.Second}
	resp, err := c.Get(url)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 {
		return fmt.Errorf("GET %s: %s", url, resp.Status)
	}
	return json.NewDecoder(resp.Body).Decode(v)
}

func nanSlice(n int) []float64 {
	s := make([]float64, n)
	for i := range s {
		s[i] = math.NaN()
	}
	return s
}

type convergeOpts struct {
	echoRate                  float64
	clients                   int
	delay, run                time.Duration
	fileWorkers, parseWorkers []int
}

func converge(e *env, w io.Writer, outDir string, o convergeOpts) error {
	pipehttp, _ := serverByName("pipehttp")
	load := []string{"--echo-rate", ftoa(o.echoRate), "--file-clients", strconv.Itoa(o.clients)}
	fmt.Fprintf(w, "### 1. From a bad configuration to the best one\n\n")
	fmt.Fprintf(w, "Load: /echo/hello at %s requests/s (open loop) and %d closed-loop clients on /files/small (4 KiB) with --files-delay %v (a file worker serves at most 1/delay requests a second). Figure of merit: files served per second (200s); /echo is offered at a fixed rate and served in full in every configuration, so a total would hide the difference.\n\n",
		ftoa(o.echoRate), o.clients, o.delay)
	fmt.Fprintf(w, "Brute force (the sweep): every configuration below, %v of load each after %v of warm-up.\n\n", e.duration, e.warmup)
	fmt.Fprintf(w, "| --parse-workers | --file-workers | files/s | files p99 ms | files 503/s | echo/s | echo p99 ms |\n|---|---|---|---|---|---|---|\n")
	best, bestP, bestF := 0.0, 0, 0
	for _, pw := range o.parseWorkers {
		for _, fw := range o.fileWorkers {
			p, err := e.start(pipehttp, startOpts{delay: o.delay, extra: []string{noCache, "--parse-workers=" + strconv.Itoa(pw), "--file-workers=" + strconv.Itoa(fw)}})
			if err != nil {
				return err
			}
			m, err := e.mixed(p, e.warmup+e.duration, e.warmup, load...)
			p.stop()
			if err != nil {
				return err
			}
			_, ft, _ := m.class("files")
			_, et, _ := m.class("echo")
			secs := e.duration.Seconds()
			rate := float64(ft.OK) / secs
			fmt.Fprintf(w, "| %d | %d | %.0f | %.0f | %.0f | %.0f | %.2f |\n", pw, fw, rate, ft.P99us/1e3, float64(ft.Shed)/secs, float64(et.OK)/secs, et.P99us/1e3)
			fmt.Fprintf(os.Stderr, "converge sweep parse=%d file=%d: files %.0f/s, echo p99 %.2f ms\n", pw, fw, rate, et.P99us/1e3)
			if rate > best {
				best, bestP, bestF = rate, pw, fw
			}
		}
	}
	fmt.Fprintf(w, "\nBest: %.0f files/s with --parse-workers %d --file-workers %d.\n\n", best, bestP, bestF)

	// The controller, from the worst corner of the grid.
	startP, startF := o.parseWorkers[0], o.fileWorkers[0]
	maxF := o.fileWorkers[len(o.fileWorkers)-1]
	adminPort := e.nextPort()
	admin := "127.0.0.1:" + strconv.Itoa(adminPort)
	flags := []string{noCache, "--parse-workers=" + strconv.Itoa(startP), "--file-workers=" + strconv.Itoa(startF),
		"--autotune", "--file-workers-max=" + strconv.Itoa(maxF), "--admin-addr=" + admin}
	p, err := e.start(pipehttp, startOpts{delay: o.delay, extra: flags})
	if err != nil {
		return err
	}
	secs := int(o.run / time.Second)
	began := time.Now()
	wt := watch(admin, began, secs)
	m, err := e.mixed(p, o.run, 0, load...)
	events, workers, werr := wt.finish()
	p.stop()
	if err != nil {
		return err
	}
	if werr != nil {
		return werr
	}
	fsecs, _, _ := m.class("files")
	esecs, _, _ := m.class("echo")
	rates := make([]float64, len(fsecs))
	for i, s := range fsecs {
		rates[i] = float64(s.OK)
	}
	reached := settled(rates, 0.9*best)
	tail := 0.0
	n := min(10, len(rates))
	for _, r := range rates[len(rates)-n:] {
		tail += r
	}
	tail /= float64(n)
	fmt.Fprintf(w, "With the controller: `pipehttp --files-delay %v %s` (file pool ceiling %d = the sweep's largest; the other stages at their default range), the same load for %v:\n\n",
		o.delay, strings.Join(flags[:len(flags)-1], " "), maxF, o.run)
	if reached >= 0 {
		fmt.Fprintf(w, "- **within 10%% of the best for good after %d s** (the first second from which every 3-second average of files/s stays ≥ 90%% of %.0f);\n", reached, best)
	} else {
		fmt.Fprintf(w, "- **never within 10%% of the best for good** in %v;\n", o.run)
	}
	fmt.Fprintf(w, "- files/s over the last %d s: %.0f = %.0f%% of the best;\n", n, tail, 100*tail/best)
	var emax float64
	for _, s := range esecs[min(2, len(esecs)):] {
		emax = math.Max(emax, s.P99us/1e3)
	}
	_, etot, _ := m.class("echo")
	fmt.Fprintf(w, "- /echo: p99 %.2f ms over the whole run, worst second (after the first 2) %.2f ms.\n\nIts decisions (seconds from the start of the load):\n\n", etot.P99us/1e3, emax)
	var marks []tsMark
	for _, ev := range events {
		t := ev.Time.Sub(began).Seconds()
		fmt.Fprintf(w, "    %5.1f s  %s\n", t, ev.Message)
		if ev.Kind == "workers" {
			marks = append(marks, tsMark{t: t, label: fmt.Sprintf("%s %.0f→%.0f", ev.Subject, ev.From, ev.To)})
		}
	}
	fmt.Fprintln(w)
	chart := tsChart(fmt.Sprintf("autotune from --parse-workers %d --file-workers %d: files served per second", startP, startF), 1, []tsPanel{{
		title: fmt.Sprintf("%d closed-loop file clients, --files-delay %v, + /echo at %s/s", o.clients, o.delay, ftoa(o.echoRate)),
		left:  "files/s (200)", right: "workers", seconds: secs,
		series: []tsSeries{
			{name: "files/s with --autotune", color: "#1f5fbf", ys: rates},
			{name: "file workers", color: "#2e8b57", right: true, step: true, ys: workers["file"]},
			{name: "parse workers", color: "#c0392b", right: true, step: true, ys: workers["parse"]},
		},
		refs: []tsRef{
			{name: fmt.Sprintf("best of the sweep (%.0f/s)", best), color: "#333", y: best},
			{name: "90% of it", color: "#999", y: 0.9 * best},
		},
		marks:    marks,
		rightMax: float64(maxF),
	}})
	file := filepath.Join(outDir, "autotune-converge.svg")
	if err := os.WriteFile(file, []byte(chart), 0o644); err != nil {
		return err
	}
	fmt.Fprintf(w, "Chart: [%s](%s)\n\n", filepath.Base(file), filepath.Base(file))
	return nil
}

type overloadOpts struct {
	echoRate   float64
	workers    int
	delay, run time.Duration
	factor     float64
	targets    string
}

func overload(e *env, w io.Writer, outDir string, o overloadOpts) error {
	pipehttp, _ := serverByName("pipehttp")
	base := []string{noCache, "--file-workers=" + strconv.Itoa(o.workers)}
	// The pool's capacity, measured: closed-loop clients, 4 per worker.
	p, err := e.start(pipehttp, startOpts{delay: o.delay, extra: base})
	if err != nil {
		return err
	}
	m, err := e.mixed(p, e.warmup+e.duration, e.warmup, "--file-clients", strconv.Itoa(4*o.workers))
	p.stop()
	if err != nil {
		return err
	}
	_, ft, _ := m.class("files")
	capacity := float64(ft.OK) / e.duration.Seconds()
	rate := o.factor * capacity
	fmt.Fprintf(w, "### 2. Overload of /files with a slow disk, without and with the controller\n\n")
	fmt.Fprintf(w, "A fixed file pool of %d workers with --files-delay %v serves %.0f files/s (measured: %d closed-loop clients, %v). Load: /echo/hello at %s/s and /files/small at %.0f/s (%.4gx that), both open loop (arrivals at a fixed rate; latency counts from the scheduled arrival), for %v; figures below leave out the first 5 s.\n\n",
		o.workers, o.delay, capacity, 4*o.workers, e.duration, ftoa(o.echoRate), rate, o.factor, o.run)
	type run struct {
		name  string
		flags []string
		m     mixedOut
		ev    []event
	}
	admin := "127.0.0.1:" + strconv.Itoa(e.nextPort())
	// /echo alone first: its p99 on this machine with nothing else to do.
	p, err = e.start(pipehttp, startOpts{delay: o.delay, extra: base})
	if err != nil {
		return err
	}
	alone, err := e.mixed(p, e.warmup+e.duration, e.warmup, "--echo-rate", ftoa(o.echoRate))
	p.stop()
	if err != nil {
		return err
	}
	_, at, _ := alone.class("echo")
	fmt.Fprintf(w, "/echo alone at that rate (%v): p50 %.2f ms, p99 %.2f ms.\n\n", e.duration, at.P50us/1e3, at.P99us/1e3)
	runs := []*run{
		{name: "without the controller", flags: base},
		{name: "with --autotune --target-p99 " + o.targets, flags: append(append([]string{}, base...),
			"--autotune", "--file-workers-max="+strconv.Itoa(o.workers), "--target-p99="+o.targets, "--admin-addr="+admin)},
	}
	load := []string{"--echo-rate", ftoa(o.echoRate), "--file-rate", ftoa(rate), "--file-conns", strconv.Itoa(max(512, int(rate*3)))}
	secs := int(o.run / time.Second)
	for _, r := range runs {
		p, err := e.start(pipehttp, startOpts{delay: o.delay, extra: r.flags})
		if err != nil {
			return err
		}
		var wt *watcher
		if strings.Contains(strings.Join(r.flags, " "), "--autotune") {
			wt = watch(admin, time.Now(), secs)
		}
		began := time.Now()
		r.m, err = e.mixed(p, o.run, 5*time.Second, load...)
		if wt != nil {
			var werr error
			r.ev, _, werr = wt.finish()
			if err == nil {
				err = werr
			}
			for i := range r.ev {
				r.ev[i].Time = time.Unix(0, 0).Add(r.ev[i].Time.Sub(began)) // seconds since the start, below
			}
		}
		p.stop()
		if err != nil {
			return err
		}
		fmt.Fprintf(os.Stderr, "overload %s done\n", r.name)
	}
	fmt.Fprintf(w, "| | /echo p99 ms | /echo served/s | files served/s | files 503/s | files p99 ms (200s) | 503 p99 ms (time to say no) | other errors |\n|---|---|---|---|---|---|---|---|\n")
	span := o.run.Seconds() - 5
	for _, r := range runs {
		_, et, _ := r.m.class("echo")
		_, ft, missed := r.m.class("files")
		fmt.Fprintf(w, "| %s | %.2f | %.0f | %.0f | %.0f | %.0f | %.1f | %d |\n", r.name, et.P99us/1e3, float64(et.OK)/span,
			float64(ft.OK)/span, float64(ft.Shed)/span, ft.P99us/1e3, ft.Shed99/1e3, ft.Other+et.Other+missed)
	}
	fmt.Fprintf(w, "\nDecisions of the run with the controller (seconds from the start of the load):\n\n")
	var panels []tsPanel
	for i, r := range runs {
		es, _, _ := r.m.class("echo")
		fs, _, _ := r.m.class("files")
		echoP99, fileP99, shedP99, ok, shed := nanSlice(len(es)), nanSlice(len(fs)), nanSlice(len(fs)), nanSlice(len(fs)), nanSlice(len(fs))
		for j, s := range es {
			if s.OK > 0 {
				echoP99[j] = s.P99us / 1e3
			}
		}
		for j, s := range fs {
			if s.OK > 0 {
				fileP99[j] = s.P99us / 1e3
			}
			if s.Shed > 0 {
				shedP99[j] = s.Shed99 / 1e3
			}
			ok[j], shed[j] = float64(s.OK), float64(s.Shed)
		}
		var marks []tsMark
		for _, ev := range r.ev {
			t := ev.Time.Sub(time.Unix(0, 0)).Seconds()
			if i == 1 {
				fmt.Fprintf(w, "    %5.1f s  %s\n", t, ev.Message)
			}
			marks = append(marks, tsMark{t: t})
		}
		var refs []tsRef
		for _, tg := range splitList(o.targets) {
			name, v, _ := strings.Cut(tg, "=")
			d, err := time.ParseDuration(v)
			if err == nil && i == 1 {
				refs = append(refs, tsRef{name: name + " target", color: map[string]string{"echo": "#2e8b57", "files": "#1f5fbf"}[name], y: float64(d) / 1e6})
			}
		}
		panels = append(panels, tsPanel{title: r.name + ": latency (log scale)", left: "ms", logLeft: true, seconds: secs,
			series: []tsSeries{
				{name: "/echo p99", color: "#2e8b57", ys: echoP99},
				{name: "files p99 (200s)", color: "#1f5fbf", ys: fileP99},
				{name: "files p99 (503s)", color: "#c0392b", ys: shedP99},
			}, refs: refs, marks: marks})
		panels = append(panels, tsPanel{title: r.name + ": file requests", left: "per second", seconds: secs,
			series: []tsSeries{
				{name: "served (200)", color: "#1f5fbf", ys: ok},
				{name: "shed (503)", color: "#c0392b", ys: shed},
			}, refs: []tsRef{{name: "capacity", color: "#999", y: capacity}}, marks: marks})
	}
	// Two columns: without | with; rows: latency, requests.
	ordered := []tsPanel{panels[0], panels[2], panels[1], panels[3]}
	chart := tsChart(fmt.Sprintf("/files at %.4gx the pool's capacity with a slow disk, /echo at %s/s", o.factor, ftoa(o.echoRate)), 2, ordered)
	file := filepath.Join(outDir, "autotune-overload.svg")
	if err := os.WriteFile(file, []byte(chart), 0o644); err != nil {
		return err
	}
	fmt.Fprintf(w, "\nChart: [%s](%s)\n\n", filepath.Base(file), filepath.Base(file))
	return nil
}

func ftoa(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }

// settled is the first second from which every 3-second average of ys
// stays at or above floor to the end, or -1.
func settled(ys []float64, floor float64) int {
	for i := 0; i+3 <= len(ys); i++ {
		ok := true
		for j := i; j+3 <= len(ys); j++ {
			if (ys[j]+ys[j+1]+ys[j+2])/3 < floor {
				ok = false
				break
			}
		}
		if ok {
			return i
		}
	}
	return -1
}
