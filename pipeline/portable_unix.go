//go:build unix

package pipeline

import (
	"errors"
	"fmt"
	"os"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// waitHandle is a waiter's hold on its descriptor in the runtime's network
// poller: an os.File made of the non-blocking descriptor, which os.NewFile
// registers there. The File owns the descriptor from then on: closing the
// connection closes the File. The stages go on making their own calls on
// the descriptor (sys_*.go); the File is only waited on.
type waitHandle struct {
	file *os.File
	raw  syscall.RawConn
	pfd  [1]unix.PollFd // writable's scratch
}

func (w *waiter) open() error {
	w.file = os.NewFile(uintptr(w.c.fd), "conn")
	if w.file == nil {
		return errors.New("portable poller: invalid descriptor")
	}
	// A descriptor the runtime's poller did not take (it is not
	// non-blocking, or the poller refused it) has no deadlines, and a wait
	// on it would fail at once, every time.
	if err := w.file.SetReadDeadline(time.Time{}); err != nil {
		return fmt.Errorf("portable poller: %w", err)
	}
	var err error
	w.raw, err = w.file.SyscallConn()
	return err
}

func (w *waiter) closeHandle() {
	if w.file != nil {
		w.file.Close() // wakes a wait in progress, then closes the descriptor
	}
}

func (w *waiter) waitInput() error  { return w.raw.Read(w.checkIn) }
func (w *waiter) waitOutput() error { return w.raw.Write(w.checkOut) }

// writable reports, without waiting, whether the socket takes output now
// (poll with no timeout): evOut, with evHup or evErr when it is shut or
// failed (a write then finds out how), or 0.
func (w *waiter) writable() uint32 {
	w.pfd[0] = unix.PollFd{Fd: int32(w.c.fd), Events: unix.POLLOUT}
	for {
		n, err := unix.Poll(w.pfd[:], 0)
		switch {
		case err == unix.EINTR:
			continue
		case err != nil:
			return evOut | evErr
		case n == 0:
			return 0
		}
		var ev uint32
		r := w.pfd[0].Revents
		if r&unix.POLLOUT != 0 {
			ev |= evOut
		}
		if r&unix.POLLHUP != 0 {
			ev |= evOut | evHup
		}
		if r&(unix.POLLERR|unix.POLLNVAL) != 0 {
			ev |= evOut | evErr
		}
		return ev
	}
}
