package main

import (
	"fmt"
	"io"
	"math"
	"slices"
	"strings"
	"time"
)

// summary is one figure over the rounds.
type summary struct {
	med, lo, hi float64
	n           int
}

func summarize(cells []cell, key string) summary {
	var v []float64
	for _, c := range cells {
		if x, ok := c.figures[key]; ok && !math.IsNaN(x) {
			v = append(v, x)
		}
	}
	if len(v) == 0 {
		return summary{med: math.NaN()}
	}
	slices.Sort(v)
	med := v[len(v)/2]
	if len(v)%2 == 0 {
		med = (v[len(v)/2-1] + v[len(v)/2]) / 2
	}
	return summary{med: med, lo: v[0], hi: v[len(v)-1], n: len(v)}
}

func format(v float64) string {
	switch a := math.Abs(v); {
	case math.IsNaN(v):
		return "—"
	case math.IsInf(v, 1):
		return "∞"
	case a >= 100:
		return fmt.Sprintf("%.0f", v)
	case a >= 10:
		return fmt.Sprintf("%.1f", v)
	case a >= 1:
		return fmt.Sprintf("%.2f", v)
	default:
		return fmt.Sprintf("%.3f", v)
	}
}

func (s summary) String() string {
	if math.IsNaN(s.med) {
		return "—"
	}
	if s.n == 1 {
		return format(s.med)
	}
	return fmt.Sprintf("%s (%s–%s)", format(s.med), format(s.lo), format(s.hi))
}

func ratio(a, b float64) string {
	if math.IsNaN(a) || math.IsNaN(b) || b == 0 {
		return "—"
	}
	if math.IsInf(a, 1) {
		return "∞"
	}
	return fmt.Sprintf("%.2f×", a/b)
}

func report(w io.Writer, e *env, res results, todo []scenario, chosen []server, rounds int, took time.Duration, cmdline string) {
	fmt.Fprintf(w, "## Run of %s\n\n", time.Now().Format("2006-01-02 15:04 MST"))
	fmt.Fprintf(w, "    cd bench && %s\n\n", cmdline)
	for _, l := range machine() {
		fmt.Fprintf(w, "- %s\n", l)
	}
	fmt.Fprintf(w, "- Server on CPU %s, load (wrk -t1, Go clients) on CPU %s; %d round(s), %v measured per cell after %v warm-up; the whole run took %v.\n",
		e.serverCPU, e.loadCPU, rounds, e.duration, e.warmup, took.Round(time.Second))
	fmt.Fprintf(w, "- Cells are \"median (min–max)\" over the rounds. Server CPU is utime+stime from /proc/PID/stat over the measured window (clock tick %.0f Hz), divided by the requests wrk completed.\n\n", e.clkTck)

	targets(w, res)

	for _, sc := range todo {
		byServer := res[sc.name]
		if len(byServer) == 0 {
			continue
		}
		fmt.Fprintf(w, "### %s (`%s`)\n\n%s.\n\n", sc.title, sc.name, sc.about)
		var names []server
		for _, s := range chosen {
			if _, ok := byServer[s.name]; ok {
				names = append(names, s)
			}
		}
		// Values.
		fmt.Fprint(w, "| server |")
		for _, m := range sc.metrics {
			fmt.Fprintf(w, " %s |", m.label)
		}
		fmt.Fprint(w, "\n|---|")
		for range sc.metrics {
			fmt.Fprint(w, "---|")
		}
		fmt.Fprintln(w)
		for _, s := range names {
			fmt.Fprintf(w, "| %s |", s.label)
			for _, m := range sc.metrics {
				fmt.Fprintf(w, " %s |", summarize(byServer[s.name], m.key))
			}
			fmt.Fprintln(w)
		}
		fmt.Fprintln(w)
		// Ratios of medians.
		ref := func(name, key string) float64 { return summarize(byServer[name], key).med }
		fmt.Fprint(w, "| ratio of medians |")
		for _, m := range sc.metrics {
			fmt.Fprintf(w, " %s ÷ net/http | ÷ fasthttp |", m.label)
		}
		fmt.Fprint(w, "\n|---|")
		for range sc.metrics {
			fmt.Fprint(w, "---|---|")
		}
		fmt.Fprintln(w)
		for _, s := range names {
			fmt.Fprintf(w, "| %s |", s.label)
			for _, m := range sc.metrics {
				v := ref(s.name, m.key)
				fmt.Fprintf(w, " %s | %s |", ratio(v, ref("nethttp", m.key)), ratio(v, ref("fasthttp", m.key)))
			}
			fmt.Fprintln(w)
		}
		fmt.Fprintln(w)
		for _, s := range names {
			for i, c := range byServer[s.name] {
				if c.note != "" {
					fmt.Fprintf(w, "- %s, round %d: %s\n", s.label, i+1, c.note)
				}
			}
		}
		fmt.Fprintln(w)
	}
}

