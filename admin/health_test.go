package admin_test

import (
	"strings"
	"testing"

	"pipehttp/admin"
	"pipehttp/pipeline"
)

// /healthz says alive, /readyz ready until SetDraining, then 503 with
// Retry-After; HEAD works, other methods are 405.
func TestHealthAndReadiness(t *testing.T) {
	srv := startServers(t, pipeline.Config{}, 0)
	rt := srv.adminRouter
	base := "http://" + srv.adminAddr
	for _, tc := range []struct {
		method, path string
		status       int
		body         string
	}{
		{"GET", "/healthz", 200, "ok\n"},
		{"GET", "/readyz", 200, "ready\n"},
		{"HEAD", "/readyz", 200, ""},
		{"POST", "/readyz", 405, "method not allowed\n"},
	} {
		if status, body, _ := fetch(t, tc.method, base+tc.path, "", ""); status != tc.status || body != tc.body {
			t.Errorf("%s %s: %d %q, want %d %q", tc.method, tc.path, status, body, tc.status, tc.body)
		}
	}
	rt.SetDraining()
	status, body, h := fetch(t, "GET", base+"/readyz", "", "")
	if status != 503 || body != "draining\n" || h.Get("Retry-After") == "" || h.Get("Cache-Control") != "no-store" {
		t.Errorf("/readyz while draining: %d %q %v", status, body, h)
	}
	if status, _, _ := fetch(t, "GET", base+"/healthz", "", ""); status != 200 {
		t.Errorf("/healthz while draining: %d, want 200 (alive)", status)
	}
	if !rt.Draining() {
		t.Error("Draining() is false after SetDraining")
	}
	if _, body, _ := fetch(t, "GET", base+"/", "", ""); !strings.Contains(body, "/readyz") {
		t.Errorf("the index does not list /readyz:\n%s", body)
	}
}

// The admin listener's configuration keeps spares and serves from them:
// it must stay reachable when the public side has used every descriptor.
func TestAdminConfigServesFromSpares(t *testing.T) {
	cfg := admin.Config("127.0.0.1:0")
	if cfg.SpareFDs < 2 || !cfg.ServeSpare {
		t.Errorf("admin.Config: SpareFDs %d, ServeSpare %v; want a few spares, served from", cfg.SpareFDs, cfg.ServeSpare)
	}
}
