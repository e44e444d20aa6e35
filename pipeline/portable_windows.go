package pipeline

import (
	"syscall"
	"time"
)

// waitHandle is a waiter's hold on its socket in the runtime's poller: the
// raw connection of the net.TCPConn that accepted it (conn.nc, which owns
// the handle). Nothing here has run (sys_windows.go).
type waitHandle struct {
	raw syscall.RawConn
}

func (w *waiter) open() error {
	var err error
	w.raw, err = w.c.nc.SyscallConn()
	return err
}

func (w *waiter) closeHandle() {
	w.c.nc.Close() // cancels a wait in progress
}

// waitInput waits through RawConn.Read, which on Windows waits for input
// with a zero-byte overlapped WSARecv (IOCP).
func (w *waiter) waitInput() error { return w.raw.Read(w.checkIn) }

// waitOutput: the runtime's poller cannot wait for a socket to become
// writable on Windows (IOCP reports completions, not readiness; RawConn.Write
// says EWINDOWS), so a connection waiting to write is checked again after
// 1 ms, then 2, 4, … up to 50 ms between checks, until the socket takes
// output or the connection is closed (the poller's sweep closes it at its
// write deadline, as anywhere).
func (w *waiter) waitOutput() error {
	if err := w.raw.Write(w.checkOut); err != syscall.EWINDOWS {
		return err
	}
	for d := time.Millisecond; ; d = min(2*d, 50*time.Millisecond) {
		time.Sleep(d)
		if w.c.state.Load()&whereMask != whereWriting {
			w.ev = 0
			return nil // closed, or taken by the sweep to be closed
		}
		if w.checkOut(0) {
			return nil
		}
	}
}

func (w *waiter) writable() uint32 { return sockWritable(w.c.fd) }
