//go:build unix

package pipeline

import (
	"net/netip"
	"sync"
	"sync/atomic"

	"golang.org/x/sys/unix"
)

// Running out of descriptors (Ops.SpareFDs).
//
// When the process has no descriptor left, accept(2) fails with EMFILE
// (or ENFILE, the system's table) and the connection stays in the kernel's
// backlog, where its client waits with no answer until a descriptor frees
// up or it gives up. So the server keeps a few descriptors open in reserve
// (of /dev/null): at EMFILE it closes one, accepts into the number that
// frees, and either answers 503 with Retry-After and closes (the public
// side: the client hears "come back") or serves the connection (the admin
// listener: monitoring must not go blind exactly when it matters). The
// spare is opened again as soon as its connection is closed. Another
// thread may take the freed number first; accept then fails again and
// backs off, and the spare is opened again at the next accept.
//
// None of this costs anything until the process runs out: the accept path
// reads one atomic flag per wake-up.

// spares is a server's reserve of descriptors.
type spares struct {
	mu   sync.Mutex
	fds  []int // open spares (guarded by mu)
	want int
	// short is set while fewer than want are open: a spare could not be
	// opened again (its number was taken meanwhile).
	short atomic.Bool
}

// open opens the reserve at start. It fails if the process cannot open
// even that many descriptors.
func (sp *spares) open(n int) error {
	sp.want = max(n, 0)
	sp.mu.Lock()
	defer sp.mu.Unlock()
	return sp.fillLocked()
}

func (sp *spares) fillLocked() error {
	for len(sp.fds) < sp.want {
		fd, err := unix.Open("/dev/null", unix.O_RDONLY|unix.O_CLOEXEC, 0)
		if err != nil {
			sp.short.Store(true)
			return err
		}
		sp.fds = append(sp.fds, fd)
	}
	sp.short.Store(false)
	return nil
}

// release closes one spare so that its number can be accepted into. It
// reports false if none is left.
func (sp *spares) release() bool {
	sp.mu.Lock()
	defer sp.mu.Unlock()
	if len(sp.fds) == 0 {
		return false
	}
	unix.Close(sp.fds[len(sp.fds)-1])
	sp.fds = sp.fds[:len(sp.fds)-1]
	sp.short.Store(true)
	return true
}

// restore opens spares until there are as many as wanted, as far as the
// process can.
func (sp *spares) restore() {
	sp.mu.Lock()
	defer sp.mu.Unlock()
	sp.fillLocked()
}

// close closes every spare (the server is done).
func (sp *spares) close() {
	sp.mu.Lock()
	defer sp.mu.Unlock()
	for _, fd := range sp.fds {
		unix.Close(fd)
	}
	sp.fds, sp.want = nil, 0
}

// outOfFDs reports whether err from accept(2) means the process or the
// system has no descriptor left.
func outOfFDs(err error) bool { return err == unix.EMFILE || err == unix.ENFILE }

// acceptSpare is accept's answer to running out of descriptors: it closes
// a spare and accepts into it. On success the connection holds the spare's
// place until it is closed (conn.spare); otherwise the spare is opened
// again and accept's error returned.
func (s *Server) acceptSpare(lfd int, err error) (int, *netip.AddrPort, error) {
	if !s.spares.release() {
		// All in use, or not reopened after their last use (another
		// thread took the number): try again to open one first.
		s.spares.restore()
		if !s.spares.release() {
			return -1, nil, err
		}
	}
	fd, peer, err := s.acceptFD(lfd)
	if err != nil {
		s.spares.restore()
		return -1, nil, err
	}
	return fd, peer, nil
}

// refuseSpare answers a connection accepted with a spare 503 with
// Retry-After and closes it at once — no lingering close, which would
// hold the spare — then opens the spare again. What the client has sent
// is read first, so that closing does not reset the connection over the
// answer.
func (s *Server) refuseSpare(fd int) {
	st := &s.stages[stageAccept].stats
	st.rejected.Add(1)
	st.reasons[reasonNoFDs].Add(1)
	var scratch [4 << 10]byte
	drainOnce(fd, scratch[:], len(scratch))
	sockSend(fd, doorResponse)
	sysShutdownWrite(fd)
	sysClose(fd)
	s.spares.restore()
}
