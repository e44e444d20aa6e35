package main

import (
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"time"
)

// A stage the sweep can tune: its workers flag and, if it has one, its
// queue flag.
type stage struct {
	name        string
	workers     string
	queue       string
	path        string // what the load asks for
	filesDelay  bool   // add --files-delay so the stage's work is slow
	description string
}

var stages = []stage{
	{"accept", "--accept-workers", "", "/echo/hello", false, "new connection per request (Connection: close), so accept is on the path"},
	{"poll", "--poll-workers", "", "/echo/hello", false, "keep-alive /echo"},
	{"parse", "--parse-workers", "--parse-queue", "/echo/hello", false, "keep-alive /echo"},
	{"route", "--route-workers", "--route-queue", "/echo/hello", false, "keep-alive /echo"},
	{"write", "--write-workers", "--write-queue", "/echo/hello", false, "keep-alive /echo"},
	{"file", "--file-workers", "--file-queue", "/files/small", true, "GET /files/small (4 KiB) with --files-delay"},
}

// A point is one sweep measurement.
type point struct {
	x        int
	rps, p99 float64 // requests/s, ms
	err      string
}

func sweepMain(args []string) error {
	fs := flag.NewFlagSet("sweep", flag.ExitOnError)
	var c common
	c.register(fs)
	names := fs.String("stages", "accept,poll,parse,route,write,file", "stages to sweep")
	workers := fs.String("workers", "1,2,4,8,16", "worker counts to try")
	queues := fs.String("queues", "1,16,256,4096", "queue capacities to try (stages with a queue)")
	conns := fs.Int("conns", 256, "wrk connections")
	delay := fs.Duration("files-delay", time.Millisecond, "file stage: injected delay per file operation")
	outDir := fs.String("out", "sweep", "directory for the SVG charts")
	fs.Parse(args)
	if !isSet(fs, "duration") {
		c.duration = 2 * time.Second
	}
	e, cleanup, err := setup(c)
	if err != nil {
		return err
	}
	defer cleanup()
	if err := os.MkdirAll(*outDir, 0o755); err != nil {
		return err
	}
	ws, err := ints(*workers)
	if err != nil {
		return err
	}
	qs, err := ints(*queues)
	if err != nil {
		return err
	}
	pipehttp, _ := serverByName("pipehttp")
	fmt.Printf("## Stage sweep, %s\n\n    cd bench && go run . sweep %s\n\n", time.Now().Format("2006-01-02 15:04 MST"), joinArgs(args))
	fmt.Printf("Server on CPU %s, wrk -t1 -c%d on CPU %s, %v per point after %v warm-up; other flags at their defaults.\n\n", c.serverCPU, *conns, c.loadCPU, c.duration, c.warmup)
	for _, name := range splitList(*names) {
		var st *stage
		for i := range stages {
			if stages[i].name == name {
				st = &stages[i]
			}
		}
		if st == nil {
			return fmt.Errorf("unknown stage %q", name)
		}
		l := load{path: st.path, conns: *conns}
		if st.name == "accept" {
			l.headers = []string{"Connection: close"}
		}
		o := startOpts{}
		if st.filesDelay {
			o.delay = *delay
		}
		measure := func(flagName string, xs []int) []point {
			var pts []point
			for _, x := range xs {
				o := o
				o.extra = []string{flagName + "=" + strconv.Itoa(x)}
				pt := point{x: x}
				p, err := e.start(pipehttp, o)
				if err == nil {
					var r wrkResult
					r, _, err = e.measured(p, l)
					p.stop()
					pt.rps, pt.p99 = r.rps(), float64(r.P99us)/1e3
					if err == nil && r.errors() != "" {
						pt.err = r.errors()
					}
				}
				if err != nil {
					pt.err = firstLine(err.Error())
				}
				fmt.Fprintf(os.Stderr, "sweep %s %s=%d: %.0f req/s, p99 %.2f ms %s\n", st.name, flagName, x, pt.rps, pt.p99, pt.err)
				pts = append(pts, pt)
			}
			return pts
		}
		var panels []panel
		panels = append(panels, panel{xlabel: st.workers, points: measure(st.workers, ws)})
		if st.queue != "" {
			panels = append(panels, panel{xlabel: st.queue, points: measure(st.queue, qs)})
		}
		file := filepath.Join(*outDir, st.name+".svg")
		if err := os.WriteFile(file, []byte(chart(fmt.Sprintf("%s stage: %s", st.name, st.description), panels)), 0o644); err != nil {
			return err
		}
		fmt.Printf("### %s (%s) — [%s](%s)\n\n| flag | value | requests/s | p99 ms | note |\n|---|---|---|---|---|\n", st.name, st.description, file, file)
		for _, pn := range panels {
			for _, pt := range pn.points {
				fmt.Printf("| %s | %d | %s | %s | %s |\n", pn.xlabel, pt.x, format(pt.rps), format(pt.p99), pt.err)
			}
		}
		fmt.Println()
	}
	return nil
}

func isSet(fs *flag.FlagSet, name string) bool {
	set := false
	fs.Visit(func(f *flag.Flag) { set = set || f.Name == name })
	return set
}

func ints(s string) ([]int, error) {
	var out []int
	for _, f := range splitList(s) {
		v, err := strconv.Atoi(f)
		if err != nil || v < 1 {
			return nil, fmt.Errorf("bad value %q: want positive integers", f)
		}
		out = append(out, v)
	}
	return out, nil
}

func joinArgs(args []string) string {
	s := ""
	for i, a := range args {
		if i > 0 {
			s += " "
		}
		s += a
	}
	return s
}

// microMain runs the Go microbenchmarks of the main module: the parser, the
// router and the stage hop (pipeline/hop_bench_test.go).
func microMain(args []string) error {
	fs := flag.NewFlagSet("micro", flag.ExitOnError)
	root := fs.String("root", "..", "pipehttp repository root")
	benchtime := fs.String("benchtime", "1s", "go test -benchtime")
	bench := fs.String("bench", ".", "go test -bench pattern")
	fs.Parse(args)
	cmd := exec.Command("go", "test", "-run", "^$", "-bench", *bench, "-benchmem", "-benchtime", *benchtime,
		"./parser", "./router", "./pipeline")
	cmd.Dir = *root
	cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
	return cmd.Run()
}
