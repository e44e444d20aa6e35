// Command pipehttp runs the staged HTTP/1.1 server.
//
//	pipehttp --directory /srv/files [--port 4221] [--host ADDR] [stage flags]
//	pipehttp [flags] DIR            static mode: serve the tree DIR at / (same as --root DIR), read-only
//	pipehttp [flags] serve [DIR]    the same; DIR defaults to "."
//
// Without a DIR the classic routes are served as always: /, /echo/{s},
// /user-agent and /files/{name} from --directory, uploads included
// (--uploads=false turns them off). With a DIR the tree owns the whole URL
// space and nothing is writable: the classic routes come back only when
// asked for (--classic, or an explicit --directory), ahead of the tree's
// paths of the same names, which the banner lists; uploads only with
// --uploads.
//
// Run "pipehttp -h" for every flag. SIGUSR1 logs a snapshot of every stage.
//
// SIGINT or SIGTERM drains: /readyz answers 503 at once; after
// --drain-delay (default 0) the listener closes, idle keep-alive
// connections close and in-flight requests finish with "Connection:
// close". A second signal exits at once. Exit statuses:
//
//	0  stopped cleanly: every request in flight finished
//	1  could not start (bad flags, address in use), a stage failed, or a second signal
//	2  a panic in pipeline code escaped (a bug: the stack is on stderr)
//	3  stopped, but requests were still in flight when --shutdown-timeout
//	   passed (abandoned), or a handler was stuck past it
//
// Zero-downtime restarts: --reuse-port lets a new process listen on the
// port before the old one drains; a socket passed by systemd (LISTEN_FDS,
// LISTEN_PID, LISTEN_FDNAMES: socket activation) is served instead of
// binding --host and --port. See deploy/README.md for both recipes.
//
// The admin listener (--admin-addr, default 127.0.0.1:9421) serves
// /metrics, /debug/pipeline, /debug/pipeline.json, live resizing, /healthz
// and /readyz; see package admin. If the default address is taken (another
// pipehttp on this host) the server runs without it and says so in one
// line; an explicit --admin-addr that cannot be bound is an error.
// --access-log writes one line per request (text, JSON or the Combined Log
// Format, --access-log-format).
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"time"

	"pipehttp/accesslog"
	"pipehttp/admin"
	"pipehttp/autotune"
	"pipehttp/files"
	"pipehttp/parser"
	"pipehttp/pipeline"
	"pipehttp/response"
	"pipehttp/router"
	"pipehttp/static"
)

func main() {
	if err := run(os.Args[1:], os.Stderr); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return
		}
		fmt.Fprintln(os.Stderr, "pipehttp:", err)
		var exit *exitError
		if errors.As(err, &exit) {
			os.Exit(exit.code)
		}
		os.Exit(exitFailed)
	}
}

// options are the command line, parsed.
type options struct {
	host, dir       string
	root            string // static mode when not empty
	dirExplicit     bool   // --directory was given
	classic         bool   // the built-in routes are on
	uploads         bool   // POST and PUT on /files/
	dotfiles        bool
	port            int
	queue           int
	filesDelay      time.Duration
	fileCache       int64         // bytes of small files kept in memory (0: off)
	fileCacheValid  time.Duration // how long a cached file is trusted
	shutdownTimeout time.Duration
	statsInterval   time.Duration
	adminAddr       string // "" turns the admin listener off
	adminExplicit   bool   // --admin-addr was given: failing to bind it is fatal
	accessLog       string // "" off, "-" stdout, else a file appended to
	logFormat       string // "text" or "json"
	accessFormat    string // "text", "json" or "combined"; default logFormat
	drainDelay      time.Duration
	cfg             pipeline.Config
	tune            autotune.Flags // autotune.go
}

const usage = `usage: pipehttp [flags] [DIR]
       pipehttp [flags] serve [DIR]

Without DIR: the classic routes /, /echo/{s}, /user-agent and /files/{name}
(from --directory, uploads on). With DIR: the tree DIR at /, read-only
(like python3 -m http.server --directory DIR); "serve" alone serves ".".

Flags:
`

