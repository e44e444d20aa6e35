package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"time"
)

// A metric is one figure of a scenario.
type metric struct {
	key, label string
	better     string // "low" or "high", for reading the ratios
}

var (
	mRPS  = metric{"rps", "requests/s", "high"}
	mP50  = metric{"p50", "p50 ms", "low"}
	mP99  = metric{"p99", "p99 ms", "low"}
	mCPU  = metric{"cpu", "server CPU µs/request", "low"}
	mMBps = metric{"mbps", "MB/s (wrk)", "high"}
)

// A cell is one scenario on one server in one round: figures by metric key,
// plus anything worth a footnote.
type cell struct {
	figures map[string]float64
	note    string
}

// A scenario measures servers one at a time.
type scenario struct {
	name    string
	title   string
	about   string
	metrics []metric
	applies func(server) bool
	run     func(e *env, s server) (cell, error)
}

func allServers(server) bool    { return true }
func fileServers(s server) bool { return s.files }
func noCeiling(s server) bool   { return s.name != "ceiling" }
func delayServers(s server) bool {
	return s.delay
}

// Scenario settings (flags of the run command).
var (
	idleConns  = 10000
	slowConns  = 1000
	slowDelay  = 50 * time.Millisecond
	bigClients = 1
)

func scenarios() []scenario {
	std := []metric{mRPS, mP50, mP99, mCPU}
	return []scenario{
		{name: "echo64", title: "/echo keep-alive, 64 connections", metrics: std, applies: allServers,
			about: "wrk -t1 -c64 GET /echo/hello",
			run:   wrkScenario(load{path: "/echo/hello", conns: 64})},
		{name: "echo512", title: "/echo keep-alive, 512 connections", metrics: std, applies: allServers,
			about: "wrk -t1 -c512 GET /echo/hello",
			run:   wrkScenario(load{path: "/echo/hello", conns: 512})},
		{name: "pipeline16", title: "/echo pipelined ×16", metrics: []metric{mRPS, mCPU}, applies: allServers,
			about: "wrk -t1 -c64 -s pipeline.lua: 16 GET /echo/hello per write (wrk's latency percentiles are not meaningful for pipelined requests: it records one sample per batch, so none are shown)",
			run:   wrkScenario(load{path: "/echo/hello", conns: 64, pipeline: 16})},
		{name: "close", title: "new connection per request", metrics: std, applies: allServers,
			about: "wrk -t1 -c64 -H 'Connection: close' GET /echo/hello",
			run:   wrkScenario(load{path: "/echo/hello", conns: 64, headers: []string{"Connection: close"}})},
		{name: "file4k", title: "/files 4 KiB", metrics: std, applies: fileServers,
			about: "wrk -t1 -c64 GET /files/small (4096 bytes)",
			run:   wrkScenario(load{path: "/files/small", conns: 64})},
		{name: "file16m", title: "/files 16 MiB", applies: fileServers,
			metrics: []metric{mMBps, {"cmbps", "MB/s (1 MiB reads)", "high"}, {"cp99", "p99 ms (1 MiB reads)", "low"}, {"ccpu", "server CPU µs/request (1 MiB reads)", "low"}},
			about:   "wrk -t1 -c4 GET /files/big (16 MiB), then the Go client reading 1 MiB at a time over 1 connection",
			run:     bigScenario},
		{name: "idle", title: "10,000 idle keep-alive connections", applies: noCeiling,
			metrics: []metric{{"bpc", "RSS bytes per idle connection", "low"}, {"threads", "threads", "low"}, mP50, mP99},
			about:   "a separate client process opens the connections (one /echo each) and holds them; then wrk -c64 /echo/hello",
			run:     idleScenario},
		{name: "slowdisk", title: "slow disk: file pool saturated", applies: delayServers,
			metrics: []metric{{"p99idle", "echo p99 ms, idle", "low"}, mP99, {"p99ratio", "p99 loaded ÷ idle", "low"},
				{"rss", "RSS MiB under load", "low"}, {"threads", "threads under load", "low"},
				{"ok", "file 200/s", "high"}, {"shed", "file 503/s", "low"}},
			about: "--files-delay 50ms (pipehttp with --file-cache=0, so the file pool does the work); wrk -c64 /echo/hello alone, then again while 1,000 connections keep GET /files/small outstanding (honouring Retry-After)",
			run:   slowScenario},
	}
}

