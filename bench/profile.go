package main

import (
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"
)

// profileLoads are the loads the profile command can put on a server.
var profileLoads = map[string]load{
	"echo64":     {path: "/echo/hello", conns: 64},
	"echo512":    {path: "/echo/hello", conns: 512},
	"pipeline16": {path: "/echo/hello", conns: 64, pipeline: 16},
	"close":      {path: "/echo/hello", conns: 64, headers: []string{"Connection: close"}},
	"file4k":     {path: "/files/small", conns: 64},
	"file16m":    {path: "/files/big", conns: 4},
}

// profileMain samples a server (pipehttp by default) under one scenario's
// load with perf (software clock event, call graphs) and prints the hottest
// functions. The server binary is the unmodified one.
func profileMain(args []string) error {
	fs := flag.NewFlagSet("profile", flag.ExitOnError)
	var c common
	c.register(fs)
	scen := fs.String("scenario", "echo64", "load: echo64, echo512, pipeline16, close, file4k, file16m")
	srv := fs.String("server", "pipehttp", "server to profile")
	top := fs.Int("top", 30, "functions to list")
	fs.Parse(args)
	l, ok := profileLoads[*scen]
	if !ok {
		return fmt.Errorf("unknown scenario %q", *scen)
	}
	s, ok := serverByName(*srv)
	if !ok {
		return fmt.Errorf("unknown server %q", *srv)
	}
	if _, err := exec.LookPath("perf"); err != nil {
		return fmt.Errorf("perf not found; install it from Debian: sudo apt-get install linux-perf")
	}
	e, cleanup, err := setup(c)
	if err != nil {
		return err
	}
	defer cleanup()
	p, err := e.start(s, startOpts{})
	if err != nil {
		return err
	}
	defer p.stop()
	if _, err := e.wrk(p, l, e.warmup); err != nil {
		return err
	}
	data := filepath.Join(e.work, "perf.data")
	secs := fmt.Sprint(int(e.duration.Seconds()))
	rec := exec.Command("perf", "record", "-e", "cpu-clock", "-F", "1999", "-g", "-p", fmt.Sprint(p.pid), "-o", data, "--", "sleep", secs)
	rec.Stderr = os.Stderr
	if err := rec.Start(); err != nil {
		return err
	}
	time.Sleep(200 * time.Millisecond)
	r, err := e.wrk(p, l, e.duration)
	if err != nil {
		return err
	}
	if err := rec.Wait(); err != nil {
		return fmt.Errorf("perf record: %w", err)
	}
	fmt.Printf("## perf profile: %s under %s (%.0f requests/s)\n\n    cd bench && go run . profile %s\n\n", s.label, *scen, r.rps(), strings.Join(args, " "))
	for _, view := range []struct {
		title string
		args  []string
	}{
		{"self time, whole process (kernel included)", []string{"--no-children"}},
		{"self time, user space only (% of the whole process)", []string{"--no-children", "--percent-limit", "0.1"}},
		{"including callees", []string{"--children"}},
	} {
		cmd := append([]string{"report", "-i", data, "--sort", "symbol", "--stdio", "-g", "none", "--percent-limit", "0.5"}, view.args...)
		out, err := exec.Command("perf", cmd...).Output()
		if err != nil {
			return fmt.Errorf("perf report: %w", err)
		}
		fmt.Printf("### %s\n\n```\n", view.title)
		n := 0
		for _, line := range strings.Split(string(out), "\n") {
			if strings.HasPrefix(line, "#") || strings.TrimSpace(line) == "" {
				continue
			}
			if strings.HasPrefix(view.title, "self time, user") && !strings.Contains(line, "[.]") {
				continue
			}
			fmt.Println(strings.TrimRight(line, " -"))
			if n++; n == *top {
				break
			}
		}
		fmt.Print("```\n\n")
	}
	return nil
}
