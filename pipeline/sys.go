package pipeline

import (
	"unsafe"

	"golang.org/x/sys/unix"
)

// The system calls on the request path.
//
// Every descriptor the stages touch is non-blocking, so these calls return
// at once: they are made raw, without telling the Go scheduler that the
// goroutine may block (entersyscall/exitsyscall). That saves the scheduler's
// bookkeeping on each call and, more, keeps the scheduler's monitor from
// handing the processor to another thread whenever a call takes longer
// than 20µs (a loopback write that delivers to the peer's socket often
// does): each such hand-off costs a futex wake and a nanosleep. sendfile
// is the exception: it may wait for the disk, so it stays a normal call
// (output.go).
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

// sockSendv writes bufs to socket fd with one sendmsg. iov is scratch space
// for the kernel's iovec array, kept by the caller between calls.
func sockSendv(fd int, bufs [][]byte, iov *[]unix.Iovec) (int, error) {
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

// sysRead and sysWrite are for the eventfds.
func sysRead(fd int, p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	n, _, e := unix.RawSyscall(unix.SYS_READ, uintptr(fd), uintptr(unsafe.Pointer(&p[0])), uintptr(len(p)))
	return int(n), errnoErr(e)
}

func sysWrite(fd int, p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	n, _, e := unix.RawSyscall(unix.SYS_WRITE, uintptr(fd), uintptr(unsafe.Pointer(&p[0])), uintptr(len(p)))
	return int(n), errnoErr(e)
}

func sysClose(fd int) {
	unix.RawSyscall(unix.SYS_CLOSE, uintptr(fd), 0, 0)
}

func sysShutdownWrite(fd int) {
	unix.RawSyscall(unix.SYS_SHUTDOWN, uintptr(fd), unix.SHUT_WR, 0)
}

// sysAccept accepts a connection from the non-blocking listening socket
// lfd, non-blocking and close-on-exec itself.
func sysAccept(lfd int) (int, error) {
	fd, _, e := unix.RawSyscall6(unix.SYS_ACCEPT4, uintptr(lfd), 0, 0, unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC, 0, 0)
	return int(fd), errnoErr(e)
}

// sysEpollWait returns the events ready in epfd without waiting.
func sysEpollWait(epfd int, events []unix.EpollEvent) (int, error) {
	n, _, e := unix.RawSyscall6(unix.SYS_EPOLL_PWAIT, uintptr(epfd), uintptr(unsafe.Pointer(&events[0])), uintptr(len(events)), 0, 0, 0)
	return int(n), errnoErr(e)
}

func sysEpollAdd(epfd, fd int, ev *unix.EpollEvent) error {
	_, _, e := unix.RawSyscall6(unix.SYS_EPOLL_CTL, uintptr(epfd), unix.EPOLL_CTL_ADD, uintptr(fd), uintptr(unsafe.Pointer(ev)), 0, 0)
	return errnoErr(e)
}

// setNoDelay turns Nagle's algorithm off for fd (see conn.nodelay).
func setNoDelay(fd int) {
	one := int32(1)
	unix.RawSyscall6(unix.SYS_SETSOCKOPT, uintptr(fd), unix.IPPROTO_TCP, unix.TCP_NODELAY, uintptr(unsafe.Pointer(&one)), 4, 0)
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
