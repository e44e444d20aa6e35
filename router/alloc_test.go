package router_test

import (
	"testing"

	"pipehttp/parser"
	"pipehttp/response"
	"pipehttp/router"
)

// TestRouteAllocs checks that steady-state routing allocates nothing: the
// response body's capacity is reused and gzip writers come from a pool.
//
// For gzip the bound is also 0 allocations per request on average, with a
// tolerance of 0.1: testing.AllocsPerRun runs with GOMAXPROCS=1, so each Get
// finds the writer the previous Put returned. A garbage collection in the
// middle of the run may drop the pooled writer (sync.Pool keeps a victim
// cache, so it takes two), costing a fresh writer (a handful of large
// allocations) once in the run's 1000 iterations.
func TestRouteAllocs(t *testing.T) {
	if testing.Short() {
		t.Skip("allocation counts are unreliable in short mode")
	}
	tests := []struct {
		name   string
		req    *parser.Request
		budget float64
		pooled bool // uses the gzip writer pool
	}{
		{name: "root", req: newRequest("GET", "/"), budget: 0},
		{name: "not found", req: newRequest("GET", "/nope"), budget: 0},
		{name: "405 with Allow", req: newRequest("POST", "/echo/x"), budget: 0},
		{name: "not found, HTML body", req: newRequest("GET", "/nope", "Accept", "text/html,*/*;q=0.8"), budget: 0},
		{name: "echo", req: newRequest("GET", "/echo/hello-world", "Accept-Encoding", "br"), budget: 0},
		{name: "user-agent", req: newRequest("GET", "/user-agent", "User-Agent", "curl/8.5.0"), budget: 0},
		{name: "echo gzip", req: newRequest("GET", "/echo/hello-world", "Accept-Encoding", "deflate, gzip;q=0.9"), budget: 0.1, pooled: true},
		{name: "user-agent gzip", req: newRequest("GET", "/user-agent", "User-Agent", "curl/8.5.0", "Accept-Encoding", "gzip"), budget: 0.1, pooled: true},
	}
	rt := router.New()
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if tc.pooled && raceEnabled {
				t.Skip("sync.Pool drops items at random under the race detector")
			}
			var resp response.Response
			allocs := testing.AllocsPerRun(1000, func() {
				resp.Reset()
				rt.Route(tc.req, &resp)
			})
			if allocs > tc.budget {
				t.Errorf("%v allocations per request, want at most %v", allocs, tc.budget)
			}
		})
	}
}

func BenchmarkRoute(b *testing.B) {
	benchmarks := []struct {
		name string
		req  *parser.Request
	}{
		{name: "echo", req: newRequest("GET", "/echo/hello-world")},
		{name: "echo gzip", req: newRequest("GET", "/echo/hello-world", "Accept-Encoding", "gzip, deflate, br")},
		{name: "user-agent", req: newRequest("GET", "/user-agent", "User-Agent", "Mozilla/5.0 (X11; Linux x86_64)")},
		{name: "not found", req: newRequest("GET", "/nope")},
		{name: "files", req: newRequest("GET", "/files/a.txt")},
	}
	rt := router.New()
	for _, bm := range benchmarks {
		b.Run(bm.name, func(b *testing.B) {
			b.ReportAllocs()
			b.RunParallel(func(pb *testing.PB) {
				var resp response.Response
				for pb.Next() {
					resp.Reset()
					rt.Route(bm.req, &resp)
				}
			})
		})
	}
}

// TestRouteStaticAllocs: classifying a static path, and the static-mode
// 405, allocate nothing either.
func TestRouteStaticAllocs(t *testing.T) {
	if testing.Short() {
		t.Skip("allocation counts are unreliable in short mode")
	}
	rt := router.NewStatic()
	for _, req := range []*parser.Request{newRequest("GET", "/a/b/c.css"), newRequest("POST", "/a.txt"), newRequest("GET", "/echo/x"), newRequest("GET", "/files/")} {
		var resp response.Response
		allocs := testing.AllocsPerRun(1000, func() {
			resp.Reset()
			rt.Route(req, &resp)
		})
		if allocs > 0 {
			t.Errorf("%s %s: %v allocations per request, want 0", req.Method, req.Path, allocs)
		}
	}
}

// TestCheckAllocs: the method check the pipeline runs before a 413
// allocates nothing.
func TestCheckAllocs(t *testing.T) {
	if testing.Short() {
		t.Skip("allocation counts are unreliable in short mode")
	}
	rt := router.NewWith(router.Config{Static: true, Files: router.FilesReadWrite})
	method, path := []byte("DELETE"), []byte("/files/big.bin")
	allocs := testing.AllocsPerRun(1000, func() { rt.Check(method, path) })
	if allocs > 0 {
		t.Errorf("%v allocations per check, want 0", allocs)
	}
}
