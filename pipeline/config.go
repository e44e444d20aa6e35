package pipeline

import (
	"errors"
	"fmt"
	"log/slog"
	"os"
	"runtime"
	"time"

	"pipehttp/parser"
)

// Config is the server's tuning. Every stage's worker count and queue
// capacity is here. In this Go API a zero field means "the default
// documented on it" (see Defaults), so a zero Config is a working server on
// :4221; negative values, and values past the bounds listed in validate, are
// refused by New. (The command line is stricter: a flag explicitly set to 0
// is refused there, since a typed 0 is never a request for the default.)
type Config struct {
	// Addr is the listen address, host:port. Default ":4221" (all
	// interfaces).
	Addr string

	// Worker counts per stage, 1 to MaxStageWorkers. Defaults:
	// AcceptWorkers 1, PollWorkers 1, ParseWorkers, RouteWorkers and
	// WriteWorkers GOMAXPROCS, FileWorkers 4×GOMAXPROCS (disk waits, not
	// CPU, bound that pool).
	AcceptWorkers int
	PollWorkers   int
	ParseWorkers  int
	RouteWorkers  int
	WriteWorkers  int
	FileWorkers   int

	// Queue capacities of the bounded channels in front of each stage, 1 to
	// MaxQueue. The parse, route and write queues carry batches (the
	// connections one producer had ready at once, up to 64), the file queue
	// single file jobs. Defaults: 1024 for parse, route and write,
	// 8×FileWorkers for the file queue.
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
	// answered 503 and closed at once. Default 16384, at most 1<<24.
	MaxConns int

	// Per-connection shares (invariant 11): MaxPipelined is the most
	// requests taken from one connection at a time (a batch); MaxConnFiles
	// the most of them that may be file jobs, each holding a file worker, an
	// open file or a response body in memory. What is over either cap stays
	// unparsed — in the read buffer, and once that is full in the kernel,
	// so TCP pushes back on the client — until the batch is answered.
	// Defaults 32 and 4; at most 1024 and 256.
	MaxPipelined int
	MaxConnFiles int

	// Timeouts. HeaderTimeout runs from a request's first byte to the end of
	// its head (slowloris), and bounds how long a new connection may stay
	// silent; BodyTimeout is the longest pause in receiving a body;
	// IdleTimeout is how long a keep-alive connection may wait for its next
	// request; WriteTimeout is the longest pause in which the client
	// accepts none of a response. Defaults 10s, 30s, 60s, 30s. A pause
	// counts from the last byte that moved: waiting for the socket without
	// progress never extends a deadline.
	HeaderTimeout time.Duration
	BodyTimeout   time.Duration
	IdleTimeout   time.Duration
	WriteTimeout  time.Duration

	// MinRate, in bytes per second, is the slowest average a request body
	// may arrive at, or a response leave at, once it has taken longer than
	// its BodyTimeout or WriteTimeout: a transfer that started at t0 and
	// moved n bytes is cut at t0 + timeout + n/MinRate, so a trickle of a
	// byte now and then cannot hold a connection, a temp file and a
	// MaxConns slot for ever. Default 1024; negative means no minimum (the
	// pause timeouts still apply).
	MinRate int64

	// Limits bounds request line, header section and body sizes (see
	// parser.Limits for the defaults and parser.Limits.Validate for the
	// bounds).
	Limits parser.Limits

	// DisableTiming turns off the clock reads behind the queue-wait,
	// service-time and per-route latency histograms (Stats); the counters
	// stay. Default false: timing costs two monotonic clock reads per batch
	// per stage. An AccessLog needs the timings, so it overrides this.
	DisableTiming bool

	// Admission, if not nil, is asked about every routed request in the
	// route stage; a request it refuses is answered 503 with Retry-After
	// there (gate.go). Default nil: everything routed is admitted, at the
	// cost of one nil check per request. Package autotune provides one
	// driven by per-route latency targets.
	Admission Admission

	// Poller is the readiness stage's source (poller.go): PollerEpoll
	// ("epoll", Linux only: idle connections are epoll registrations and
	// hold no goroutine) or PollerPortable ("portable", wherever Go runs:
	// a goroutine per connection waits in the Go runtime's network poller
	// while the connection is armed; several KB per idle connection). The
	// stages, queues, timeouts and limits are the same with either.
	// Default: the environment variable PIPEHTTP_POLLER if it is set (so
	// a whole test suite can run under the other poller), else
	// DefaultPoller: "epoll" on Linux, "portable" elsewhere.
	Poller string

	// AccessLog, if not nil, gets one Info record per response, written by
	// the write stage once the response has left: the client's address,
	// method, target, protocol, status, bytes (body), referer, user agent,
	// dur (first byte read to response written) and the stage timings (see
	// access.go). Default nil: no access log, at no cost (not even the
	// client's address is kept).
	AccessLog *slog.Logger

	// Operations (ops.go): where the listening socket comes from and what
	// happens when the process runs out of descriptors.
	Ops
}

