package admin

import (
	"pipehttp/response"
)

// Health endpoints, for supervisors and load balancers:
//
//	GET /healthz   200 "ok": the process is alive and its admin listener answers.
//	GET /readyz    200 "ready" while the server takes new work; 503 "draining"
//	               (with Retry-After) from the moment SetDraining is called.
//
// Neither opens a file or allocates per request beyond its answer, so both
// keep answering when the process is out of descriptors (the admin
// listener serves from its spare descriptors, SpareFDs).

// SetDraining makes /readyz answer 503 from now on: the server is going
// away, and a load balancer should send its new work elsewhere. Call it
// when draining begins, before the public listener closes (the command's
// --drain-delay is the time between the two), so that the health check
// notices first. It cannot be undone.
func (rt *Router) SetDraining() { rt.draining.Store(true) }

// Draining reports whether SetDraining has been called.
func (rt *Router) Draining() bool { return rt.draining.Load() }

var (
	okBody       = []byte("ok\n")
	readyBody    = []byte("ready\n")
	drainingBody = []byte("draining\n")
)

// health answers /healthz and /readyz.
func (rt *Router) health(path string, resp *response.Response) {
	switch {
	case path == "/healthz":
		answer(resp, 200, "text/plain; charset=utf-8", okBody)
	case rt.draining.Load():
		answer(resp, 503, "text/plain; charset=utf-8", drainingBody)
		resp.Fields = append(resp.Fields, response.Field{Name: "Retry-After", Value: "1"})
	default:
		answer(resp, 200, "text/plain; charset=utf-8", readyBody)
	}
}

// spareFDs is how many descriptors the admin listener keeps in reserve
// and serves from when the process has run out (pipeline.Ops): enough
// for a health check, a scrape and a person at the dashboard at once.
const spareFDs = 4
