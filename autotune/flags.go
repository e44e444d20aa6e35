package autotune

import (
	"errors"
	"flag"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"pipehttp/pipeline"
)

// Flags are the command line's switches for the controllers. Register
// them on a FlagSet, parse, then build the Gate (before pipeline.New: it
// is the server's Admission) and the Tuner (after).
type Flags struct {
	On       bool
	Interval time.Duration
	Targets  string // "echo=5ms,files=500ms"
	Min, Max string // "parse=1,file=2"
	Wait     string // "file=100ms"
	FileMax  int    // 0: 8 × --file-workers
}

// Register defines the flags on fs.
func (f *Flags) Register(fs *flag.FlagSet) {
	fs.BoolVar(&f.On, "autotune", false, "run the stage controllers: worker counts between --workers-min and --workers-max, and admission against --target-p99 (see README, Self-tuning stages)")
	fs.DurationVar(&f.Interval, "autotune-interval", time.Second, "autotune: the controllers' window")
	fs.StringVar(&f.Targets, "target-p99", "", "autotune: p99 response-time targets by route class, e.g. echo=5ms,files=500ms (classes: "+strings.Join(Classes(), ", ")+"); a class over its target is shed (503) at the route stage")
	fs.StringVar(&f.Min, "workers-min", "", "autotune: fewest workers by stage, e.g. parse=1,file=2 (default: each stage's starting count)")
	fs.StringVar(&f.Max, "workers-max", "", "autotune: most workers by stage, e.g. parse=8 (default: 4 × the starting count; file: --file-workers-max)")
	fs.StringVar(&f.Wait, "autotune-wait", "", "autotune: queue wait p90 above which a busy stage grows, by stage (default parse=2ms,route=2ms,write=2ms,file=100ms)")
	fs.IntVar(&f.FileMax, "file-workers-max", 0, "autotune: the file pool's ceiling (default 8 × --file-workers): a slow disk can hold at most this many workers")
}

// Gate returns the gate for the classes with a target, or nil when the
// controllers are off or no class has a target. Set it as
// pipeline.Config.Admission only when it is not nil.
func (f *Flags) Gate() (*Gate, error) {
	if !f.On || f.Targets == "" {
		if !f.On && (f.Targets != "" || f.Min != "" || f.Max != "" || f.Wait != "" || f.FileMax != 0) {
			return nil, errors.New("--target-p99, --workers-min, --workers-max, --autotune-wait and --file-workers-max need --autotune")
		}
		return nil, nil
	}
	targets, err := parseDurations(f.Targets, Classes(), "--target-p99")
	if err != nil {
		return nil, err
	}
	var classes []string
	for c := range targets {
		classes = append(classes, c)
	}
	return NewGate(classes, nil)
}

// Config is the Tuner's configuration for a server that starts with cfg
// (after pipeline.Config.Defaults), or an error naming the flag at fault.
func (f *Flags) Config(cfg pipeline.Config) (Config, error) {
	if f.Interval <= 0 || f.Interval > time.Hour {
		return Config{}, fmt.Errorf("--autotune-interval must be from 1ns to 1h, got %v", f.Interval)
	}
	stages := []string{"parse", "route", "write", "file"}
	start := map[string]int{"parse": cfg.ParseWorkers, "route": cfg.RouteWorkers, "write": cfg.WriteWorkers, "file": cfg.FileWorkers}
	mins, err := parseInts(f.Min, stages, "--workers-min")
	if err != nil {
		return Config{}, err
	}
	maxs, err := parseInts(f.Max, stages, "--workers-max")
	if err != nil {
		return Config{}, err
	}
	waits, err := parseDurations(f.Wait, stages, "--autotune-wait")
	if err != nil {
		return Config{}, err
	}
	if f.FileMax < 0 || f.FileMax > pipeline.MaxStageWorkers {
		return Config{}, fmt.Errorf("--file-workers-max must be from 1 to %d, got %d", pipeline.MaxStageWorkers, f.FileMax)
	}
	if _, ok := maxs["file"]; ok && f.FileMax != 0 {
		return Config{}, errors.New("give the file pool's ceiling once: --file-workers-max or --workers-max file=N")
	}
	if f.FileMax != 0 {
		maxs["file"] = f.FileMax
	}
	c := Config{Interval: f.Interval, Stages: map[string]WorkerParams{}, Targets: map[string]AdmissionParams{}}
	for _, s := range stages {
		p := DefaultWorkerParams(s, start[s])
		p.Max = min(p.Max, pipeline.MaxStageWorkers)
		if v, ok := mins[s]; ok {
			p.Min = v
		}
		if v, ok := maxs[s]; ok {
			p.Max = v
		}
		if v, ok := waits[s]; ok {
			p.WaitHigh = v
		}
		if p.Min > start[s] || p.Max < start[s] {
			return Config{}, fmt.Errorf("%s: the starting %d workers must be within --workers-min %d and --workers-max %d", s, start[s], p.Min, p.Max)
		}
		c.Stages[s] = p
	}
	targets, err := parseDurations(f.Targets, Classes(), "--target-p99")
	if err != nil {
		return Config{}, err
	}
	for class, d := range targets {
		c.Targets[class] = DefaultAdmissionParams(d)
	}
	return c, nil
}

// parseSpec splits "k=v,k=v" into a map, refusing keys outside keys and
// keys given twice.
func parseSpec(s string, keys []string, name string) (map[string]string, error) {
	out := map[string]string{}
	if strings.TrimSpace(s) == "" {
		return out, nil
	}
	for _, part := range strings.Split(s, ",") {
		k, v, ok := strings.Cut(strings.TrimSpace(part), "=")
		k, v = strings.TrimSpace(k), strings.TrimSpace(v)
		switch {
		case !ok || v == "":
			return nil, fmt.Errorf("%s: %q is not NAME=VALUE", name, part)
		case !slices.Contains(keys, k):
			return nil, fmt.Errorf("%s: no %q (one of %s)", name, k, strings.Join(keys, ", "))
		}
		if _, dup := out[k]; dup {
			return nil, fmt.Errorf("%s: %s given twice", name, k)
		}
		out[k] = v
	}
	return out, nil
}

func parseInts(s string, keys []string, name string) (map[string]int, error) {
	raw, err := parseSpec(s, keys, name)
	if err != nil {
		return nil, err
	}
	out := map[string]int{}
	for k, v := range raw {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > pipeline.MaxStageWorkers {
			return nil, fmt.Errorf("%s: %s=%s must be a worker count from 1 to %d", name, k, v, pipeline.MaxStageWorkers)
		}
		out[k] = n
	}
	return out, nil
}

func parseDurations(s string, keys []string, name string) (map[string]time.Duration, error) {
	raw, err := parseSpec(s, keys, name)
	if err != nil {
		return nil, err
	}
	out := map[string]time.Duration{}
	for k, v := range raw {
		d, err := time.ParseDuration(v)
		if err != nil || d <= 0 || d > time.Hour {
			return nil, fmt.Errorf("%s: %s=%s must be a duration from 1ns to 1h (e.g. 5ms)", name, k, v)
		}
		out[k] = d
	}
	return out, nil
}