// Bounds on Config values. They keep one setting from exhausting memory by
// itself (a queue is allocated whole when the server starts) or overflowing
// an int.
const (
	MaxStageWorkers  = 4096    // any stage's workers
	MaxQueue         = 1 << 20 // any queue's capacity
	MaxConnsCeiling  = 1 << 24 // MaxConns
	PipelinedCeiling = 1024    // MaxPipelined
	ConnFilesCeiling = 256     // MaxConnFiles
)

// Lingering close (linger.go): how long a connection we are closing may
// keep sending, how much of it we read, and how many connections may
// linger at once; past that, a closing connection is closed outright.
const (
	lingerTimeout = time.Second
	lingerBytes   = 256 << 10
	maxLingering  = 128
)

// sweepInterval is the granularity of all timeouts: how often each poller
// looks at the deadlines of the connections it holds.
const sweepInterval = 250 * time.Millisecond

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
	if c.FileQueue == 0 && c.FileWorkers > 0 && c.FileWorkers <= MaxStageWorkers {
		c.FileQueue = 8 * c.FileWorkers
	}
	def(&c.MaxConns, 16384)
	def(&c.MaxPipelined, 32)
	def(&c.MaxConnFiles, 4)
	defDur(&c.QueueWait, 250*time.Millisecond)
	defDur(&c.HeaderTimeout, 10*time.Second)
	defDur(&c.BodyTimeout, 30*time.Second)
	defDur(&c.IdleTimeout, 60*time.Second)
	defDur(&c.WriteTimeout, 30*time.Second)
	if c.MinRate == 0 {
		c.MinRate = 1024
	}
	if c.Poller == "" {
		c.Poller = os.Getenv(PollerEnv)
	}
	if c.Poller == "" {
		c.Poller = DefaultPoller
	}
	c.Limits = c.Limits.WithDefaults()
	c.Ops = c.Ops.defaults()
	return c
}

// PollerEnv is the environment variable that sets Config.Poller's default.
const PollerEnv = "PIPEHTTP_POLLER"

// validate reports every setting that cannot work; New runs it once, after
// Defaults.
func (c Config) validate() error {
	var errs []error
	for _, f := range []struct {
		name string
		v    int
		max  int
	}{
		{"accept workers", c.AcceptWorkers, MaxStageWorkers},
		{"poll workers", c.PollWorkers, MaxStageWorkers},
		{"parse workers", c.ParseWorkers, MaxStageWorkers},
		{"route workers", c.RouteWorkers, MaxStageWorkers},
		{"write workers", c.WriteWorkers, MaxStageWorkers},
		{"file workers", c.FileWorkers, MaxStageWorkers},
		{"parse queue", c.ParseQueue, MaxQueue},
		{"route queue", c.RouteQueue, MaxQueue},
		{"write queue", c.WriteQueue, MaxQueue},
		{"file queue", c.FileQueue, MaxQueue},
		{"max conns", c.MaxConns, MaxConnsCeiling},
		{"max pipelined", c.MaxPipelined, PipelinedCeiling},
		{"max conn files", c.MaxConnFiles, ConnFilesCeiling},
	} {
		if f.v < 1 || f.v > f.max {
			errs = append(errs, fmt.Errorf("%s must be 1 to %d, got %d", f.name, f.max, f.v))
		}
	}
	for _, f := range []struct {
		name string
		v    time.Duration
	}{
		{"header timeout", c.HeaderTimeout}, {"body timeout", c.BodyTimeout},
		{"idle timeout", c.IdleTimeout}, {"write timeout", c.WriteTimeout},
	} {
		if f.v <= 0 {
			errs = append(errs, fmt.Errorf("%s must be positive, got %v", f.name, f.v))
		}
	}
	switch c.Poller {
	case PollerPortable:
	case PollerEpoll:
		if DefaultPoller != PollerEpoll {
			errs = append(errs, errors.New(`poller "epoll" is Linux only; use "portable"`))
		}
	default:
		errs = append(errs, fmt.Errorf(`poller must be "epoll" or "portable", got %q (Config.Poller, or $%s)`, c.Poller, PollerEnv))
	}
	if err := c.Limits.Validate(); err != nil {
		errs = append(errs, err)
	}
	if err := c.Ops.validate(); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

// minRate is MinRate with "no minimum" as 0.
func (c *Config) minRate() int64 { return max(c.MinRate, 0) }