func parseFlags(args []string, stderr io.Writer) (options, error) {
	var o options
	procs := runtime.GOMAXPROCS(0)
	fs := flag.NewFlagSet("pipehttp", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), usage)
		fs.PrintDefaults()
	}
	fs.StringVar(&o.host, "host", "", "interface address to listen on (default all interfaces)")
	fs.IntVar(&o.port, "port", 4221, "TCP port to listen on")
	fs.StringVar(&o.dir, "directory", ".", "directory served (and written, with uploads on) by /files/{name}; in static mode, giving it turns the classic routes on")
	fs.StringVar(&o.root, "root", "", "static mode: serve this directory tree at /, read-only (also: pipehttp DIR)")
	fs.BoolVar(&o.classic, "classic", false, "static mode: also serve /echo/, /user-agent and /files/ (from --directory), ahead of the tree's paths of those names")
	fs.BoolVar(&o.uploads, "uploads", false, "accept POST and PUT uploads on /files/ (default: on without a DIR, off in static mode)")
	fs.BoolVar(&o.dotfiles, "dotfiles", false, "static mode: serve and list names beginning with '.' (hidden and 404 by default; upload temp files stay hidden)")

	c := &o.cfg
	fs.IntVar(&c.AcceptWorkers, "accept-workers", 1, "accept stage workers")
	fs.IntVar(&c.PollWorkers, "poll-workers", 1, "readiness stage workers, one poller (epoll set) each")
	fs.StringVar(&c.Poller, "poller", "", "readiness stage: epoll (Linux only) or portable (a goroutine per connection parked in the Go runtime's poller; works wherever Go runs) (default $"+pipeline.PollerEnv+" if set, else "+pipeline.DefaultPoller+")")
	fs.IntVar(&c.ParseWorkers, "parse-workers", procs, "parse stage workers")
	fs.IntVar(&c.RouteWorkers, "route-workers", procs, "route stage workers")
	fs.IntVar(&c.WriteWorkers, "write-workers", procs, "write stage workers")
	fs.IntVar(&c.FileWorkers, "file-workers", 4*procs, "file-I/O pool workers (fixed; with --autotune the starting count, up to --file-workers-max)")
	fs.IntVar(&o.queue, "queue", 1024, "capacity of the parse, route and write queues unless set one by one")
	fs.IntVar(&c.ParseQueue, "parse-queue", 0, "parse queue capacity (default --queue)")
	fs.IntVar(&c.RouteQueue, "route-queue", 0, "route queue capacity (default --queue)")
	fs.IntVar(&c.WriteQueue, "write-queue", 0, "write queue capacity (default --queue)")
	fs.IntVar(&c.FileQueue, "file-queue", 0, "file queue capacity (default 8 × --file-workers)")
	fs.DurationVar(&c.QueueWait, "queue-wait", 250*time.Millisecond, "longest wait for room in the file queue before 503 (negative: none)")
	fs.IntVar(&c.MaxConns, "max-conns", 16384, "open connections; past it new ones get 503 and are closed")
	fs.IntVar(&c.MaxPipelined, "max-pipelined", 32, "requests taken from one connection at a time; the rest wait unread (TCP pushes back)")
	fs.IntVar(&c.MaxConnFiles, "max-conn-files", 4, "file requests of one connection in flight at a time (file workers, open files)")
	fs.Int64Var(&c.MinRate, "min-rate", 1024, "bytes/s a body or response must average once it has taken longer than its timeout (0: no minimum)")
	fs.DurationVar(&c.HeaderTimeout, "header-timeout", 10*time.Second, "time from a request's first byte to the end of its head; also how long a new connection may stay silent")
	fs.DurationVar(&c.BodyTimeout, "body-timeout", 30*time.Second, "longest pause in receiving a request body (see --min-rate)")
	fs.DurationVar(&c.IdleTimeout, "idle-timeout", 60*time.Second, "how long a keep-alive connection may wait for its next request")
	fs.DurationVar(&c.WriteTimeout, "write-timeout", 30*time.Second, "longest pause in which a client accepts none of a response (see --min-rate)")
	fs.IntVar(&c.Limits.MaxRequestLine, "max-request-line", 8192, "request line bytes (414 past it)")
	fs.IntVar(&c.Limits.MaxHeaderBytes, "max-header-bytes", 16384, "header section bytes (431 past it)")
	fs.IntVar(&c.Limits.MaxHeaders, "max-headers", 100, "header fields (431 past it)")
	fs.Int64Var(&c.Limits.MaxBody, "max-body", 64<<20, "request body bytes (413 past it)")
	fs.Int64Var(&o.fileCache, "file-cache", 16<<20, "bytes of small /files/ files (up to 64 KiB each) kept in memory, answered without the disk (0: off)")
	fs.DurationVar(&o.fileCacheValid, "file-cache-valid", time.Second, "how long a cached file is trusted before it is read again (changes made behind the server's back show after this; uploads through it at once)")
	fs.DurationVar(&o.filesDelay, "files-delay", 0, "slow-disk simulation: every file operation takes at least this long")
	fs.DurationVar(&o.shutdownTimeout, "shutdown-timeout", 10*time.Second, "graceful shutdown limit, from the listener's close; in-flight requests are abandoned after it (exit status 3)")
	fs.DurationVar(&o.drainDelay, "drain-delay", 0, "on SIGTERM/SIGINT, answer /readyz 503 for this long before closing the listener, so a load balancer's health check notices first")
	fs.DurationVar(&c.DeferAccept, "defer-accept", time.Second, "accept a new connection only once its first bytes arrive, or after this long (TCP_DEFER_ACCEPT; 0: off)")
	fs.DurationVar(&c.IdleGrace, "idle-grace", time.Second, "on shutdown, how long an idle keep-alive connection may still bring one more request (answered with Connection: close) before it is closed")
	fs.BoolVar(&c.ReusePort, "reuse-port", false, "listen with SO_REUSEPORT (public and admin): several processes share the port, and a new one can start before the old one drains")
	fs.DurationVar(&o.statsInterval, "stats-interval", 0, "log a snapshot of every stage this often (0: only on SIGUSR1)")
	fs.StringVar(&o.adminAddr, "admin-addr", "127.0.0.1:9421", "admin listener for /metrics, /debug/pipeline and live resizing (empty: off)")
	fs.StringVar(&o.accessLog, "access-log", "", "access log: one line per request to this file, or - for stdout (default off)")
	fs.StringVar(&o.logFormat, "log-format", "text", "format of the server log (and of the access log, unless --access-log-format): text or json")
	fs.StringVar(&o.accessFormat, "access-log-format", "", "format of the access log: text, json or combined (the Combined Log Format); default --log-format")
	o.tune.Register(fs)
	// Flags may come before and after the positional arguments, as in
	// "pipehttp site --port 8000".
	var positional []string
	for {
		if err := fs.Parse(args); err != nil {
			return o, err
		}
		if fs.NArg() == 0 {
			break
		}
		positional = append(positional, fs.Arg(0))
		args = fs.Args()[1:]
	}
	uploadsSet := false
	fs.Visit(func(f *flag.Flag) {
		switch f.Name {
		case "admin-addr":
			o.adminExplicit = true
		case "directory":
			o.dirExplicit = true
		case "uploads":
			uploadsSet = true
		}
	})
	if err := o.takePositional(positional); err != nil {
		return o, err
	}
	if err := o.chooseRoutes(uploadsSet); err != nil {
		return o, err
	}
	if err := checkBounds(fs); err != nil {
		return o, err
	}
	if c.Poller != "" && c.Poller != pipeline.PollerEpoll && c.Poller != pipeline.PollerPortable {
		return o, fmt.Errorf("--poller must be %s or %s, got %q", pipeline.PollerEpoll, pipeline.PollerPortable, c.Poller)
	}
	if o.logFormat != "text" && o.logFormat != "json" {
		return o, fmt.Errorf("--log-format must be text or json, got %q", o.logFormat)
	}
	if o.accessFormat == "" {
		o.accessFormat = o.logFormat
	}
	if o.accessFormat != "text" && o.accessFormat != "json" && o.accessFormat != "combined" {
		return o, fmt.Errorf("--access-log-format must be text, json or combined, got %q", o.accessFormat)
	}
	for _, q := range []*int{&c.ParseQueue, &c.RouteQueue, &c.WriteQueue} {
		if *q == 0 {
			*q = o.queue
		}
	}
	if c.DeferAccept == 0 {
		c.DeferAccept = -1 // the flag's 0 is "off"; the Config's is "the default"
	}
	if c.MinRate == 0 {
		c.MinRate = -1 // the flag's 0 is "no minimum"; the Config's is "the default"
	}
	c.Addr = net.JoinHostPort(o.host, strconv.Itoa(o.port))
	if err := o.checkAutotune(); err != nil {
		return o, err
	}
	return o, nil
}

