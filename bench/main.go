// Command bench is pipehttp's benchmark suite: it measures pipehttp against
// net/http, fasthttp, a no-parsing ceiling server, and the gnet and nginx
// anchors, and prints every figure as a median with its range and as a ratio
// to net/http and to fasthttp.
//
//	go run . [-duration 5s] [-rounds 3] [-scenarios a,b] [-servers a,b] [-out FILE]
//	go run . sweep [-stages parse,route] [-workers 1,2,4] [-queues 1,64,1024]
//	go run . micro [-benchtime 1s]
//	go run . profile [-scenario echo64] [-server pipehttp]
//	go run . autotune [-experiments converge,overload] [-out ../docs]
//
// Each server runs pinned to one CPU (taskset -c 1) and the load generator to
// the other (taskset -c 0). Servers alternate within every round (A B C … A B
// C …), a fresh process per cell. Server CPU per request comes from
// /proc/PID/stat (utime+stime) over the measured window: on two cores the
// load generator is often the bottleneck, so CPU per request is the figure
// that separates servers. The suite installs nothing: wrk and nginx come from
// Debian (apt-get install wrk nginx-light); without nginx its cells are
// skipped.
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

func main() {
	args := os.Args[1:]
	cmd := "run"
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		cmd, args = args[0], args[1:]
	}
	var err error
	switch cmd {
	case "run":
		err = runMain(args)
	case "sweep":
		err = sweepMain(args)
	case "micro":
		err = microMain(args)
	case "profile":
		err = profileMain(args)
	case "autotune":
		err = autotuneMain(args)
	default:
		err = fmt.Errorf("unknown command %q (run, sweep, micro, profile, autotune)", cmd)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

// common are the flags every load-generating command shares.
type common struct {
	root      string
	serverCPU string
	loadCPU   string
	duration  time.Duration
	warmup    time.Duration
	keep      bool
}

func (c *common) register(fs *flag.FlagSet) {
	fs.StringVar(&c.root, "root", "..", "pipehttp repository root (builds ./cmd/pipehttp there)")
	fs.StringVar(&c.serverCPU, "server-cpu", "1", "taskset CPU list for the server under test")
	fs.StringVar(&c.loadCPU, "load-cpu", "0", "taskset CPU list for wrk and the Go clients")
	fs.DurationVar(&c.duration, "duration", 5*time.Second, "measured time per cell")
	fs.DurationVar(&c.warmup, "warmup", time.Second, "unmeasured load before each measured window")
	fs.BoolVar(&c.keep, "keep", false, "keep the work directory (binaries, configs, server logs)")
}

// checkTools says what is missing and how to get it; it installs nothing.
func checkTools() error {
	for _, t := range []struct{ bin, pkg string }{{"wrk", "wrk"}, {"taskset", "util-linux"}, {"getconf", "libc-bin"}} {
		if _, err := exec.LookPath(t.bin); err != nil {
			return fmt.Errorf("%s not found; install it from Debian: sudo apt-get install %s", t.bin, t.pkg)
		}
	}
	return nil
}

// build compiles pipehttp (in the repository root) and the bench programs
// into work and returns the binaries by name.
func build(root, work string) (map[string]string, error) {
	abs, err := filepath.Abs(root)
	if err != nil {
		return nil, err
	}
	bins := map[string]string{}
	steps := []struct {
		dir  string
		args []string
	}{
		{abs, []string{"build", "-o", filepath.Join(work, "pipehttp"), "./cmd/pipehttp"}},
		{".", []string{"build", "-o", work + "/", "./servers/...", "./client"}},
	}
	for _, s := range steps {
		cmd := exec.Command("go", s.args...)
		cmd.Dir = s.dir
		cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
		if err := cmd.Run(); err != nil {
			return nil, fmt.Errorf("go %s (in %s): %w", strings.Join(s.args, " "), s.dir, err)
		}
	}
	for _, name := range []string{"pipehttp", "nethttp", "fasthttp", "ceiling", "gnet", "nbio", "client"} {
		bins[name] = filepath.Join(work, name)
	}
	if p, err := exec.LookPath("nginx"); err == nil {
		bins["nginx"] = p
	} else if _, err := os.Stat("/usr/sbin/nginx"); err == nil {
		bins["nginx"] = "/usr/sbin/nginx"
	}
	return bins, nil
}

func splitList(s string) []string {
	var out []string
	for _, f := range strings.Split(s, ",") {
		if f = strings.TrimSpace(f); f != "" {
			out = append(out, f)
		}
	}
	return out
}