func wrkScenario(l load) func(*env, server) (cell, error) {
	return func(e *env, s server) (cell, error) {
		p, err := e.start(s, startOpts{})
		if err != nil {
			return cell{}, err
		}
		defer p.stop()
		r, cpu, err := e.measured(p, l)
		if err != nil {
			return cell{}, err
		}
		return cell{figures: map[string]float64{
			"rps": r.rps(), "p50": float64(r.P50us) / 1e3, "p99": float64(r.P99us) / 1e3,
			"cpu": cpu / float64(r.Requests), "mbps": r.mbps(),
		}, note: r.errors()}, nil
	}
}

func bigScenario(e *env, s server) (cell, error) {
	p, err := e.start(s, startOpts{})
	if err != nil {
		return cell{}, err
	}
	defer p.stop()
	r, _, err := e.measured(p, load{path: "/files/big", conns: 4})
	if err != nil {
		return cell{}, err
	}
	t0, _ := cpuTicks(p.pid)
	var out struct {
		Requests int64   `json:"requests"`
		MBps     float64 `json:"mbps"`
		P99us    float64 `json:"p99_us"`
	}
	if err := e.client(&out, "bigread", "--addr", p.addr(), "--path", "/files/big",
		"--conns", strconv.Itoa(bigClients), "--duration", e.duration.String()); err != nil {
		return cell{}, err
	}
	t1, _ := cpuTicks(p.pid)
	c := cell{figures: map[string]float64{"mbps": r.mbps(), "cmbps": out.MBps, "cp99": out.P99us / 1e3}, note: r.errors()}
	if out.Requests > 0 {
		c.figures["ccpu"] = (t1 - t0) / e.clkTck * 1e6 / float64(out.Requests)
	}
	return c, nil
}

// client runs the Go client pinned to the load CPU and decodes its JSON.
func (e *env) client(v any, args ...string) error {
	cmd := exec.Command("taskset", append([]string{"-c", e.loadCPU, e.bins["client"]}, args...)...)
	out, err := cmd.Output()
	if err != nil {
		msg := ""
		if ee, ok := err.(*exec.ExitError); ok {
			msg = string(ee.Stderr)
		}
		return fmt.Errorf("client %s: %w %s", args[0], err, msg)
	}
	return json.Unmarshal(out, v)
}

// holder is a client process running until its stdin closes.
type holder struct {
	cmd   *exec.Cmd
	stdin io.WriteCloser
	out   strings.Builder
}

// hold starts the client in a mode that runs until stdin closes; when ready
// is set it waits for the client to print "ready" on stderr.
func (e *env) hold(ready bool, args ...string) (*holder, error) {
	h := &holder{cmd: exec.Command("taskset", append([]string{"-c", e.loadCPU, e.bins["client"]}, args...)...)}
	var err error
	if h.stdin, err = h.cmd.StdinPipe(); err != nil {
		return nil, err
	}
	stderr, err := h.cmd.StderrPipe()
	if err != nil {
		return nil, err
	}
	h.cmd.Stdout = &h.out
	if err := h.cmd.Start(); err != nil {
		return nil, err
	}
	lines := make(chan string, 16)
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			select {
			case lines <- sc.Text():
			default:
			}
		}
		close(lines)
	}()
	if !ready {
		return h, nil
	}
	timeout := time.After(2 * time.Minute)
	var msgs []string
	for {
		select {
		case line, ok := <-lines:
			if !ok {
				h.cmd.Wait()
				return nil, fmt.Errorf("client %s: %s", args[0], strings.Join(msgs, "; "))
			}
			if line == "ready" {
				return h, nil
			}
			msgs = append(msgs, line)
		case <-timeout:
			h.stdin.Close()
			h.cmd.Process.Kill()
			h.cmd.Wait()
			return nil, fmt.Errorf("client %s: not ready after 2m", args[0])
		}
	}
}

// finish closes the client's stdin, waits for it and decodes its output.
func (h *holder) finish(v any) error {
	h.stdin.Close()
	err := h.cmd.Wait()
	if err != nil {
		return err
	}
	if v == nil {
		return nil
	}
	return json.Unmarshal([]byte(h.out.String()), v)
}