// flagBounds are the values each numeric flag accepts. A flag given on the
// command line with a value outside them is refused at start, naming the
// flag: a typed 0 is never a request for the default, and an absurd value
// (a queue of 2^46 items, a header limit that overflows an int) must not
// start a server that then fails on its first request. Flags not listed
// accept every value their type parses (--queue-wait: negative is "no
// waiting").
var flagBounds = map[string]struct{ lo, hi int64 }{
	"port":             {0, 65535},
	"accept-workers":   {1, pipeline.MaxStageWorkers},
	"poll-workers":     {1, pipeline.MaxStageWorkers},
	"parse-workers":    {1, pipeline.MaxStageWorkers},
	"route-workers":    {1, pipeline.MaxStageWorkers},
	"write-workers":    {1, pipeline.MaxStageWorkers},
	"file-workers":     {1, pipeline.MaxStageWorkers},
	"queue":            {1, pipeline.MaxQueue},
	"parse-queue":      {1, pipeline.MaxQueue},
	"route-queue":      {1, pipeline.MaxQueue},
	"write-queue":      {1, pipeline.MaxQueue},
	"file-queue":       {1, pipeline.MaxQueue},
	"max-conns":        {1, pipeline.MaxConnsCeiling},
	"max-pipelined":    {1, pipeline.PipelinedCeiling},
	"max-conn-files":   {1, pipeline.ConnFilesCeiling},
	"min-rate":         {0, 1 << 40},
	"max-request-line": {1, parser.CeilingRequestLine},
	"max-header-bytes": {1, parser.CeilingHeaderBytes},
	"max-headers":      {1, parser.CeilingHeaders},
	"max-body":         {1, parser.CeilingBody},
	"header-timeout":   {1, int64(24 * time.Hour)},
	"body-timeout":     {1, int64(24 * time.Hour)},
	"idle-timeout":     {1, int64(24 * time.Hour)},
	"write-timeout":    {1, int64(24 * time.Hour)},
	"shutdown-timeout": {1, int64(24 * time.Hour)},
	"drain-delay":      {0, int64(time.Hour)},
	"idle-grace":       {0, int64(time.Hour)},
	"defer-accept":     {0, int64(time.Hour)},
	"files-delay":      {0, int64(time.Hour)},
	"file-cache":       {0, 1 << 40},
	"file-cache-valid": {1, int64(24 * time.Hour)},
	"stats-interval":   {0, int64(24 * time.Hour)},
}

