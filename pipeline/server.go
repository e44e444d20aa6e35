package pipeline

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/sourcegraph/conc"
	"golang.org/x/sync/errgroup"
	"golang.org/x/sync/semaphore"

	"pipehttp/parser"
	"pipehttp/response"
	"pipehttp/router"
)

// Router answers cheap requests in place and says which ones belong to the
// file-I/O pool; *router.Router is the production one. It must not block.
type Router interface {
	Route(req *parser.Request, resp *response.Response) router.Kind
}

// FileHandler serves the requests the Router sends to the file pool;
// *files.Handler is the production one. It may block on the disk.
type FileHandler interface {
	Serve(req *parser.Request, resp *response.Response)
}

// Handlers are the synchronous cores the stages call: Router inside the
// route stage, Files (router.File) and Static (router.Static) on the
// file-I/O pool. Static may be nil when the router never answers Static.
type Handlers struct {
	Router Router
	Files  FileHandler
	Static FileHandler

	// Receive, if set, takes streamed bodies of router.File requests: it
	// returns a sink for the body, or nil when it has answered in resp
	// without needing the body. Without it such requests are answered by
	// Files with no body. It runs on the file-I/O pool.
	Receive func(req *parser.Request, resp *response.Response) BodySink

	// ErrorForm, if set, says what body the errors the pipeline answers
	// itself (408, 413, 500, 503, …) carry for req; without it they have
	// none. Requests that failed parsing always get none: their fields
	// cannot be trusted.
	ErrorForm func(req *parser.Request) response.ErrorForm
}

// CacheServer is what a FileHandler may also implement to answer some
// requests from memory: ServeCached fills resp and reports true, or leaves
// it alone and reports false. It must not block (no disk I/O, no waiting):
// the route stage calls it before handing a request to the file pool, so a
// hit never waits behind a slow disk (*files.Handler implements it).
type CacheServer interface {
	ServeCached(req *parser.Request, resp *response.Response) bool
}

// MethodChecker is what a Router may also implement to say, from a head
// alone, whether its route takes the method: 0, or the status (404, 405
// with the Allow value, 501) the request gets instead. The pipeline asks it
// before refusing a body as too large, so a PUT to a read-only route is told
// 405, not 413 (*router.Router implements it).
type MethodChecker interface {
	Check(method, path []byte) (status int, allow string)
}

// Server is a staged HTTP/1.1 server. Create it with New, run it with Serve,
// stop it with Shutdown.
type Server struct {
	cfg      Config
	handlers Handlers
	log      *slog.Logger

	ln   listenSocket // the listening socket (listen_*.go)
	addr net.Addr

	pollers    []*poller
	nextPoller atomic.Uint32 // round-robin of new connections over pollers
	admission  *semaphore.Weighted
	clock      response.Clock
	openConns  atomic.Int64 // accepted and not yet closed
	lingering  atomic.Int64 // closing with a lingering close (linger.go)

	spares         spares // descriptors in reserve for EMFILE (spare_unix.go)
	acceptFailures acceptFailures

	// The bounded queues between stages. parseQ carries batches of
	// connections with bytes to read, routeQ batches of connections with a
	// parsed batch of requests, writeQ batches of connections whose
	// responses are all ready, fileQ single file jobs.
	parseQ chan *batch
	routeQ chan *batch
	fileQ  chan *job
	waitQ  chan *job // file jobs waiting for room in fileQ (admit.go)
	writeQ chan *batch

	stages  [nStages]stage
	stats   serverStats
	timing  bool      // clock reads for histograms and the access log (see Config.DisableTiming)
	started time.Time // when New ran

	// resizeMu orders Resize against Serve starting the pools and, at
	// shutdown, waiting for them.
	resizeMu sync.Mutex
	running  bool // guarded by resizeMu: the pools have started
	stopped  bool // guarded by resizeMu: the pools are being stopped

	draining    atomic.Bool  // Shutdown began: close idle connections, answer with Connection: close
	idleCloseAt atomic.Int64 // nanotime from which draining closes idle connections (Ops.IdleGrace)
	forced      atomic.Bool  // Shutdown's deadline passed: abandon in-flight requests

	shutdownOnce sync.Once
	shutdown     chan struct{} // closed when Shutdown is first called
	done         chan struct{} // closed when Serve has returned
	served       atomic.Bool
}

