package pipeline_test

import (
	"strings"
	"testing"

	"pipehttp/files"
	"pipehttp/internal/servertest"
	"pipehttp/pipeline"
	"pipehttp/router"
)

// Config.Poller chooses the readiness stage; without it PIPEHTTP_POLLER
// does (CI runs every package's end-to-end tests a second time with it set
// to portable), and without either the system's default. A kind the system
// does not have, or a misspelt one, is refused by New, naming where it
// came from.
func TestPollerChoice(t *testing.T) {
	newServer := func(cfg pipeline.Config) (*pipeline.Server, error) {
		cfg.Addr = "127.0.0.1:0"
		return pipeline.New(cfg, pipeline.Handlers{Router: router.New(), Files: &files.Handler{}}, servertest.Log(t))
	}
	for _, tc := range []struct {
		env, cfg, want string
	}{
		{"", "", pipeline.DefaultPoller},
		{"portable", "", pipeline.PollerPortable},
		{"", "portable", pipeline.PollerPortable},
		{"portable", pipeline.DefaultPoller, pipeline.DefaultPoller}, // the Config wins
		{"kqueue", "", ""},
		{"", "kqueue", ""},
		{"", "epoll", map[bool]string{true: "epoll", false: ""}[pipeline.DefaultPoller == pipeline.PollerEpoll]},
	} {
		t.Setenv(pipeline.PollerEnv, tc.env)
		srv, err := newServer(pipeline.Config{Poller: tc.cfg})
		if tc.want == "" {
			if err == nil {
				srv.Shutdown(t.Context())
				t.Errorf("env %q, Config %q: New accepted it", tc.env, tc.cfg)
			} else if !strings.Contains(err.Error(), "poller") {
				t.Errorf("env %q, Config %q: %v, which does not name the poller", tc.env, tc.cfg, err)
			}
			continue
		}
		if err != nil {
			t.Errorf("env %q, Config %q: %v", tc.env, tc.cfg, err)
			continue
		}
		if got := srv.Config().Poller; got != tc.want {
			t.Errorf("env %q, Config %q: poller %q, want %q", tc.env, tc.cfg, got, tc.want)
		}
		servertest.Run(t, srv)
		r := roundTrip(t, srv.Addr().String(), get("/echo/"+tc.want))
		if r.Status != 200 || string(r.Body) != tc.want {
			t.Errorf("%s poller: %d %q", tc.want, r.Status, r.Body)
		}
	}
}
