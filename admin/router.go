package admin

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/common/expfmt"

	"pipehttp/parser"
	"pipehttp/pipeline"
	"pipehttp/response"
	"pipehttp/router"
)

//go:embed assets/dashboard.html
var dashboard []byte

// Router answers the admin endpoints (see the package doc) for one Target.
// It implements pipeline.Router and answers everything inline; a scrape
// costs one Stats snapshot and its encoding, well under a millisecond. It
// is safe for concurrent use.
type Router struct {
	target   Target
	registry *prometheus.Registry
	format   expfmt.Format
	log      *slog.Logger
	draining atomic.Bool                         // /readyz answers 503 (health.go)
	pages    map[string]func(*response.Response) // more GET pages (WatchAutotune); set before serving
}

// New returns a Router for target. Its registry holds the pipeline's
// collector plus the Go runtime and process collectors. log (nil: discard)
// gets collector errors.
func New(target Target, log *slog.Logger) *Router {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	reg := prometheus.NewRegistry()
	reg.MustRegister(newCollector(target),
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return &Router{target: target, registry: reg, format: expfmt.NewFormat(expfmt.TypeTextPlain), log: log}
}

// Registry is the registry /metrics renders; register more collectors on it
// to expose them too.
func (rt *Router) Registry() *prometheus.Registry { return rt.registry }

const stagesPrefix = "/debug/pipeline/stages/"

// Route answers one admin request in place.
func (rt *Router) Route(req *parser.Request, resp *response.Response) router.Kind {
	method, path := string(req.Method), string(req.Path)
	get := method == "GET" || method == "HEAD"
	resp.HeadOnly = method == "HEAD"
	switch {
	case path == "/healthz" || path == "/readyz":
		if !get {
			methodNotAllowed(resp, "GET, HEAD")
			break
		}
		rt.health(path, resp)
	case strings.HasPrefix(path, stagesPrefix):
		if method != "POST" {
			methodNotAllowed(resp, "POST")
			break
		}
		rt.resize(path[len(stagesPrefix):], req, resp)
	case path == "/metrics" || path == "/debug/pipeline.json" || path == "/debug/pipeline" || path == "/":
		if !get {
			methodNotAllowed(resp, "GET, HEAD")
			break
		}
		switch path {
		case "/metrics":
			rt.metrics(resp)
		case "/debug/pipeline.json":
			rt.snapshot(resp)
		case "/debug/pipeline":
			answer(resp, 200, "text/html; charset=utf-8", dashboard)
		default:
			answer(resp, 200, "text/html; charset=utf-8", []byte(index))
		}
	case rt.pages[path] != nil:
		if !get {
			methodNotAllowed(resp, "GET, HEAD")
			break
		}
		rt.pages[path](resp)
	default:
		answer(resp, 404, "text/plain; charset=utf-8", []byte("not found\n"))
	}
	return router.Inline
}

const index = `<!doctype html><title>pipehttp admin</title><ul>
<li><a href="/debug/pipeline">/debug/pipeline</a> — live dashboard
<li><a href="/debug/pipeline.json">/debug/pipeline.json</a> — snapshot as JSON
<li><a href="/metrics">/metrics</a> — Prometheus metrics
<li><a href="/healthz">/healthz</a>, <a href="/readyz">/readyz</a> — alive; ready for new work (503 while draining)
</ul>
`

func answer(resp *response.Response, status int, contentType string, body []byte) {
	resp.Status = status
	resp.ContentType = contentType
	resp.Body = append(resp.Body[:0], body...)
	resp.Fields = append(resp.Fields, response.Field{Name: "Cache-Control", Value: "no-store"})
}

func methodNotAllowed(resp *response.Response, allow string) {
	answer(resp, 405, "text/plain; charset=utf-8", []byte("method not allowed\n"))
	resp.Fields = append(resp.Fields, response.Field{Name: "Allow", Value: allow})
}

// metrics renders the registry in the Prometheus text format.
func (rt *Router) metrics(resp *response.Response) {
	families, err := rt.registry.Gather()
	var buf bytes.Buffer
	enc := expfmt.NewEncoder(&buf, rt.format)
	for _, mf := range families {
		if encErr := enc.Encode(mf); encErr != nil && err == nil {
			err = encErr
		}
	}
	if err != nil && len(families) == 0 {
		answer(resp, 500, "text/plain; charset=utf-8", []byte("gathering metrics failed: "+err.Error()+"\n"))
		return
	}
	// Like promhttp's default (HTTPErrorOnError aside): what gathered is
	// served; a collector error is logged.
	if err != nil {
		rt.log.Warn("metrics gathered with errors", "err", err)
	}
	answer(resp, 200, string(rt.format), buf.Bytes())
}

func (rt *Router) snapshot(resp *response.Response) {
	b, err := json.Marshal(rt.target.Stats())
	if err != nil {
		answer(resp, 500, "text/plain; charset=utf-8", []byte(err.Error()+"\n"))
		return
	}
	answer(resp, 200, "application/json", b)
}

// resize handles POST /debug/pipeline/stages/{stage}: the worker count comes
// from a JSON body {"workers":N}, a form body workers=N, or the query.
func (rt *Router) resize(stage string, req *parser.Request, resp *response.Response) {
	if !sameOrigin(req) {
		answer(resp, 403, "text/plain; charset=utf-8", []byte("cross-origin request refused\n"))
		return
	}
	workers, err := workersOf(req)
	if err != nil {
		answer(resp, 400, "text/plain; charset=utf-8", []byte(err.Error()+"\n"))
		return
	}
	if err := rt.target.Resize(stage, workers); err != nil {
		status := 400
		switch {
		case errors.Is(err, pipeline.ErrUnknownStage):
			status = 404
		case errors.Is(err, pipeline.ErrServerClosed):
			status = 503
		}
		answer(resp, status, "text/plain; charset=utf-8", []byte(err.Error()+"\n"))
		return
	}
	b, _ := json.Marshal(struct {
		Stage   string `json:"stage"`
		Workers int    `json:"workers"`
	}{stage, workers})
	answer(resp, 200, "application/json", append(b, '\n'))
}

// sameOrigin refuses a resize posted by another site's page: browsers send
// Origin with every cross-origin POST, and a plain form POST needs no CORS
// preflight, so without this check any page a local user opens could
// resize the server. Clients that send no Origin (curl, scripts) are
// allowed. The Host must also be an IP literal or localhost, so a name
// rebound to a loopback address (DNS rebinding) is not "same origin".
func sameOrigin(req *parser.Request) bool {
	host := string(req.Host)
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	if host != "localhost" && net.ParseIP(strings.Trim(host, "[]")) == nil {
		return false
	}
	origin, ok := req.Header("Origin")
	if !ok {
		return true
	}
	u, err := url.Parse(string(origin))
	return err == nil && u.Host != "" && u.Host == string(req.Host)
}

func workersOf(req *parser.Request) (int, error) {
	body := bytes.TrimSpace(req.Body)
	if len(body) > 0 && body[0] == '{' {
		var v struct {
			Workers *int `json:"workers"`
		}
		if err := json.Unmarshal(body, &v); err != nil {
			return 0, fmt.Errorf("bad JSON body: %v", err)
		}
		if v.Workers == nil {
			return 0, errors.New(`JSON body needs "workers"`)
		}
		return *v.Workers, nil
	}
	for _, src := range [][]byte{body, req.Query} {
		if len(src) == 0 {
			continue
		}
		vals, err := url.ParseQuery(string(src))
		if err != nil {
			return 0, fmt.Errorf("bad form: %v", err)
		}
		if w := vals.Get("workers"); w != "" {
			n, err := strconv.Atoi(w)
			if err != nil {
				return 0, fmt.Errorf("workers must be a number, got %q", w)
			}
			return n, nil
		}
	}
	return 0, errors.New(`say how many workers: {"workers":N} or workers=N`)
}

// notFound is the file handler of the admin server, which never routes to
// the file pool.
type notFound struct{}

func (notFound) Serve(_ *parser.Request, resp *response.Response) { resp.Status = 404 }

// Config is the admin server's pipeline configuration: one worker per
// stage and small queues — it serves a few scrapes and a dashboard.
func Config(addr string) pipeline.Config {
	return pipeline.Config{
		Addr:          addr,
		ParseWorkers:  1,
		RouteWorkers:  1,
		WriteWorkers:  1,
		FileWorkers:   1,
		ParseQueue:    64,
		RouteQueue:    64,
		WriteQueue:    64,
		MaxConns:      256,
		DisableTiming: true,
		// Reachable when the public side has exhausted the process's
		// descriptors: serve from a few spares (health.go).
		Ops: pipeline.Ops{SpareFDs: spareFDs, ServeSpare: true},
	}
}

// NewServer binds addr and returns a pipeline.Server that serves rt's
// endpoints, configured by Config. Run it with Serve and stop it with
// Shutdown like any pipeline.Server.
func NewServer(addr string, rt *Router, log *slog.Logger) (*pipeline.Server, error) {
	return NewServerWith(Config(addr), rt, log)
}

// NewServerWith is NewServer with a configuration of the caller's: Config
// changed, say, to listen on an inherited socket (Listener) or with
// ReusePort.
func NewServerWith(cfg pipeline.Config, rt *Router, log *slog.Logger) (*pipeline.Server, error) {
	return pipeline.New(cfg, pipeline.Handlers{Router: rt, Files: notFound{}}, log)
}
