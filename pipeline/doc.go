// Package pipeline is pipehttp's staged server: the goroutines, the bounded
// queues between them, and the lifecycle (New, Serve, Shutdown). The
// synchronous cores it drives — parser, router, files — start no goroutines
// of their own.
//
//	listener ─▶ [accept] ──────────────┐
//	                                   ▼
//	            [poll: epoll] ─readable─▶ (parse queue) ─▶ [parse] ─▶ (route queue) ─▶ [route] ─┬──────────▶ (write queue) ─▶ [write] ─▶ socket
//	                 ▲                                                                          └▶ (file queue) ─▶ [file-I/O] ─┘      │
//	                 └──────────── re-armed: idle again, or waiting to write ◀──────────────────────────────────────────────────────┘
//
// # Stages
//
// Each stage is a fixed number of workers reading one bounded channel; the
// counts and capacities are Config fields (and command-line flags). What a
// full queue does is part of each stage's contract:
//
//   - accept (AcceptWorkers): accept(2) in a loop. Past MaxConns a
//     connection is answered 503 with Retry-After and closed. A new
//     connection is offered to the parse queue without waiting; if the
//     queue is full it is registered with the poller instead.
//   - poll (PollWorkers, one epoll set each): the readiness stage. Idle
//     keep-alive connections live here as epoll registrations, holding no
//     goroutine and no buffer. Every registration is one-shot, so each event
//     hands a connection to exactly one stage. Blocks while the parse queue
//     is full, which leaves input in the kernel: TCP flow control is the
//     backpressure. It also enforces every timeout.
//   - parse (ParseWorkers, ParseQueue): non-blocking reads into a buffer
//     borrowed for the flight, then every complete request in it becomes one
//     batch. Blocks while the route queue is full.
//   - route (RouteWorkers, RouteQueue): the router answers cheap requests
//     in place; file requests are offered to the file queue without
//     waiting. If it is full they wait in the waiting room (one goroutine,
//     admit.go) at most QueueWait and are otherwise answered 503 with
//     Retry-After: a route worker never waits for the disk.
//   - file-I/O (FileWorkers, FileQueue): the only goroutines that touch the
//     disk, so a slow disk delays file requests and nothing else.
//   - write (WriteWorkers, WriteQueue): responses of a connection leave in
//     request order, the ready ones together in one write or writev, file
//     bodies by sendfile. Never blocks: a short write arms the connection
//     for writability.
//
// # A connection is in one place at a time
//
// A connection is either armed in the poller, or owned by the stages: read
// by one parse worker, then, once it has sent a batch on, owned by that
// batch until the batch's last response is written. Nothing reads a
// connection whose batch is in flight, so the read side needs no lock and
// responses need no reordering beyond the batch's own sequence; pipelined
// requests in one batch are still routed and served in parallel. Only safe
// methods share a batch (RFC 9112 §9.3.2): an unsafe request waits for the
// requests before it, and the ones after it wait for it. A body that is
// streamed (stream.go) is the exception to "nothing reads": its batch is
// that one request, and the parse stage and a file worker take turns with
// the connection until the body ends. The cost is that a pipelining
// client's next requests wait for the current batch: they are parsed when
// it completes.
//
// # Watching and resizing
//
// Server.Stats is a snapshot of every stage (workers, busy, queue fill,
// items taken, items shed by reason, queue-wait and service-time
// histograms), of each route (responses by status class, bytes, latency)
// and of the connections. Counting is atomics in per-worker shards; timing
// is one nanotime per handoff, carried as one int64 on the connection or
// job (metrics.go; Config.DisableTiming turns it off). Config.AccessLog
// gets one record per response from the write stage. Server.Resize changes
// a stage's worker count while it runs (resize.go). Package admin serves
// all of this over a second Server.
//
// # Lifecycle
//
// Every goroutine is started by Serve and has an owner that waits for it:
// consumer stages are conc.WaitGroups, the producers (accept, poll) an
// errgroup. Shutdown stops accepting, closes idle connections, lets
// in-flight requests finish, then closes each queue after every stage that
// sends on it has stopped, in pipeline order. Handler panics become a 500
// for that request; a panic in the pipeline itself crashes the process.
package pipeline