// checkBounds refuses every flag set on the command line outside its
// flagBounds.
func checkBounds(fs *flag.FlagSet) error {
	var errs []error
	fs.Visit(func(f *flag.Flag) {
		b, ok := flagBounds[f.Name]
		if !ok {
			return
		}
		var v int64
		switch x := f.Value.(flag.Getter).Get().(type) {
		case int:
			v = int64(x)
		case int64:
			v = x
		case time.Duration:
			v = int64(x)
			if v < b.lo || v > b.hi {
				errs = append(errs, fmt.Errorf("--%s must be from %v to %v, got %v", f.Name, time.Duration(b.lo), time.Duration(b.hi), x))
			}
			return
		default:
			return
		}
		if v < b.lo || v > b.hi {
			errs = append(errs, fmt.Errorf("--%s must be from %d to %d, got %d", f.Name, b.lo, b.hi, v))
		}
	})
	return errors.Join(errs...)
}

// takePositional reads "DIR" or "serve [DIR]": the python3 -m http.server
// habit. "serve" alone serves the current directory.
func (o *options) takePositional(args []string) error {
	if len(args) > 0 && args[0] == "serve" {
		args = args[1:]
		if len(args) == 0 {
			args = []string{"."}
		}
	}
	switch {
	case len(args) == 0:
		return nil
	case len(args) > 1:
		return fmt.Errorf("unexpected arguments: %q (one directory at most)", args)
	case o.root != "":
		return fmt.Errorf("both --root %q and the argument %q name the tree to serve", o.root, args[0])
	}
	o.root = args[0]
	return nil
}