// targets prints issue 6's targets against this run's medians.
func targets(w io.Writer, res results) {
	med := func(scen, srv, key string) float64 {
		return summarize(res[scen][srv], key).med
	}
	// The references of issue 10's targets: the servers people would pick
	// instead (net/http and the ceiling are context, not targets).
	refs := []string{"nginx", "gnet", "fasthttp", "nbio"}
	peers := func(scen, key string, best func(a, b float64) float64) (float64, string) {
		v, who := math.NaN(), ""
		for _, srv := range refs {
			x := med(scen, srv, key)
			if math.IsNaN(x) {
				continue
			}
			if math.IsNaN(v) || best(x, v) == x && x != v {
				v, who = x, srv
			}
		}
		return v, who
	}
	type row struct {
		figure, target string
		have, want     float64
		wantWho        string
		ok             func(have, want float64) bool
	}
	le := func(h, w float64) bool { return h <= w }
	ge := func(h, w float64) bool { return h >= w }
	var rows []row
	add := func(figure, target string, have, want float64, who string, ok func(h, w float64) bool) {
		rows = append(rows, row{figure, target, have, want, who, ok})
	}
	for _, scen := range []string{"echo64", "echo512"} {
		conns := strings.TrimPrefix(scen, "echo")
		v, who := peers(scen, "cpu", math.Min)
		add("echo keep-alive ("+conns+" conns), server µs/request", "≤ every reference", med(scen, "pipehttp", "cpu"), v, who, le)
		v, who = peers(scen, "rps", math.Max)
		add("echo keep-alive ("+conns+" conns), requests/s", "≥ every reference", med(scen, "pipehttp", "rps"), v, who, ge)
	}
	add("echo pipelined ×16, server µs/request", "≤ 1.1 × gnet", med("pipeline16", "pipehttp", "cpu"), 1.1*med("pipeline16", "gnet", "cpu"), "1.1 × gnet", le)
	add("new connection per request, server µs/request", "≤ nginx", med("close", "pipehttp", "cpu"), med("close", "nginx", "cpu"), "nginx", le)
	add(fmt.Sprintf("idle connections, RSS bytes each (%d held)", idleConns), "≤ 450 B", med("idle", "pipehttp", "bpc"), 450, "450 B", le)
	add("4 KiB file, requests/s", "≥ nginx", med("file4k", "pipehttp", "rps"), med("file4k", "nginx", "rps"), "nginx", ge)
	add("16 MiB file, MB/s (1 MiB-read client)", "≥ nginx", med("file16m", "pipehttp", "cmbps"), med("file16m", "nginx", "cmbps"), "nginx", ge)
	add("echo p99 with file pool saturated by a slow disk", "≤ 2 × idle p99", med("slowdisk", "pipehttp", "p99"), 2*med("slowdisk", "pipehttp", "p99idle"), "2 × idle p99", le)

	fmt.Fprintln(w, "### Targets (issue 10), on this run's medians")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "| figure | target | pipehttp | bound | met? |")
	fmt.Fprintln(w, "|---|---|---|---|---|")
	for _, r := range rows {
		verdict := "not measured"
		if !math.IsNaN(r.have) && !math.IsNaN(r.want) {
			verdict = "no"
			if r.ok(r.have, r.want) {
				verdict = "**yes**"
			}
		}
		bound := format(r.want)
		if r.wantWho != "" && !math.IsNaN(r.want) {
			bound += " (" + r.wantWho + ")"
		}
		fmt.Fprintf(w, "| %s | %s | %s | %s | %s |\n", r.figure, r.target, format(r.have), bound, verdict)
	}
	fmt.Fprintln(w, "| allocations per keep-alive echo request | 0 | see `go run . micro` (BenchmarkServerEcho allocs/op) | | |")
	fmt.Fprintln(w)

	// Issue 13: the portable readiness stage next to epoll, where they differ.
	if len(res["echo64"]["pipehttp-portable"])+len(res["idle"]["pipehttp-portable"]) == 0 {
		return
	}
	fmt.Fprintln(w, "### Pollers (issue 13): epoll and portable, on this run's medians")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "| figure | --poller epoll | --poller portable | portable ÷ epoll |")
	fmt.Fprintln(w, "|---|---|---|---|")
	for _, f := range []struct{ figure, scen, key string }{
		{"echo keep-alive (64 conns), server µs/request", "echo64", "cpu"},
		{"echo keep-alive (64 conns), requests/s", "echo64", "rps"},
		{"echo keep-alive (512 conns), server µs/request", "echo512", "cpu"},
		{"echo keep-alive (512 conns), requests/s", "echo512", "rps"},
		{fmt.Sprintf("idle connections, RSS bytes each (%d held)", idleConns), "idle", "bpc"},
	} {
		e, p := med(f.scen, "pipehttp", f.key), med(f.scen, "pipehttp-portable", f.key)
		fmt.Fprintf(w, "| %s | %s | %s | %s |\n", f.figure, format(e), format(p), ratio(p, e))
	}
	fmt.Fprintln(w)
}
