package pipeline

import (
	"errors"
	"fmt"
	"os"
	"syscall"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"
)

// epoll is the Linux readiness source: one epoll set per poller. Each
// connection is registered once, edge-triggered, for input, output and
// the peer's hang-up, with its table slot and generation as epoll_data,
// so an event left over from a closed connection never reaches the one
// that reused the slot. An idle keep-alive connection is its epoll entry,
// nothing more: no goroutine, no buffer.
//
// Waiting costs no thread: the epoll descriptor itself is watched by the Go
// runtime's network poller, so the poller goroutine parks (like a blocked
// net.Conn read) until the set has events, a stage hands a connection back
// (the wake eventfd), or the next sweep is due.
type epoll struct {
	p      *poller
	epfd   int      // owned by file once that is set
	file   *os.File // epfd, for the runtime's poller
	raw    syscall.RawConn
	wakefd int
	events []unix.EpollEvent

	// Owned by the poller goroutine.
	deadlineSet int64 // the read deadline set on file, nanotime
	harvestFunc func(uintptr) bool
	harvested   int
	harvestErr  error
}

// The portable event bits are epoll's (poller.go).
var _ = [1]struct{}{}[evIn^unix.EPOLLIN|evOut^unix.EPOLLOUT|evErr^unix.EPOLLERR|evHup^unix.EPOLLHUP|evRdHup^unix.EPOLLRDHUP]

// wakeSlot is the slot in the wake eventfd's epoll_data (Fd: -1).
const wakeSlot = ^uint32(0)

// eventfdOne is what is written to an eventfd to wake its reader.
var eventfdOne = [8]byte{1}

