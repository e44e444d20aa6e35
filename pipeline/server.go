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
	"golang.org/x/sys/unix"

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
}

// Server is a staged HTTP/1.1 server. Create it with New, run it with Serve,
// stop it with Shutdown.
type Server struct {
	cfg      Config
	handlers Handlers
	log      *slog.Logger

	lfd    int      // listening socket, non-blocking
	stopfd int      // eventfd, readable once accepting must stop
	addr   net.Addr // the bound address (useful with port 0)

	pollers   []*poller
	pollersMu sync.Mutex // orders wakePollers against closeFDs
	conns     connTable
	admission *semaphore.Weighted
	clock     response.Clock

	// The bounded queues between stages. parseQ carries connections with
	// bytes to read, routeQ connections with a parsed batch, fileQ single
	// file jobs, writeQ connections with responses ready in order.
	parseQ chan *conn
	routeQ chan *conn
	fileQ  chan *job
	waitQ  chan *job // file jobs waiting for room in fileQ (admit.go)
	writeQ chan *conn

	stats   serverStats
	timing  bool      // clock reads for histograms and the access log (see Config.DisableTiming)
	started time.Time // when New ran

	// The resizable stages (resize.go). resizeMu orders Resize against
	// Serve starting the pools and, at shutdown, waiting for them.
	pools    [nPools]pool
	resizeMu sync.Mutex
	running  bool // guarded by resizeMu: the pools have started
	stopped  bool // guarded by resizeMu: the pools are being stopped

	draining atomic.Bool // Shutdown began: close idle connections, answer with Connection: close
	forced   atomic.Bool // Shutdown's deadline passed: abandon in-flight requests

	// hooks are test hooks (export_test.go): hooks[stage] is called with
	// each request's target as that stage handles it.
	hooks [nPools]func(target string)

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
		lfd:       -1,
		stopfd:    -1,
		admission: semaphore.NewWeighted(int64(cfg.MaxConns)),
		parseQ:    make(chan *conn, cfg.ParseQueue),
		routeQ:    make(chan *conn, cfg.RouteQueue),
		fileQ:     make(chan *job, cfg.FileQueue),
		waitQ:     make(chan *job, waitingRoomSize(cfg)),
		writeQ:    make(chan *conn, cfg.WriteQueue),
		shutdown:  make(chan struct{}),
		done:      make(chan struct{}),
		timing:    !cfg.DisableTiming || cfg.AccessLog != nil,
		started:   time.Now(),
	}
	s.initPools()
	if err := s.open(); err != nil {
		s.closeFDs()
		return nil, err
	}
	return s, nil
}

func (s *Server) open() error {
	var err error
	s.lfd, s.addr, err = listen(s.cfg.Addr)
	if err != nil {
		return err
	}
	s.stopfd, err = unix.Eventfd(0, unix.EFD_NONBLOCK|unix.EFD_CLOEXEC)
	if err != nil {
		return fmt.Errorf("eventfd: %w", err)
	}
	for range s.cfg.PollWorkers {
		p, err := newPoller(s)
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
	// conc.WaitGroup re-panics a worker's panic in Wait: a panic that
	// escapes a worker is a bug in the pipeline itself, and the process
	// should die loudly (handler panics are caught per request).
	// The pools are resizable while they run (resize.go).
	s.startPools()
	var waitingRoom conc.WaitGroup
	s.startWaitingRoom(&waitingRoom)

	// Producers (accept and poll) can fail for good; errgroup cancels the
	// rest of them through gctx and reports the first error.
	g, gctx := errgroup.WithContext(context.Background())
	for _, p := range s.pollers {
		g.Go(p.run)
	}
	for range s.cfg.AcceptWorkers {
		g.Go(s.acceptLoop)
	}

	select {
	case <-s.shutdown:
	case <-gctx.Done():
		s.log.Error("stage failed; shutting down", "err", context.Cause(gctx))
		s.beginShutdown()
		s.forced.Store(true)
	}

	// 1. Stop accepting: the stop eventfd wakes every accept worker.
	unix.Write(s.stopfd, []byte{1, 0, 0, 0, 0, 0, 0, 0})
	// 2. Drain: pollers close idle connections, in-flight requests finish,
	// and connections close after their last response — or Shutdown's
	// deadline sets forced and the rest is abandoned.
	s.wakePollers()
	for s.conns.open.Load() > 0 && !s.forced.Load() {
		time.Sleep(5 * time.Millisecond)
	}
	// 3. Stop the pollers, then close each queue once every stage that
	// sends on it has stopped, in pipeline order.
	for _, p := range s.pollers {
		p.stopping.Store(true)
	}
	s.wakePollers()
	err := g.Wait()
	s.stopResizing() // no worker starts after this
	close(s.parseQ)
	s.pools[stageParse].wg.Wait()
	close(s.routeQ)
	s.pools[stageRoute].wg.Wait()
	close(s.waitQ) // its senders, parse and route, have stopped
	waitingRoom.Wait()
	close(s.fileQ)
	s.pools[stageFile].wg.Wait()
	close(s.writeQ)
	s.pools[stageWrite].wg.Wait()

	// 4. Whatever is left was abandoned mid-request by a forced shutdown.
	var left []*conn
	s.conns.each(func(c *conn) { left = append(left, c) })
	for _, c := range left {
		s.closeConn(c)
	}
	return err
}

// Shutdown stops the server gracefully: it stops accepting, closes idle
// connections, lets in-flight requests finish and their responses go out,
// and returns once Serve has returned. If ctx ends first, in-flight requests
// are abandoned, their connections closed, and Shutdown returns ctx's error
// after Serve has returned. Calling Shutdown before Serve closes the
// listener and returns.
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
		s.stopResizing()
		s.draining.Store(true)
		close(s.shutdown)
	})
}

// hook calls the test hook of stage, if one is set.
func (s *Server) hook(stage int, j *job) {
	if h := s.hooks[stage]; h != nil {
		h(string(j.req.Target))
	}
}

// wakePollers wakes every poller. Shutdown may call it while Serve's
// closeFDs runs, so both hold pollersMu.
func (s *Server) wakePollers() {
	s.pollersMu.Lock()
	defer s.pollersMu.Unlock()
	for _, p := range s.pollers {
		p.wakeup()
	}
}

func (s *Server) closeFDs() {
	if s.lfd >= 0 {
		unix.Close(s.lfd)
		s.lfd = -1
	}
	if s.stopfd >= 0 {
		unix.Close(s.stopfd)
		s.stopfd = -1
	}
	s.pollersMu.Lock()
	for _, p := range s.pollers {
		p.close()
	}
	s.pollers = nil
	s.pollersMu.Unlock()
}