// chooseRoutes settles which routes are on and whether uploads are, so
// that a user publishing a folder is never surprised: static mode is
// read-only and owns every path unless asked otherwise.
func (o *options) chooseRoutes(uploadsSet bool) error {
	if o.root == "" {
		switch {
		case o.dotfiles:
			return fmt.Errorf("--dotfiles needs static mode (--root DIR or a DIR argument)")
		case o.classic:
			return fmt.Errorf("--classic needs static mode (--root DIR or a DIR argument): without one the classic routes are always on")
		}
		o.classic = true
		if !uploadsSet {
			o.uploads = true // the classic server takes uploads, as it always has
		}
		return nil
	}
	o.classic = o.classic || o.dirExplicit
	if o.uploads && !o.dirExplicit {
		// Name the folder that becomes writable: never "." by default.
		return fmt.Errorf("--uploads in static mode needs --directory DIR: the folder /files/ writes to (the tree itself is never written through /)")
	}
	return nil
}

// routerConfig is the route table the options ask for.
func (o *options) routerConfig() router.Config {
	access := router.FilesReadOnly
	if o.uploads {
		access = router.FilesReadWrite
	}
	return router.Config{Static: o.root != "", NoBuiltin: !o.classic, Files: access}
}

// shadowed lists the tree's own paths that the built-in routes answer
// instead (static mode with --classic): the built-in prefixes, and which of
// them exist in the tree.
func (o *options) shadowed() (prefixes string, inTree []string) {
	if o.root == "" || !o.classic {
		return "", nil
	}
	for _, name := range []string{"echo", "files", "user-agent"} {
		if _, err := os.Lstat(filepath.Join(o.root, name)); err == nil {
			inTree = append(inTree, "/"+name)
		}
	}
	return "/echo, /echo/*, /user-agent, /files, /files/*", inTree
}