// New validates cfg (after Defaults), binds the listening socket and
// prepares the stages. Nothing runs until Serve.
func New(cfg Config, h Handlers, log *slog.Logger) (*Server, error) {
	cfg = cfg.Defaults()
	if err := cfg.validate(); err != nil {
		return nil, fmt.Errorf("config: %w", err)
	}
	if h.Router == nil || h.Files == nil {
		return nil, errors.New("config: both a router and a files handler are required")
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	s := &Server{
		cfg:       cfg,
		handlers:  h,
		log:       log,
		admission: semaphore.NewWeighted(int64(cfg.MaxConns)),
		parseQ:    make(chan *batch, cfg.ParseQueue),
		routeQ:    make(chan *batch, cfg.RouteQueue),
		fileQ:     make(chan *job, cfg.FileQueue),
		waitQ:     make(chan *job, waitingRoomSize(cfg)),
		writeQ:    make(chan *batch, cfg.WriteQueue),
		shutdown:  make(chan struct{}),
		done:      make(chan struct{}),
		timing:    !cfg.DisableTiming || cfg.AccessLog != nil,
		started:   time.Now(),
	}
	s.initStages()
	if err := s.open(); err != nil {
		s.closeFDs()
		return nil, err
	}
	return s, nil
}

func (s *Server) open() error {
	var err error
	if s.ln, s.addr, err = listen(&s.cfg); err != nil {
		return err
	}
	if err := s.spares.open(s.cfg.SpareFDs); err != nil {
		return fmt.Errorf("spare descriptors: %w", err)
	}
	// Every poller's table must hold all the connections it may be given:
	// round-robin spreads them, but closes can leave them uneven.
	capacity := s.cfg.MaxConns + maxLingering
	for range s.cfg.PollWorkers {
		p, err := newPoller(s, capacity)
		if err != nil {
			return err
		}
		s.pollers = append(s.pollers, p)
	}
	return nil
}

// Addr is the address the server listens on.
func (s *Server) Addr() net.Addr { return s.addr }

// Config is the effective configuration, defaults filled in.
func (s *Server) Config() Config { return s.cfg }

// Serve runs the stages until Shutdown has finished (it then returns nil)
// or a stage fails for good (it then shuts down at once and returns that
// error). Serve may be called once; after Shutdown it returns
// ErrServerClosed at once.
func (s *Server) Serve() error {
	if !s.served.CompareAndSwap(false, true) {
		select {
		case <-s.shutdown:
			return ErrServerClosed
		default:
			return errors.New("pipeline: Serve called twice")
		}
	}
	defer close(s.done)
	defer s.closeFDs()

	// Consumers first, so producers never start with nobody to take work.
	// The pools are resizable while they run (stages.go).
	s.startPools()
	var waitingRoom conc.WaitGroup
	s.startWaitingRoom(&waitingRoom)

	// Producers (accept and poll) can fail for good; errgroup cancels the
	// rest of them through gctx and reports the first error.
	g, gctx := errgroup.WithContext(context.Background())
	for _, p := range s.pollers {
		g.Go(func() error {
			defer s.crashOnEscape("poll")
			return p.run()
		})
	}
	var accepting errgroup.Group
	for range s.cfg.AcceptWorkers {
		accepting.Go(func() error {
			defer s.crashOnEscape("accept")
			return s.acceptLoop()
		})
	}
	go func() {
		if err := accepting.Wait(); err != nil {
			s.acceptFailed(err)
		}
	}()

	select {
	case <-s.shutdown:
	case <-gctx.Done():
	}
	// 1. Stop accepting: new clients are refused at once, not left in the
	// backlog for the length of the drain.
	s.ln.Close()
	err := accepting.Wait()
	if gctx.Err() != nil {
		s.log.Error("stage failed; shutting down", "err", context.Cause(gctx))
		s.beginShutdown()
		s.forced.Store(true)
	}
	// 2. Drain: pollers close idle connections at their next sweep,
	// in-flight requests finish, and connections close after their last
	// response — or Shutdown's deadline sets forced and the rest is
	// abandoned.
	s.wakePollers()
	for s.openConns.Load() > 0 && !s.forced.Load() {
		time.Sleep(5 * time.Millisecond)
	}
	// 3. Stop the pollers (each closes the connections it holds), then the
	// pools in pipeline order.
	for _, p := range s.pollers {
		p.stop()
	}
	if gerr := g.Wait(); err == nil {
		err = gerr
	}
	s.stopPools(&waitingRoom)
	// 4. Whatever is left was abandoned mid-request by a forced shutdown:
	// every goroutine that could own it has stopped.
	for _, p := range s.pollers {
		p.table.each(func(c *conn) { s.closeConn(c) })
	}
	return err
}

// acceptFailed ends Serve: an accept worker failed for good.
func (s *Server) acceptFailed(err error) {
	s.log.Error("accept failed; shutting down", "err", err)
	s.beginShutdown()
	s.forced.Store(true)
}

// Shutdown stops the server gracefully: it stops accepting (the listener is
// closed at once), closes idle connections (after Ops.IdleGrace), lets
// in-flight requests finish and their responses go out (with Connection:
// close), and returns once Serve has returned. If ctx ends first,
// in-flight requests are abandoned, their connections closed, and
// Shutdown returns ctx's error after Serve has returned. Calling Shutdown before Serve closes the listener and
// returns.
func (s *Server) Shutdown(ctx context.Context) error {
	s.beginShutdown()
	if !s.served.Load() && s.served.CompareAndSwap(false, true) {
		s.closeFDs()
		close(s.done)
		return nil
	}
	select {
	case <-s.done:
		return nil
	case <-ctx.Done():
		s.forced.Store(true)
		s.wakePollers()
		<-s.done
		return ctx.Err()
	}
}

func (s *Server) beginShutdown() {
	s.shutdownOnce.Do(func() {
		s.resizeMu.Lock()
		s.stopped = true
		s.resizeMu.Unlock()
		s.idleCloseAt.Store(nanotime() + int64(s.cfg.IdleGrace))
		s.draining.Store(true)
		// Stop taking connections now, not when Serve next runs: a client
		// that connects from here on is refused (or, with an inherited or
		// shared port, served by whoever else listens on it) instead of
		// waiting in the backlog through the drain.
		if s.ln != nil {
			s.ln.Close()
		}
		close(s.shutdown)
	})
}

// wakePollers makes every poller sweep now (draining or forced changed).
func (s *Server) wakePollers() {
	for _, p := range s.pollers {
		p.sweepSoon()
	}
}

// hook calls the test hook of stage, if one is set.
func (s *Server) hook(stage int, j *job) {
	if h := s.stages[stage].hook; h != nil {
		h(string(j.req.Target))
	}
}

func (s *Server) closeFDs() {
	if s.ln != nil {
		s.ln.Close()
	}
	s.spares.close()
	for _, p := range s.pollers {
		p.close()
	}
}