func idleScenario(e *env, s server) (cell, error) {
	p, err := e.start(s, startOpts{})
	if err != nil {
		return cell{}, err
	}
	defer p.stop()
	// A few requests first, so lazily allocated per-server state is not
	// counted as per-connection cost.
	if _, err := e.wrk(p, load{path: "/echo/warm", conns: 16}, time.Second); err != nil {
		return cell{}, err
	}
	time.Sleep(500 * time.Millisecond)
	before, _, err := status(p.pid)
	if err != nil {
		return cell{}, err
	}
	h, err := e.hold(true, "idle", "--addr", p.addr(), "--conns", strconv.Itoa(idleConns))
	if err != nil {
		return cell{}, err
	}
	time.Sleep(2 * time.Second)
	after, threads, err := status(p.pid)
	if err != nil {
		h.finish(nil)
		return cell{}, err
	}
	r, err := e.wrk(p, load{path: "/echo/hello", conns: 64}, e.duration)
	h.finish(nil)
	if err != nil {
		return cell{}, err
	}
	return cell{figures: map[string]float64{
		"bpc":     float64(after-before) / float64(idleConns),
		"threads": float64(threads),
		"p50":     float64(r.P50us) / 1e3, "p99": float64(r.P99us) / 1e3,
	}, note: r.errors()}, nil
}

func slowScenario(e *env, s server) (cell, error) {
	o := startOpts{delay: slowDelay}
	if s.prog() == "pipehttp" {
		// Its memory cache of small files would answer every request from
		// memory and the disk would not be slow at all; this scenario is
		// about a saturated file pool.
		o.extra = []string{"--file-cache=0"}
	}
	p, err := e.start(s, o)
	if err != nil {
		return cell{}, err
	}
	defer p.stop()
	echo := load{path: "/echo/hello", conns: 64}
	idle, _, err := e.measured(p, echo)
	if err != nil {
		return cell{}, err
	}
	h, err := e.hold(false, "slowload", "--addr", p.addr(), "--path", "/files/small", "--conns", strconv.Itoa(slowConns))
	if err != nil {
		return cell{}, err
	}
	time.Sleep(time.Second) // let the 1,000 requests arrive and fill the pool
	var mu sync.Mutex
	var rss int64
	var threads int
	stop := make(chan struct{})
	sampled := make(chan struct{})
	go func() {
		defer close(sampled)
		t := time.NewTicker(200 * time.Millisecond)
		defer t.Stop()
		for {
			r, th, err := status(p.pid)
			if err == nil {
				mu.Lock()
				rss, threads = max(rss, r), max(threads, th)
				mu.Unlock()
			}
			select {
			case <-stop:
				return
			case <-t.C:
			}
		}
	}()
	loaded, err := e.wrk(p, echo, e.duration)
	starved := errors.Is(err, errNoRequests)
	if starved {
		err = nil
	}
	close(stop)
	<-sampled
	var out struct {
		Seconds  float64          `json:"seconds"`
		Statuses map[string]int64 `json:"statuses"`
		Errors   int64            `json:"errors"`
	}
	ferr := h.finish(&out)
	if err != nil {
		return cell{}, err
	}
	if ferr != nil {
		return cell{}, fmt.Errorf("slowload: %w", ferr)
	}
	c := cell{figures: map[string]float64{
		"p99idle":  float64(idle.P99us) / 1e3,
		"p99":      float64(loaded.P99us) / 1e3,
		"p99ratio": float64(loaded.P99us) / float64(idle.P99us),
		"rss":      float64(rss) / (1 << 20),
		"threads":  float64(threads),
		"ok":       float64(out.Statuses["200"]) / out.Seconds,
		"shed":     float64(out.Statuses["503"]) / out.Seconds,
	}, note: loaded.errors()}
	if starved {
		c.figures["p99"], c.figures["p99ratio"] = math.Inf(1), math.Inf(1)
		c.note = strings.TrimPrefix(c.note+", no /echo request completed while the file pool was saturated", ", ")
	}
	if out.Errors > 0 {
		c.note = strings.TrimPrefix(c.note+fmt.Sprintf(", %d file-client errors", out.Errors), ", ")
	}
	return c, nil
}
