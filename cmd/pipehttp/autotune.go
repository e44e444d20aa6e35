package main

import (
	"context"
	"fmt"
	"log/slog"
	"sort"
	"strings"

	"pipehttp/admin"
	"pipehttp/autotune"
	"pipehttp/pipeline"
)

// tuning is the command's side of --autotune: the gate the server is built
// with, and the Tuner's goroutine, which the command owns.
type tuning struct {
	gate  *autotune.Gate
	tuner *autotune.Tuner
	stop  func() // cancels the Tuner and waits for it; a no-op when off
}

// checkAutotune refuses the autotune flags' mistakes at start, before
// anything binds (the same checks run again in prepareAutotune).
func (o *options) checkAutotune() error {
	if _, err := o.tune.Gate(); err != nil {
		return err
	}
	if !o.tune.On {
		return nil
	}
	_, err := o.tune.Config(o.cfg.Defaults())
	return err
}

// prepareAutotune builds the gate and sets it as the server's admission,
// before pipeline.New.
func (o *options) prepareAutotune() (*tuning, error) {
	t := &tuning{stop: func() {}}
	gate, err := o.tune.Gate()
	if err != nil {
		return nil, err
	}
	if gate != nil {
		t.gate = gate
		o.cfg.Admission = gate // only a real gate: a nil *Gate would be a non-nil interface
	}
	return t, nil
}

// start runs the controllers against srv in their own goroutine until
// stop, and shows them on the admin listener rt (nil: none).
func (t *tuning) start(o *options, srv *pipeline.Server, rt *admin.Router, log *slog.Logger) error {
	if !o.tune.On {
		return nil
	}
	cfg, err := o.tune.Config(srv.Config())
	if err != nil {
		return err
	}
	cfg.Log = log
	if t.tuner, err = autotune.New(srv, t.gate, cfg); err != nil {
		return err
	}
	if rt != nil {
		rt.WatchAutotune(t.tuner)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := t.tuner.Run(ctx); err != nil {
			log.Error("autotune stopped", "err", err)
		}
	}()
	t.stop = func() { cancel(); <-done }
	log.Info("autotune on", "interval", cfg.Interval, "workers", describeStages(cfg), "targets", describeTargets(cfg))
	return nil
}

func describeStages(cfg autotune.Config) string {
	var parts []string
	for _, s := range []string{"parse", "route", "write", "file"} {
		if p, ok := cfg.Stages[s]; ok {
			parts = append(parts, fmt.Sprintf("%s=%d..%d(wait>%v)", s, p.Min, p.Max, p.WaitHigh))
		}
	}
	return strings.Join(parts, " ")
}

func describeTargets(cfg autotune.Config) string {
	var parts []string
	for c, p := range cfg.Targets {
		parts = append(parts, fmt.Sprintf("%s=p%g<%v", c, 100*p.Quantile, p.Target))
	}
	sort.Strings(parts)
	if len(parts) == 0 {
		return "none (no admission control)"
	}
	return strings.Join(parts, " ")
}
