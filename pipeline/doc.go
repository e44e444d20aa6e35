// Package pipeline is pipehttp's staged server: the goroutines, the bounded
// queues between them, and the lifecycle (New, Serve, Shutdown). The
// synchronous cores it drives — parser, router, files, static — start no
// goroutines of their own.
//
//	listener ─▶ [accept] ───────────────┐
//	                                    ▼
//	            [poll]        ─batch─▶ (parse q) ─▶ [parse] ─batch─▶ (route q) ─▶ [route] ─┬─batch─────────▶ (write q) ─▶ [write] ─▶ socket
//	                 ▲   │                                                                  └▶ (file q) ─▶ [file-I/O] ─┘        │
//	                 │   └─writable─────────────────────────────────────────────────────────────────────────▶ (write q)          │
//	                 └──── released: waiting for input or for the socket; handed back when input is already waiting ◀───────────┘
//
// # Stages
//
// Each stage is a number of workers reading one bounded channel; the counts
// and capacities are Config fields (and command-line flags), and one table
// (stages.go) says, for each, its queue, what a full queue does, and why it
// sheds work:
//
//   - accept (AcceptWorkers): accept(2) until EAGAIN, parked in the Go
//     runtime's network poller between bursts. Past MaxConns a connection
//     is answered 503 with Retry-After and closed. The new connections are
//     offered to the parse queue as one batch, without waiting; if it is
//     full they wait for their bytes in the poller.
//   - poll (PollWorkers): the readiness stage. Idle keep-alive
//     connections live here, holding no worker and no buffer. It never
//     blocks: what one harvest finds goes on as one batch per queue, and a
//     batch for a full queue waits on an overflow list while the poller
//     keeps taking events and enforcing deadlines. It ends timed-out
//     connections itself. Where readiness comes from is Config.Poller (see
//     Pollers, below).
//   - parse (ParseWorkers, ParseQueue): non-blocking reads into a buffer
//     borrowed while a request is in flight; up to MaxPipelined complete
//     requests of a connection become its batch. Sending the connections on
//     blocks while the route queue is full.
//   - route (RouteWorkers, RouteQueue): the router answers cheap requests
//     in place; at most MaxConnFiles file requests of a connection go to the
//     file pool, without waiting: if its queue is full they wait in the
//     waiting room (one goroutine, admit.go) at most QueueWait and are
//     otherwise answered 503 with Retry-After — a route worker never waits
//     for the disk.
//   - file-I/O (FileWorkers, FileQueue): the only goroutines that touch the
//     disk, so a slow disk delays file requests and nothing else.
//   - write (WriteWorkers, WriteQueue): a connection comes here once every
//     response of its batch is ready; they leave in request order, together
//     in one send or sendmsg, file bodies by sendfile. Never blocks: a
//     short write hands the connection to the poller until the socket is
//     writable.
//
// # Hand-offs cost per batch, not per request
//
// What travels on the parse, route and write queues is a batch: the
// connections one producer had ready at once (a harvest of epoll_wait, a
// burst of accepts, a parse worker's output). One channel operation and at
// most one wake-up carry them all, and the receiving worker reads the clock
// once for all of them (deadlines and histograms). Under load a request
// costs a read and a write system call and its share of one epoll_wait:
// the poller parks in the runtime's poller (its epoll descriptor is itself
// watched there), so no thread sits blocked in epoll_wait and no processor
// is handed between threads. Socket calls are made raw (sys_linux.go):
// every descriptor is non-blocking. (That is the epoll poller; the
// portable one costs two more goroutine wake-ups per request.)
//
// # Pollers
//
// A poller is one goroutine that owns the armed connections given to it:
// its table, its inbox of connections handed back, its batches and
// overflow list, its deadlines (poller.go). Readiness reaches it from one
// of two sources, the same poller and stages either way:
//
//   - epoll (Linux, the default there; epoll_linux.go): one epoll set per
//     poller, each connection registered once, edge-triggered. An idle
//     connection is an epoll entry, a table slot and its conn struct: a few
//     hundred bytes and no goroutine.
//   - portable (everywhere, the default elsewhere; portable.go): each
//     connection has a goroutine that waits for it in the Go runtime's
//     network poller (kqueue on macOS and the BSDs, IOCP on Windows, epoll
//     on Linux) while the connection is armed, and reports what it finds to
//     the poller, which acts on it as on an epoll event. An idle connection
//     holds that goroutine: several KB.
//
// Socket calls are per system: raw system calls on Linux (sys_linux.go),
// golang.org/x/sys/unix's portable functions on other unix systems
// (sys_unix.go; the build tag pipehttp_xsys uses them on Linux too, which
// is how CI runs them), Winsock on Windows (sys_windows.go: compiled and
// vetted, never run here).
//
// # Who owns a connection
//
// A connection is registered once with its poller (under epoll,
// edge-triggered, for input, output and hang-up). Its state word (conn.go) says who owns it: the poller (armed,
// waiting for input, for the socket, or lingering), or the stages (busy).
// Only the poller moves it from armed to busy, only the owner from busy to
// armed, each with one compare-and-swap; an edge that arrives while the
// connection is busy is recorded in the same word, and the owner that
// would arm it finds the edge and acts on it instead. Nothing is lost and
// no epoll_ctl is made per request. (The portable source's waiters watch
// only armed connections: release wakes the connection's waiter, one
// branch on a field that is nil under epoll.)
//
// While busy, a connection belongs to one parse worker, then to its batch:
// nobody reads from it again until every response of the batch is written,
// which is what keeps responses in request order with no reordering. Only
// safe methods share a batch (RFC 9112 §9.3.2). The route stage sets how
// many file jobs the batch waits for before handing the first over, and
// the file job that completes last sends the connection to the write
// stage. A body that is streamed (stream.go) is the one exception: its
// batch is that one request, and the parse stage and a file worker take
// turns with the connection until the body ends. Stages never send into a
// queue behind them: a connection that has input waiting goes back through
// its poller (poller.handBack), so the stage graph has no cycle and the
// queues can be closed in pipeline order at shutdown.
//
// # Per connection, a share
//
// MaxPipelined requests and MaxConnFiles file jobs at a time; at most
// 64 KiB of serialized output waiting for the kernel; a streamed upload
// holds 64 KiB while its bytes move and at most 4 KiB while it waits. What
// is over a cap stays unparsed in the read buffer, and past that in the
// kernel, so TCP pushes back on the client.
//
// # Deadlines measure progress
//
// The head of a request must arrive within HeaderTimeout of its first byte
// (and a new connection must speak within HeaderTimeout); a body or a
// response may pause at most BodyTimeout or WriteTimeout, and once it has
// taken longer than that it must keep up MinRate on average. A deadline
// moves only when bytes move. Each poller sweeps its table every 250ms.
//
// # Panics
//
// A handler's panic is a 500 for that request. A panic in the pipeline's
// own code is contained to its connection: logged with its stack
// ("pipeline panic"), counted (Stats.Panics), the connection ended and its
// resources released; the worker goes on. A panic that escapes that
// containment ends the process, with its stack, at once.
//
// # Watching and resizing
//
// Server.Stats is a snapshot of every stage (workers, busy, queue fill,
// items taken, items shed by reason, queue-wait and service-time
// histograms), of each route (responses by status class, bytes, latency)
// and of the connections. Counting is atomics in per-worker shards.
// Config.AccessLog gets one record per response from the write stage.
// Server.Resize changes a stage's worker count while it runs, and
// Config.Admission, if set, is asked about every routed request in the
// route stage (gate.go; package autotune drives both). Package admin
// serves all of this over a second Server.
//
// # Lifecycle
//
// Every goroutine is started by Serve and has an owner that waits for it:
// the pools are conc.WaitGroups, the producers (accept, poll) errgroups,
// the portable poller's waiters a WaitGroup of their poller's (each
// returns once its connection is closed).
// Shutdown closes the listener the moment it begins, closes idle
// connections (after Ops.IdleGrace, during which one more request on them
// is still answered), lets in-flight requests finish (their last response
// says Connection: close), then stops the pollers and closes each queue
// after every stage that sends on it has stopped, in pipeline order.
//
// # Operations
//
// The listening socket is bound from Addr (with SO_REUSEPORT if
// Ops.ReusePort: several processes share the port, and a new one can start
// before the old one drains) or inherited (Ops.Listener: systemd socket
// activation, a supervisor). A few descriptors are held in reserve
// (spare_unix.go) so that running out of them (EMFILE) answers clients 503
// with Retry-After instead of leaving them in the backlog; an admin
// server serves from them instead (Ops.ServeSpare; unix only). With an
// access log, accept4 (or accept) also records the client's address;
// without one nothing is kept.
package pipeline
