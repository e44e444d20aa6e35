package pipeline

import (
	"sync"
	"syscall"
	"time"
)

// portable is the readiness source that works wherever Go runs
// (Config.Poller "portable"; the default on every system but Linux). Each
// connection has a waiter: a goroutine that waits for its socket in the Go
// runtime's network poller (epoll on Linux, kqueue on macOS and the BSDs,
// IOCP on Windows), through a syscall.RawConn on its descriptor.
//
// A waiter waits only while its connection is armed. While the stages own
// the connection it is parked on a channel instead: a waiter that watched
// a busy connection would find the input the stages have not read yet,
// again and again. So conn.release, after the compare-and-swap that arms
// the connection, wakes the waiter (one branch on c.w, nil under epoll);
// the waiter reads the state word to learn what to wait for (input, or the
// socket taking output), and checks first, without consuming anything:
// recv with MSG_PEEK for input (the end of the stream and errors count as
// input, for whoever reads to find), a poll with no timeout for output.
// If nothing is ready it parks in the runtime's poller until something is.
//
// What a waiter finds goes to its poller's inbox, and the poller's loop
// passes it to poller.event, exactly as the epoll source passes what
// epoll_wait returns: batching, the overflow list, deadlines, draining and
// the never-block rule are the poller's, the same for both sources. The
// waiters never take a connection themselves.
//
// Cost: an idle connection holds a parked goroutine (its stack and
// descriptor), the runtime poller's registration of its socket and an
// os.File around it, and a channel: several KB, against the epoll
// source's few hundred bytes (README, "Measured here"). A request costs
// two more goroutine wake-ups than under epoll (the waiter, then the
// poller's loop) and a peek.
type portable struct {
	p        *poller
	wakeCh   chan struct{} // cap 1: wake was called
	timer    *time.Timer
	timerDue int64 // nanotime the timer is set for; 0: not set

	// waiters are the connections' goroutines. Each returns once its
	// connection is closed; close waits for them all.
	waiters sync.WaitGroup
}

func newPortable(p *poller) *portable {
	t := time.NewTimer(time.Hour)
	t.Stop()
	return &portable{p: p, wakeCh: make(chan struct{}, 1), timer: t}
}

// add gives c a waiter. On failure c.w still holds the descriptor's
// handle, if one was made, so that closing c closes the descriptor once.
func (q *portable) add(c *conn) error {
	w := &waiter{c: c, p: q.p, armed: make(chan struct{}, 1)}
	w.checkIn, w.checkOut = w.input, w.output // made once: a method value per wait would allocate
	c.w = w
	if err := w.open(); err != nil {
		return err
	}
	q.waiters.Go(w.run)
	return nil
}

// wait parks until wake is called or due passes. Readiness arrives through
// the inbox (takeInbox), so it harvests nothing itself.
func (q *portable) wait(due int64) (int, bool, error) {
	if d := due - nanotime(); d > 0 {
		if due != q.timerDue {
			q.timer.Reset(time.Duration(d))
			q.timerDue = due
		}
		select {
		case <-q.wakeCh:
			return 0, true, nil
		case <-q.timer.C:
			q.timerDue = 0
			return 0, false, nil
		}
	}
	select {
	case <-q.wakeCh:
		return 0, true, nil
	default:
		return 0, false, nil
	}
}

func (q *portable) wake() {
	select {
	case q.wakeCh <- struct{}{}:
	default:
	}
}

func (q *portable) close() {
	q.timer.Stop()
	q.waiters.Wait()
}

// waiter is one connection's goroutine under the portable source.
type waiter struct {
	c     *conn
	p     *poller
	armed chan struct{} // cap 1: c was armed (or closed): look at its state
	waitHandle

	checkIn, checkOut func(uintptr) bool
	ev                uint32 // what the last check found
}

// arm tells the waiter that its connection was released to the poller (or
// closed). It never blocks: one pending notice is enough, since the waiter
// reads the state word when it takes it.
func (w *waiter) arm() {
	select {
	case w.armed <- struct{}{}:
	default:
	}
}

// close closes the descriptor, which ends a wait in progress, and tells the
// waiter, which returns. The owner calls it, c being closed.
func (w *waiter) close() {
	w.closeHandle()
	w.arm()
}

// run waits for the socket each time the connection is armed, and posts
// what it finds to the poller, until the connection is closed.
//
// While a waiter waits, only the poller can take the connection from the
// poller: by the waiter's own event, or by the sweep — which closes it, or
// (a timed-out request) leaves it lingering, waiting for input as before.
// So what the waiter waits for stays what the connection waits for.
func (w *waiter) run() {
	c := w.c
	for range w.armed {
		var err error
		switch c.state.Load() & whereMask {
		case whereClosed:
			return
		case whereBusy:
			continue // taken meanwhile: the next release arms it again
		case whereWriting:
			err = w.waitOutput()
		default: // reading, lingering
			err = w.waitInput()
		}
		if c.state.Load()&whereMask == whereClosed {
			return // the wait ended because the descriptor was closed
		}
		if err != nil {
			// Not a closed descriptor: this one cannot be waited on. End
			// the connection rather than leave it armed, unwatched.
			w.p.s.log.Warn("portable poller: cannot wait for a connection; closing it", "err", err)
			c.dead.Store(true)
			w.ev = evIn | evOut | evErr
		}
		if w.ev != 0 {
			w.p.post(c, w.ev) // once the poller has stopped, its shutdown closes c
		}
	}
}

// input and output are the checks the runtime poller's RawConn calls
// before each wait and after each wake-up: true ends the wait.
func (w *waiter) input(uintptr) bool {
	w.ev = sockPeek(w.c.fd)
	return w.ev != 0
}

func (w *waiter) output(uintptr) bool {
	w.ev = w.writable()
	return w.ev != 0
}

// peekResult is what a peek of n bytes, or its error, says about input
// (sockPeek).
func peekResult(n int, err error) uint32 {
	switch {
	case err == nil && n > 0:
		return evIn
	case err == nil:
		return evIn | evRdHup // the end of the stream
	case err == syscall.EAGAIN:
		return 0
	}
	return evIn | evErr
}
