//go:build linux && !pipehttp_xsys

package pipeline

import (
	"unsafe"

	"golang.org/x/sys/unix"
)

// The system calls on the request path, on Linux. (With the build tag
// pipehttp_xsys, sys_unix.go's portable calls replace them, so that the
// code other systems run is tested here too.)
//
// Every descriptor the stages touch is non-blocking, so these calls return
// at once: they are made raw, without telling the Go scheduler that the
// goroutine may block (entersyscall/exitsyscall). That saves the scheduler's
// bookkeeping on each call and, more, keeps the scheduler's monitor from
// handing the processor to another thread whenever a call takes longer
// than 20µs (a loopback write that delivers to the peer's socket often
// does): each such hand-off costs a futex wake and a nanosleep. sendfile
// is the exception: it may wait for the disk, so it stays a normal call
// (sendfile_unix.go).
//
// Sockets are read with recvfrom and written with sendto and sendmsg, not
// read, write and writev: those go through the file layer first (vfs_read,
// fdget_pos), which costs a few hundred nanoseconds a call for nothing a
// socket needs. MSG_NOSIGNAL makes a write to a reset peer fail with EPIPE
// without raising SIGPIPE. x/sys's Accept4 is avoided as well: it decodes
// the peer's address, which costs a getsockopt per connection, and the
// address is never used.

// sockRecv reads what socket fd has into p.
func sockRecv(fd int, p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	n, _, e := unix.RawSyscall6(unix.SYS_RECVFROM, uintptr(fd), uintptr(unsafe.Pointer(&p[0])), uintptr(len(p)), 0, 0, 0)
	return int(n), errnoErr(e)
}

// sockSend writes p to socket fd.
func sockSend(fd int, p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	n, _, e := unix.RawSyscall6(unix.SYS_SENDTO, uintptr(fd), uintptr(unsafe.Pointer(&p[0])), uintptr(len(p)), unix.MSG_NOSIGNAL, 0, 0)
	return int(n), errnoErr(e)
}

// iovec is the kernel's description of one buffer of a sendmsg.
type iovec = unix.Iovec

// sockSendv writes bufs to socket fd with one sendmsg. iov is scratch space
// for the kernel's iovec array, kept by the caller between calls.
func sockSendv(fd int, bufs [][]byte, iov *[]iovec) (int, error) {
	v := (*iov)[:0]
	for _, b := range bufs {
		if len(b) == 0 {
			continue
		}
		io := unix.Iovec{Base: &b[0]}
		io.SetLen(len(b))
		v = append(v, io)
	}
	*iov = v
	if len(v) == 0 {
		return 0, nil
	}
	msg := unix.Msghdr{Iov: &v[0]}
	msg.SetIovlen(len(v))
	n, _, e := unix.RawSyscall(unix.SYS_SENDMSG, uintptr(fd), uintptr(unsafe.Pointer(&msg)), unix.MSG_NOSIGNAL)
	clear(v) // the iovecs point into response buffers: do not keep them alive
	return int(n), errnoErr(e)
}

func sysClose(fd int) {
	unix.RawSyscall(unix.SYS_CLOSE, uintptr(fd), 0, 0)
}

func sysShutdownWrite(fd int) {
	unix.RawSyscall(unix.SYS_SHUTDOWN, uintptr(fd), unix.SHUT_WR, 0)
}

// sockPeek reports, without consuming anything, whether input is waiting
// on socket fd (the portable poller's check before and after it parks):
// evIn for bytes, evIn|evRdHup for the end of the stream, evIn|evErr for
// an error, 0 for nothing yet.
func sockPeek(fd int) uint32 {
	var b [1]byte
	for {
		n, _, e := unix.RawSyscall6(unix.SYS_RECVFROM, uintptr(fd), uintptr(unsafe.Pointer(&b[0])), 1, unix.MSG_PEEK|unix.MSG_DONTWAIT, 0, 0)
		if e != unix.EINTR {
			return peekResult(int(n), errnoErr(e))
		}
	}
}

// sysAccept accepts a connection from the non-blocking listening socket
// lfd, non-blocking and close-on-exec itself.
func sysAccept(lfd int) (int, error) {
	fd, _, e := unix.RawSyscall6(unix.SYS_ACCEPT4, uintptr(lfd), 0, 0, unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC, 0, 0)
	return int(fd), errnoErr(e)
}

// setNoDelay turns Nagle's algorithm off for fd (see conn.nodelay).
func setNoDelay(fd int) {
	one := int32(1)
	unix.RawSyscall6(unix.SYS_SETSOCKOPT, uintptr(fd), unix.IPPROTO_TCP, unix.TCP_NODELAY, uintptr(unsafe.Pointer(&one)), 4, 0)
}
