package main

import (
	"bufio"
	"bytes"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

//go:embed scripts/report.lua
var reportLua string

//go:embed scripts/pipeline.lua
var pipelineLua string

// errNoRequests means wrk ran but not one request completed in the window.
var errNoRequests = errors.New("wrk completed no requests")

// wrkResult is what the report script prints after a run.
type wrkResult struct {
	Requests   int64 `json:"requests"`
	Bytes      int64 `json:"bytes"`
	DurationUs int64 `json:"duration_us"`
	P50us      int64 `json:"p50_us"`
	P99us      int64 `json:"p99_us"`
	Non2xx     int64 `json:"non2xx"`
	Connect    int64 `json:"connect"`
	Read       int64 `json:"read"`
	Write      int64 `json:"write"`
	Timeout    int64 `json:"timeout"`
}

func (r wrkResult) rps() float64 { return float64(r.Requests) / (float64(r.DurationUs) / 1e6) }

func (r wrkResult) mbps() float64 { return float64(r.Bytes) / (float64(r.DurationUs) / 1e6) / 1e6 }

func (r wrkResult) errors() string {
	var parts []string
	for _, e := range []struct {
		n    int64
		what string
	}{{r.Non2xx, "non-2xx"}, {r.Connect, "connect"}, {r.Read, "read"}, {r.Write, "write"}, {r.Timeout, "timeout"}} {
		if e.n > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", e.n, e.what))
		}
	}
	return strings.Join(parts, ", ")
}

// load is one wrk invocation.
type load struct {
	path     string
	conns    int
	pipeline int      // requests per write; 0 or 1: none
	headers  []string // extra request header lines
}

// scripts writes the Lua scripts into work once.
func (e *env) script(pipelined bool) (string, error) {
	name, text := "report.lua", reportLua
	if pipelined {
		name, text = "pipeline.lua", pipelineLua+"\n"+reportLua
	}
	path := filepath.Join(e.work, name)
	if _, err := os.Stat(path); err == nil {
		return path, nil
	}
	return path, os.WriteFile(path, []byte(text), 0o644)
}

// wrk runs wrk pinned to the load CPU against p for d.
func (e *env) wrk(p *proc, l load, d time.Duration) (wrkResult, error) {
	script, err := e.script(l.pipeline > 1)
	if err != nil {
		return wrkResult{}, err
	}
	secs := max(1, int(d.Round(time.Second)/time.Second))
	args := []string{"-c", e.loadCPU, "wrk", "-t1", "-c" + strconv.Itoa(l.conns), "-d" + strconv.Itoa(secs) + "s",
		"--timeout", "10s", "--latency", "-s", script}
	for _, h := range l.headers {
		args = append(args, "-H", h)
	}
	args = append(args, p.url(l.path))
	if l.pipeline > 1 {
		args = append(args, "--", strconv.Itoa(l.pipeline))
	}
	out, err := exec.Command("taskset", args...).CombinedOutput()
	if err != nil {
		return wrkResult{}, fmt.Errorf("wrk: %w: %s", err, out)
	}
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), "BENCHJSON "); ok {
			var r wrkResult
			if err := json.Unmarshal([]byte(rest), &r); err != nil {
				return r, fmt.Errorf("wrk report: %w", err)
			}
			if r.Requests == 0 {
				return r, errNoRequests
			}
			return r, nil
		}
	}
	return wrkResult{}, fmt.Errorf("wrk printed no report: %s", out)
}

// measured runs a warm-up, then wrk for e.duration, and returns wrk's result
// with the server's CPU time over the measured window.
func (e *env) measured(p *proc, l load) (wrkResult, float64, error) {
	if e.warmup > 0 {
		if _, err := e.wrk(p, l, e.warmup); err != nil {
			return wrkResult{}, 0, err
		}
	}
	t0, err := cpuTicks(p.pid)
	if err != nil {
		return wrkResult{}, 0, err
	}
	r, err := e.wrk(p, l, e.duration)
	if err != nil {
		return r, 0, err
	}
	t1, err := cpuTicks(p.pid)
	if err != nil {
		return r, 0, err
	}
	return r, (t1 - t0) / e.clkTck * 1e6, nil
}
