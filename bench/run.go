package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"slices"
	"strings"
	"time"
)

// results holds every cell: scenario → server → one cell per round.
type results map[string]map[string][]cell

func runMain(args []string) error {
	fs := flag.NewFlagSet("run", flag.ExitOnError)
	var c common
	c.register(fs)
	rounds := fs.Int("rounds", 3, "rounds; servers alternate within each round")
	scen := fs.String("scenarios", "echo64,echo512,pipeline16,close,file4k,file16m,idle,slowdisk", "scenarios to run, comma-separated")
	srvs := fs.String("servers", "pipehttp,pipehttp-portable,nethttp,fasthttp,ceiling,gnet,nbio,nginx", "servers to run, comma-separated")
	out := fs.String("out", "", "also write the markdown report to this file")
	fs.IntVar(&idleConns, "idle-conns", idleConns, "idle scenario: connections held")
	fs.IntVar(&slowConns, "slow-conns", slowConns, "slowdisk scenario: outstanding file requests")
	fs.DurationVar(&slowDelay, "files-delay", slowDelay, "slowdisk scenario: injected delay per file operation")
	extra := fs.String("pipehttp-flags", "", "extra flags for pipehttp, space-separated (e.g. \"--queue-wait=-1\")")
	fs.Parse(args)
	pipehttpFlags = strings.Fields(*extra)
	e, cleanup, err := setup(c)
	if err != nil {
		return err
	}
	defer cleanup()

	var chosen []server
	for _, name := range splitList(*srvs) {
		s, ok := serverByName(name)
		if !ok {
			return fmt.Errorf("unknown server %q", name)
		}
		if _, ok := e.bins[s.prog()]; !ok {
			fmt.Fprintf(os.Stderr, "bench: %s is not installed (Debian: apt-get install nginx-light); skipping it\n", name)
			continue
		}
		chosen = append(chosen, s)
	}
	var todo []scenario
	all := scenarios()
	for _, name := range splitList(*scen) {
		i := slices.IndexFunc(all, func(s scenario) bool { return s.name == name })
		if i < 0 {
			return fmt.Errorf("unknown scenario %q", name)
		}
		todo = append(todo, all[i])
	}

	began := time.Now()
	res := results{}
	for round := 1; round <= *rounds; round++ {
		for _, sc := range todo {
			for _, s := range chosen {
				if !sc.applies(s) || len(s.scenarios) > 0 && !slices.Contains(s.scenarios, sc.name) {
					continue
				}
				fmt.Fprintf(os.Stderr, "round %d/%d  %-10s %-9s ", round, *rounds, sc.name, s.name)
				t := time.Now()
				cl, err := sc.run(e, s)
				if err != nil {
					fmt.Fprintf(os.Stderr, "FAILED: %v\n", err)
					cl = cell{note: "failed: " + firstLine(err.Error())}
				} else {
					fmt.Fprintf(os.Stderr, "%s (%.1fs)\n", brief(sc, cl), time.Since(t).Seconds())
				}
				if res[sc.name] == nil {
					res[sc.name] = map[string][]cell{}
				}
				res[sc.name][s.name] = append(res[sc.name][s.name], cl)
			}
		}
	}
	w := io.Writer(os.Stdout)
	var file *os.File
	if *out != "" {
		if file, err = os.Create(*out); err != nil {
			return err
		}
		defer file.Close()
		w = io.MultiWriter(os.Stdout, file)
	}
	report(w, e, res, todo, chosen, *rounds, time.Since(began), strings.Join(append([]string{"go run ."}, args...), " "))
	return nil
}

// setup checks the machine, makes the work directory, builds everything and
// writes the data files.
func setup(c common) (*env, func(), error) {
	if err := checkTools(); err != nil {
		return nil, nil, err
	}
	work, err := os.MkdirTemp("", "pipehttp-bench-")
	if err != nil {
		return nil, nil, err
	}
	cleanup := func() {
		if c.keep {
			fmt.Fprintln(os.Stderr, "bench: work directory kept:", work)
			return
		}
		os.RemoveAll(work)
	}
	fmt.Fprintln(os.Stderr, "bench: building into", work)
	bins, err := build(c.root, work)
	if err != nil {
		cleanup()
		return nil, nil, err
	}
	data := work + "/data"
	if err := os.MkdirAll(data, 0o755); err != nil {
		cleanup()
		return nil, nil, err
	}
	for name, size := range map[string]int{"small": 4 << 10, "big": 16 << 20} {
		b := make([]byte, size)
		for i := range b {
			b[i] = byte('a' + i%26)
		}
		if err := os.WriteFile(data+"/"+name, b, 0o644); err != nil {
			cleanup()
			return nil, nil, err
		}
	}
	os.Chmod(work, 0o755)
	return &env{common: c, work: work, data: data, bins: bins, clkTck: clockTicks(), port: 4300}, cleanup, nil
}

func brief(sc scenario, c cell) string {
	var parts []string
	for _, m := range sc.metrics {
		if v, ok := c.figures[m.key]; ok {
			parts = append(parts, fmt.Sprintf("%s=%s", m.key, format(v)))
		}
	}
	if c.note != "" {
		parts = append(parts, "["+c.note+"]")
	}
	return strings.Join(parts, " ")
}

func firstLine(s string) string {
	s, _, _ = strings.Cut(s, "\n")
	return s
}

// machine describes where the run happened, for the report.
func machine() []string {
	var lines []string
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, l := range strings.Split(string(b), "\n") {
			if k, v, ok := strings.Cut(l, ":"); ok && strings.TrimSpace(k) == "model name" {
				lines = append(lines, "CPU: "+strings.TrimSpace(v)+fmt.Sprintf(" (%d logical CPUs)", strings.Count(string(b), "processor\t:")))
				break
			}
		}
	}
	if out, err := exec.Command("go", "version").Output(); err == nil {
		lines = append(lines, "Go: "+strings.TrimSpace(string(out)))
	}
	if out, err := exec.Command("uname", "-sr").Output(); err == nil {
		lines = append(lines, "Kernel: "+strings.TrimSpace(string(out)))
	}
	if out, err := exec.Command("sh", "-c", "wrk -v 2>&1 | head -1").Output(); err == nil {
		lines = append(lines, "wrk: "+strings.TrimSpace(string(out)))
	}
	if out, err := exec.Command("sh", "-c", "nginx -v 2>&1").Output(); err == nil {
		lines = append(lines, "nginx: "+strings.TrimSpace(string(out)))
	}
	if b, err := os.ReadFile("/proc/loadavg"); err == nil {
		lines = append(lines, "Load average at the end: "+strings.Join(strings.Fields(string(b))[:3], " "))
	}
	return lines
}