func newEpoll(p *poller) (*epoll, error) {
	epfd, err := unix.EpollCreate1(unix.EPOLL_CLOEXEC)
	if err != nil {
		return nil, fmt.Errorf("epoll_create1: %w", err)
	}
	e := &epoll{p: p, epfd: epfd, wakefd: -1, events: make([]unix.EpollEvent, 128)}
	fail := func(what string, err error) (*epoll, error) {
		e.close()
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	if err := unix.SetNonblock(epfd, true); err != nil {
		return fail("epoll set non-blocking", err)
	}
	e.wakefd, err = unix.Eventfd(0, unix.EFD_NONBLOCK|unix.EFD_CLOEXEC)
	if err != nil {
		return fail("eventfd", err)
	}
	ev := unix.EpollEvent{Events: unix.EPOLLIN, Fd: -1}
	if err := unix.EpollCtl(epfd, unix.EPOLL_CTL_ADD, e.wakefd, &ev); err != nil {
		return fail("epoll_ctl wake", err)
	}
	// os.NewFile sees a non-blocking descriptor and registers it with the
	// runtime's poller; the File owns epfd from here on.
	e.harvestFunc = e.harvest
	e.file = os.NewFile(uintptr(epfd), "epoll")
	if e.raw, err = e.file.SyscallConn(); err != nil {
		return fail("epoll descriptor", err)
	}
	return e, nil
}

func (e *epoll) close() {
	if e.file != nil {
		e.file.Close()
	} else if e.epfd >= 0 {
		unix.Close(e.epfd)
	}
	if e.wakefd >= 0 {
		unix.Close(e.wakefd)
	}
}

// add registers c, for good: closing the descriptor ends it.
func (e *epoll) add(c *conn) error {
	ev := unix.EpollEvent{
		Events: unix.EPOLLIN | unix.EPOLLOUT | unix.EPOLLRDHUP | unix.EPOLLET,
		Fd:     int32(c.slot),
		Pad:    int32(c.gen),
	}
	if err := sysEpollAdd(e.epfd, c.fd, &ev); err != nil {
		return fmt.Errorf("epoll_ctl: %w", err)
	}
	return nil
}

func (e *epoll) wake() {
	sysWrite(e.wakefd, eventfdOne[:])
}

// wait takes the events epoll has ready, parking in the runtime's poller
// until there are some or due.
func (e *epoll) wait(due int64) (n int, woken bool, err error) {
	if due != e.deadlineSet {
		e.file.SetReadDeadline(epoch.Add(time.Duration(due)))
		e.deadlineSet = due
	}
	e.harvested, e.harvestErr = 0, nil
	err = e.raw.Read(e.harvestFunc)
	switch {
	case e.harvestErr != nil:
		return 0, false, fmt.Errorf("epoll_wait: %w", e.harvestErr)
	case errors.Is(err, os.ErrDeadlineExceeded):
		return 0, false, nil
	case err != nil:
		return 0, false, fmt.Errorf("epoll_wait: %w", err)
	}
	p := e.p
	for i := range e.harvested {
		ev := &e.events[i]
		if uint32(ev.Fd) == wakeSlot {
			var scratch [8]byte
			sysRead(e.wakefd, scratch[:])
			woken = true
			continue
		}
		if c := p.table.get(uint32(ev.Fd), uint32(ev.Pad)); c != nil {
			p.event(c, ev.Events)
		}
	}
	return e.harvested, woken, nil
}

// harvest is the callback of wait's RawConn.Read: it takes what epoll has
// ready without waiting, and reports whether there was anything (or an
// error), which ends the wait. It is kept as a func value made once
// (harvestFunc): a closure made per wait would be an allocation per wake.
func (e *epoll) harvest(epfd uintptr) bool {
	for {
		e.harvested, e.harvestErr = sysEpollWait(int(epfd), e.events)
		if e.harvestErr != unix.EINTR {
			break
		}
	}
	return e.harvested > 0 || e.harvestErr != nil
}

// get returns the connection in slot if it still has generation gen.
func (t *connTable) get(slot, gen uint32) *conn {
	if int(slot>>chunkBits) >= len(t.dir) {
		return nil
	}
	ch := t.dir[slot>>chunkBits].Load()
	if ch == nil {
		return nil
	}
	c := ch[slot&(1<<chunkBits-1)].Load()
	if c == nil || c.gen != gen {
		return nil
	}
	return c
}

// newReadiness makes the source Config.Poller names.
func newReadiness(p *poller, kind string) (readiness, error) {
	if kind == PollerPortable {
		return newPortable(p), nil
	}
	return newEpoll(p)
}

// DefaultPoller is Config.Poller's default on this system (without
// PIPEHTTP_POLLER).
const DefaultPoller = PollerEpoll

// Raw calls for epoll and the wake eventfd (see sys_linux.go for why
// raw).

// sysEpollWait returns the events ready in epfd without waiting.
func sysEpollWait(epfd int, events []unix.EpollEvent) (int, error) {
	n, _, e := unix.RawSyscall6(unix.SYS_EPOLL_PWAIT, uintptr(epfd), uintptr(unsafe.Pointer(&events[0])), uintptr(len(events)), 0, 0, 0)
	return int(n), errnoErr(e)
}

func sysEpollAdd(epfd, fd int, ev *unix.EpollEvent) error {
	_, _, e := unix.RawSyscall6(unix.SYS_EPOLL_CTL, uintptr(epfd), unix.EPOLL_CTL_ADD, uintptr(fd), uintptr(unsafe.Pointer(ev)), 0, 0)
	return errnoErr(e)
}

// sysRead and sysWrite are for the eventfd.
func sysRead(fd int, p []byte) (int, error) {
	n, _, e := unix.RawSyscall(unix.SYS_READ, uintptr(fd), uintptr(unsafe.Pointer(&p[0])), uintptr(len(p)))
	return int(n), errnoErr(e)
}

func sysWrite(fd int, p []byte) (int, error) {
	n, _, e := unix.RawSyscall(unix.SYS_WRITE, uintptr(fd), uintptr(unsafe.Pointer(&p[0])), uintptr(len(p)))
	return int(n), errnoErr(e)
}

// errnoErr turns a raw call's errno into an error, without allocating for
// the common ones.
func errnoErr(e unix.Errno) error {
	switch e {
	case 0:
		return nil
	case unix.EAGAIN:
		return unix.EAGAIN
	case unix.EINTR:
		return unix.EINTR
	}
	return e
}