func run(args []string, stderr io.Writer) error {
	o, err := parseFlags(args, stderr)
	if err != nil {
		return err
	}
	log := slog.New(logHandler(o.logFormat, stderr))
	if o.accessLog != "" {
		w, closeLog, err := openAccessLog(o.accessLog)
		if err != nil {
			return err
		}
		defer closeLog()
		o.cfg.AccessLog = slog.New(accessHandler(o.accessFormat, w))
	}
	in, err := inheritedListeners()
	if err != nil {
		return err
	}
	defer in.close()
	o.cfg.Listener = in.public
	// Catch signals before anything can announce that we are up.
	signals := make(chan os.Signal, 2)
	signal.Notify(signals, notifySignals...)
	defer signal.Stop(signals)

	onError := serverErrors(log)
	treeMode := o.root != ""
	handlers := pipeline.Handlers{
		Router:    router.NewWith(o.routerConfig()),
		Files:     treeOnly{},
		ErrorForm: func(req *parser.Request) response.ErrorForm { return router.ErrorFormFor(req, treeMode) },
	}
	if o.classic {
		store, err := files.Open(o.dir)
		if err != nil {
			return err
		}
		defer store.Close()
		fh := &files.Handler{Store: store, Delay: o.filesDelay, ReadOnly: !o.uploads, TextErrors: o.root != "", OnError: onError}
		if o.fileCache > 0 {
			fh.Cache = files.NewMemCache(64<<10, o.fileCache, o.fileCacheValid)
		}
		handlers.Files = fh
		handlers.Receive = receiver(fh)
		if o.uploads {
			// Only a store this server writes to can hold its temp files; a
			// crash leaves them behind. Nothing else is ever removed.
			n, err := store.RemoveStaleUploads()
			log.Info("removed leftover upload temp files", "count", n, "directory", o.dir)
			if err != nil {
				log.Warn("sweeping leftover upload temp files", "err", err)
			}
		}
	}
	if o.root != "" {
		sh, err := static.New(o.root, static.Config{Dotfiles: o.dotfiles, OnError: onError})
		if err != nil {
			return err
		}
		defer sh.Close()
		handlers.Static = sh
	}
	tune, err := o.prepareAutotune()
	if err != nil {
		return err
	}
	srv, err := pipeline.New(o.cfg, handlers, log)
	if err != nil {
		return err
	}
	var adminSrv *pipeline.Server
	var adminRouter *admin.Router
	if o.adminAddr != "" || in.admin != nil {
		adminRouter = admin.New(srv, log)
		cfg := admin.Config(o.adminAddr)
		cfg.ReusePort = o.cfg.ReusePort
		cfg.Poller = srv.Config().Poller
		cfg.Listener = in.admin
		adminSrv, err = admin.NewServerWith(cfg, adminRouter, log)
		switch {
		case err != nil && (o.adminExplicit || in.admin != nil):
			srv.Shutdown(context.Background()) // not serving yet: closes the listener
			return fmt.Errorf("admin listener: %w", err)
		case err != nil:
			// The default address is taken (another pipehttp, say): serve
			// without the admin listener rather than not at all.
			log.Warn("admin listener off: its default address is in use (another pipehttp?); choose one with --admin-addr", "addr", o.adminAddr)
			adminSrv, adminRouter = nil, nil
		}
	}
	// The servers hold duplicates of inherited sockets: ours must go, or
	// the socket would stay open (and fill its backlog) after a shutdown.
	in.close()
	if err := tune.start(&o, srv, adminRouter, log); err != nil {
		srv.Shutdown(context.Background())
		if adminSrv != nil {
			adminSrv.Shutdown(context.Background())
		}
		return err
	}
	defer tune.stop()
	rlimit := checkFDLimit(log, srv.Config().MaxConns, srv.Config().FileWorkers)
	if o.cfg.ReusePort {
		reusePortNotice(log)
	}
	banner(log, srv, adminSrv, o, in, rlimit)
	served := make(chan error, 1)
	go func() { served <- srv.Serve() }()
	if adminSrv != nil {
		log.Info("admin listening", "addr", adminSrv.Addr().String(),
			"metrics", "/metrics", "dashboard", "/debug/pipeline", "json", "/debug/pipeline.json",
			"health", "/healthz", "ready", "/readyz")
		adminServed := make(chan error, 1)
		go func() { adminServed <- adminSrv.Serve() }()
		// The admin listener outlives the main server's drain, so a
		// shutdown can be watched; it stops last.
		defer func() {
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
			defer cancel()
			adminSrv.Shutdown(ctx)
			if err := <-adminServed; err != nil {
				log.Error("admin listener failed", "err", err)
			}
		}()
	}

	var tick <-chan time.Time
	if o.statsInterval > 0 {
		t := time.NewTicker(o.statsInterval)
		defer t.Stop()
		tick = t.C
	}
	for {
		select {
		case err := <-served:
			return err
		case <-tick:
			logStats(log, srv.Stats())
		case sig := <-signals:
			if sig == statsSignal {
				logStats(log, srv.Stats())
				continue
			}
			log.Info("shutting down", "signal", sig.String(), "drain_delay", o.drainDelay, "timeout", o.shutdownTimeout)
			return drain(log, srv, adminRouter, o, signals, served)
		}
	}
}

// logHandler is a slog handler writing format ("text" or "json") to w.
func logHandler(format string, w io.Writer) slog.Handler {
	if format == "json" {
		return slog.NewJSONHandler(w, nil)
	}
	return slog.NewTextHandler(w, nil)
}

// accessHandler is the access log's handler: logHandler's, or the
// Combined Log Format.
func accessHandler(format string, w io.Writer) slog.Handler {
	if format == "combined" {
		return accesslog.NewCombined(w)
	}
	return logHandler(format, w)
}

