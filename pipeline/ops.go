package pipeline

import (
	"errors"
	"fmt"
	"os"
	"time"
)

// Ops is the part of Config about running the server as a service: where
// its listening socket comes from, and what happens when the process runs
// out of file descriptors. Its zero value is the default.
type Ops struct {
	// Listener, if not nil, is an already-listening TCP socket to serve
	// instead of binding Addr: one inherited from systemd (socket
	// activation; see Inherited) or from a supervisor that keeps the port
	// open across restarts, so that connections wait in its backlog, never
	// refused, while one process hands over to the next. New takes a
	// duplicate of the descriptor: the caller still owns Listener and may
	// close it once New has returned, or keep it for a successor. Default
	// nil: bind Addr.
	Listener *os.File

	// ReusePort sets SO_REUSEPORT on the listening socket before it binds,
	// so that several processes can listen on one port: the kernel spreads
	// new connections over them (one process per core), and a new process
	// can start listening before the old one stops (a restart in place).
	// Ignored with Listener. Default false. Refused on Windows, which has
	// no SO_REUSEPORT. On macOS and FreeBSD plain SO_REUSEPORT lets the
	// processes bind the port together but does not spread connections
	// over them as Linux's does (FreeBSD's SO_REUSEPORT_LB would; it is
	// not set).
	//
	// On Linux, a listener that closes resets the connections still
	// waiting in its accept queue unless the sysctl
	// net.ipv4.tcp_migrate_req is 1 (Linux 5.14 and later), which moves
	// them to another listener of the group: set it for restarts in place
	// that lose nothing.
	ReusePort bool

	// SpareFDs is how many descriptors the server keeps open in reserve
	// (of /dev/null) for the moment the process runs out: when accept(2)
	// fails with EMFILE or ENFILE, a spare is closed, the waiting
	// connection is accepted with the descriptor that frees, and the spare
	// is opened again once that connection is closed. What the connection
	// gets is ServeSpare's choice. Default 1; at most 64; negative: none
	// (accept then backs off 10ms at a time, and clients wait unseen in the
	// kernel's backlog until descriptors free up). Unix only: Windows has
	// no descriptor limit of this kind, and keeps no spares.
	SpareFDs int

	// ServeSpare serves a connection accepted with a spare descriptor like
	// any other: for the admin listener, which must stay reachable when the
	// public side has exhausted the process. Default false: it is answered
	// 503 with Retry-After and closed at once, so the client learns to come
	// back instead of waiting unseen.
	ServeSpare bool

	// IdleGrace is how long, once Shutdown has begun, a keep-alive
	// connection that is idle (or new, with no request yet) may still bring
	// one more request, which is answered with "Connection: close"; then
	// it is closed. HTTP/1.1 has no way to tell a client "stop sending
	// here": a client that reuses the connection at the instant it is
	// closed loses its request, and may retry it only if it is idempotent.
	// Under load most idle connections are about to be used again, so a
	// short grace lets them end cleanly after one more response. Default 0:
	// idle connections are closed at once. The drain lasts at least this
	// long when idle connections remain, so keep it well below Shutdown's
	// deadline.
	IdleGrace time.Duration

	// DeferAccept makes the kernel hand a new connection to accept only
	// once its first bytes have arrived, or once DeferAccept has passed
	// (TCP_DEFER_ACCEPT, whole seconds; Apache's "AcceptFilter http data"
	// and nginx's "listen ... deferred" do the same). A client sends its
	// request right after the handshake, so its connection is read at once
	// instead of being accepted, found empty, registered and woken for
	// again — about half the server's work for a connection that carries
	// one request — and a connection that never speaks costs nothing until
	// DeferAccept has passed (then HeaderTimeout applies as usual). Default
	// 1s; negative: off. Linux only.
	DeferAccept time.Duration
}

// MaxSpareFDs bounds Ops.SpareFDs.
const MaxSpareFDs = 64

func (o Ops) defaults() Ops {
	if o.SpareFDs == 0 {
		o.SpareFDs = 1
	}
	if o.DeferAccept == 0 {
		o.DeferAccept = time.Second
	}
	return o
}

func (o Ops) validate() error {
	var errs []error
	if o.SpareFDs > MaxSpareFDs {
		errs = append(errs, fmt.Errorf("spare descriptors must be at most %d, got %d", MaxSpareFDs, o.SpareFDs))
	}
	if o.IdleGrace < 0 {
		errs = append(errs, fmt.Errorf("idle grace must not be negative, got %v", o.IdleGrace))
	}
	return errors.Join(errs...)
}

// closingIdle reports whether a draining server closes idle connections
// at now: once its IdleGrace has passed.
func (s *Server) closingIdle(now int64) bool {
	return s.draining.Load() && now >= s.idleCloseAt.Load()
}
