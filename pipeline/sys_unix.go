//go:build (unix && !linux) || (linux && pipehttp_xsys)

package pipeline

import (
	"net/netip"
	"syscall"

	"golang.org/x/sys/unix"
)

// The system calls on the request path, on unix systems other than Linux
// (macOS, FreeBSD, …), through golang.org/x/sys/unix's portable functions:
// no raw system call numbers (macOS supports only calls through its
// libSystem). Built on Linux too with the build tag pipehttp_xsys, which is
// how CI runs this file's code; sys_linux.go is Linux's own.
//
// The differences from Linux: read and write instead of recvfrom and
// sendto, accept then non-blocking and close-on-exec instead of accept4
// (macOS has no accept4), sendmsg through SendmsgBuffers (one small
// allocation for a write of several pieces), and no MSG_NOSIGNAL: a write
// to a reset peer raises SIGPIPE, which the Go runtime ignores for any
// descriptor but 1 and 2 (the write fails with EPIPE).

// sockRecv reads what socket fd has into p.
func sockRecv(fd int, p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	n, err := unix.Read(fd, p)
	return max(n, 0), err
}

// sockSend writes p to socket fd.
func sockSend(fd int, p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	n, err := unix.Write(fd, p)
	return max(n, 0), err
}

// iovec is unused here (SendmsgBuffers builds its own).
type iovec = unix.Iovec

// sockSendv writes bufs to socket fd with one sendmsg.
func sockSendv(fd int, bufs [][]byte, _ *[]iovec) (int, error) {
	n, err := unix.SendmsgBuffers(fd, bufs, nil, nil, 0)
	return max(n, 0), err
}

// sockPeek reports, without consuming anything, whether input is waiting
// on socket fd (see sys_linux.go).
func sockPeek(fd int) uint32 {
	var b [1]byte
	for {
		n, _, err := unix.Recvfrom(fd, b[:], unix.MSG_PEEK)
		if err != unix.EINTR {
			return peekResult(n, err)
		}
	}
}

func sysClose(fd int) {
	unix.Close(fd)
}

func sysShutdownWrite(fd int) {
	unix.Shutdown(fd, unix.SHUT_WR)
}

// setNoDelay turns Nagle's algorithm off for fd (see conn.nodelay).
func setNoDelay(fd int) {
	unix.SetsockoptInt(fd, unix.IPPROTO_TCP, unix.TCP_NODELAY, 1)
}

// acceptFD accepts one connection from the non-blocking listening socket
// lfd and makes it non-blocking and close-on-exec, as the net package does
// where there is no accept4: under syscall.ForkLock, so that no child
// started meanwhile inherits it. With the access log on it also returns
// the client's address.
func (s *Server) acceptFD(lfd int) (int, *netip.AddrPort, error) {
	syscall.ForkLock.RLock()
	fd, sa, err := unix.Accept(lfd)
	if err == nil {
		unix.CloseOnExec(fd)
	}
	syscall.ForkLock.RUnlock()
	if err != nil {
		return -1, nil, err
	}
	if err := unix.SetNonblock(fd, true); err != nil {
		unix.Close(fd)
		return -1, nil, err
	}
	if s.cfg.AccessLog == nil {
		return fd, nil, nil
	}
	var ap netip.AddrPort
	switch sa := sa.(type) {
	case *unix.SockaddrInet4:
		ap = netip.AddrPortFrom(netip.AddrFrom4(sa.Addr), uint16(sa.Port))
	case *unix.SockaddrInet6:
		ap = netip.AddrPortFrom(netip.AddrFrom16(sa.Addr).Unmap(), uint16(sa.Port))
	default:
		return fd, nil, nil
	}
	return fd, &ap, nil
}