// openAccessLog opens the access log: "-" is stdout, anything else a file
// opened for appending (created 0644).
func openAccessLog(path string) (io.Writer, func(), error) {
	if path == "-" {
		return os.Stdout, func() {}, nil
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
	if err != nil {
		return nil, nil, fmt.Errorf("access log: %w", err)
	}
	return f, func() { f.Close() }, nil
}

// serverErrors is the OnError of the file and static handlers: every 5xx
// is logged once, with its cause, on the file worker that answered it (the
// client sees only the status). 4xx answers are the client's business and
// are not logged.
func serverErrors(log *slog.Logger) func(*parser.Request, int, error) {
	return func(req *parser.Request, status int, err error) {
		if status >= 500 {
			log.Error("server error", "status", status, "method", string(req.Method), "target", string(req.Target), "err", err)
		}
	}
}

// treeOnly is the file handler of static mode without the classic routes:
// the router never sends it a request, and it would answer 404.
type treeOnly struct{}

func (treeOnly) Serve(req *parser.Request, resp *response.Response) {
	resp.Error(404, router.ErrorFormFor(req, true))
}

// receiver adapts files.Handler.Receive to pipeline.Handlers.Receive
// (keeping a nil *files.Receiver from becoming a non-nil interface).
func receiver(fh *files.Handler) func(*parser.Request, *response.Response) pipeline.BodySink {
	return func(req *parser.Request, resp *response.Response) pipeline.BodySink {
		if r := fh.Receive(req, resp); r != nil {
			return r
		}
		return nil
	}
}

func banner(log *slog.Logger, srv, adminSrv *pipeline.Server, o options, in inherited, rlimit uint64) {
	c := srv.Config()
	dashboard, listener := "off", "bound"
	if adminSrv != nil {
		dashboard = urlOf(adminSrv.Addr(), "/debug/pipeline")
	}
	switch {
	case in.public != nil:
		listener = "inherited (" + in.public.Name() + ")"
	case c.ReusePort:
		listener = "bound with SO_REUSEPORT"
	}
	mode, routes, dir := "classic", "/, /echo/, /user-agent, /files/", o.dir
	if o.root != "" {
		mode, routes = "static", "the tree at / (read-only)"
		if o.classic {
			routes = "/echo/, /user-agent, /files/ (built-in), then the tree at / (read-only)"
		} else {
			dir = "" // /files/ is the tree's
		}
	}
	uploads := "off"
	if o.uploads {
		uploads = "POST and PUT on /files/ into " + o.dir
	}
	prefixes, inTree := o.shadowed()
	log.Info("pipehttp listening",
		"addr", srv.Addr().String(), "url", urlOf(srv.Addr(), "/"), "dashboard", dashboard, "listener", listener, "mode", mode, "routes", routes, "uploads", uploads,
		"directory", dir, "root", o.root, "shadowed", prefixes, "dotfiles", o.dotfiles, "gomaxprocs", runtime.GOMAXPROCS(0),
		"poller", c.Poller,
		"workers", fmt.Sprintf("accept=%d poll=%d parse=%d route=%d write=%d file=%d",
			c.AcceptWorkers, c.PollWorkers, c.ParseWorkers, c.RouteWorkers, c.WriteWorkers, c.FileWorkers),
		"queues", fmt.Sprintf("parse=%d route=%d write=%d file=%d", c.ParseQueue, c.RouteQueue, c.WriteQueue, c.FileQueue),
		"queue_wait", c.QueueWait, "max_conns", c.MaxConns,
		"timeouts", fmt.Sprintf("header=%v body=%v idle=%v write=%v", c.HeaderTimeout, c.BodyTimeout, c.IdleTimeout, c.WriteTimeout),
		"limits", fmt.Sprintf("request_line=%d header_bytes=%d headers=%d body=%d",
			c.Limits.MaxRequestLine, c.Limits.MaxHeaderBytes, c.Limits.MaxHeaders, c.Limits.MaxBody),
		"files_delay", o.filesDelay, "drain_delay", o.drainDelay, "idle_grace", c.IdleGrace, "shutdown_timeout", o.shutdownTimeout, "rlimit_nofile", rlimit,
		"admin_addr", o.adminAddr, "access_log", o.accessLog)
	if len(inTree) > 0 {
		log.Warn("the built-in routes shadow these paths of the tree; they are not served from it",
			"paths", strings.Join(inTree, " "), "root", o.root, "hint", "drop --classic and --directory to serve the tree whole")
	}
}

func logStats(log *slog.Logger, st pipeline.Stats) {
	for _, s := range st.Stages {
		log.Info("stage", "name", s.Name, "workers", s.Workers, "busy", s.Busy,
			"queue", fmt.Sprintf("%d/%d", s.QueueLen, s.QueueCap), "taken", s.Taken, "shed", s.Shed)
	}
	log.Info("connections", "open", st.OpenConns, "rejected", st.RejectedConns, "closed", st.ClosedConns,
		"timed_out", st.TimedOut, "bytes_in", st.BytesIn, "bytes_out", st.BytesOut, "panics", st.Panics)
}
