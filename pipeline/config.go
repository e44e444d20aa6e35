package pipeline

import (
	"errors"
	"fmt"
	"log/slog"
	"runtime"
	"time"

	"pipehttp/parser"
)

// Config is the server's tuning. Every stage's worker count and queue
// capacity is here; zero values take the defaults documented on each field
// (see Defaults), so a zero Config is a working server on :4221.
type Config struct {
	// Addr is the listen address, host:port. Default ":4221" (all
	// interfaces).
	Addr string

	// Worker counts per stage. Defaults: AcceptWorkers 1, PollWorkers 1,
	// ParseWorkers, RouteWorkers and WriteWorkers GOMAXPROCS, FileWorkers
	// 4×GOMAXPROCS (disk waits, not CPU, bound that pool).
	AcceptWorkers int
	PollWorkers   int
	ParseWorkers  int
	RouteWorkers  int
	WriteWorkers  int
	FileWorkers   int

	// Queue capacities (items) of the bounded channels in front of each
	// stage. Defaults: 1024 for parse, route and write (connections or
	// batches, not bytes), 8×FileWorkers for the file queue.
	ParseQueue int
	RouteQueue int
	WriteQueue int
	FileQueue  int

	// QueueWait is how long a file request may wait for room in a full file
	// queue before it is answered 503 with Retry-After. It waits in a
	// waiting room, never in the worker that offered it (admit.go). Default
	// 250ms; a negative value means do not wait at all.
	QueueWait time.Duration

	// MaxConns bounds open client connections; past it a new connection is
	// answered 503 and closed at once. Default 16384.
	MaxConns int

	// Timeouts. HeaderTimeout runs from a request's first byte to the end of
	// its head (slowloris); BodyTimeout is the longest pause between two
	// reads of a body; IdleTimeout is how long a keep-alive connection may
	// wait for its next request; WriteTimeout is the longest pause in which
	// the client accepts none of a response. Defaults 10s, 30s, 60s, 30s.
	HeaderTimeout time.Duration
	BodyTimeout   time.Duration
	IdleTimeout   time.Duration
	WriteTimeout  time.Duration

	// Limits bounds request line, header section and body sizes (see
	// parser.Limits for the defaults).
	Limits parser.Limits

	// DisableTiming turns off the clock reads behind the queue-wait,
	// service-time and per-route latency histograms (Stats); the counters
	// stay. Default false: timing costs about ten monotonic clock reads per
	// request (see BenchmarkMetricsOverhead). An AccessLog needs the
	// timings, so it overrides this.
	DisableTiming bool

	// AccessLog, if not nil, gets one Info record per response, written by
	// the write stage once the response has left: method, target, status,
	// bytes (body), dur (first byte read to response written) and the stage
	// timings (see access.go). Default nil: no access log, at no cost.
	AccessLog *slog.Logger
}

// lingerTimeout bounds how long a connection we are closing may keep
// sending before we close it outright.
const lingerTimeout = 2 * time.Second

// sweepInterval is the granularity of all timeouts.
const sweepInterval = 100 * time.Millisecond

// Defaults returns c with every zero field replaced by its default.
func (c Config) Defaults() Config {
	procs := runtime.GOMAXPROCS(0)
	def := func(v *int, d int) {
		if *v == 0 {
			*v = d
		}
	}
	defDur := func(v *time.Duration, d time.Duration) {
		if *v == 0 {
			*v = d
		}
	}
	if c.Addr == "" {
		c.Addr = ":4221"
	}
	def(&c.AcceptWorkers, 1)
	def(&c.PollWorkers, 1)
	def(&c.ParseWorkers, procs)
	def(&c.RouteWorkers, procs)
	def(&c.WriteWorkers, procs)
	def(&c.FileWorkers, 4*procs)
	def(&c.ParseQueue, 1024)
	def(&c.RouteQueue, 1024)
	def(&c.WriteQueue, 1024)
	def(&c.FileQueue, 8*c.FileWorkers)
	def(&c.MaxConns, 16384)
	defDur(&c.QueueWait, 250*time.Millisecond)
	defDur(&c.HeaderTimeout, 10*time.Second)
	defDur(&c.BodyTimeout, 30*time.Second)
	defDur(&c.IdleTimeout, 60*time.Second)
	defDur(&c.WriteTimeout, 30*time.Second)
	c.Limits = c.Limits.WithDefaults()
	return c
}

// validate reports a configuration that cannot work; it runs once at start.
func (c Config) validate() error {
	var errs []error
	for _, f := range []struct {
		name string
		v    int
	}{
		{"accept workers", c.AcceptWorkers}, {"poll workers", c.PollWorkers},
		{"parse workers", c.ParseWorkers}, {"route workers", c.RouteWorkers},
		{"write workers", c.WriteWorkers}, {"file workers", c.FileWorkers},
		{"parse queue", c.ParseQueue}, {"route queue", c.RouteQueue},
		{"write queue", c.WriteQueue}, {"file queue", c.FileQueue},
		{"max conns", c.MaxConns},
	} {
		if f.v < 1 {
			errs = append(errs, fmt.Errorf("%s must be at least 1, got %d", f.name, f.v))
		}
	}
	for _, f := range []struct {
		name string
		v    time.Duration
	}{
		{"header timeout", c.HeaderTimeout}, {"body timeout", c.BodyTimeout},
		{"idle timeout", c.IdleTimeout}, {"write timeout", c.WriteTimeout},
	} {
		if f.v < 0 {
			errs = append(errs, fmt.Errorf("%s must not be negative, got %v", f.name, f.v))
		}
	}
	return errors.Join(errs...)
}
