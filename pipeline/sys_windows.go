package pipeline

import (
	"syscall"
	"unsafe"

	"golang.org/x/sys/windows"
)

// The socket calls on the request path, on Windows.
//
// NOTHING IN THIS FILE, accept_windows.go, listen_windows.go,
// portable_windows.go, sendfile_windows.go or spare_windows.go HAS BEEN
// RUN: no test here runs on Windows. CI compiles and vets them; that is all.
//
// The stages need calls that never wait. Each accepted socket is made
// non-blocking (ioctlsocket FIONBIO) and read and written with WSARecv
// and WSASend without an OVERLAPPED (synchronous calls on a non-blocking
// socket: WSAEWOULDBLOCK when they would wait). The runtime's own
// overlapped calls on the same socket (the waiter's zero-byte WSARecv,
// portable_windows.go) are not affected by FIONBIO.

var (
	ws2             = windows.NewLazySystemDLL("ws2_32.dll")
	procIoctlsocket = ws2.NewProc("ioctlsocket")
	procWSAPoll     = ws2.NewProc("WSAPoll")
)

const fionbio = 0x8004667e // _IOW('f', 126, u_long)

// setNonblock puts socket h in non-blocking mode.
func setNonblock(h windows.Handle) error {
	one := uint32(1)
	if r, _, err := procIoctlsocket.Call(uintptr(h), fionbio, uintptr(unsafe.Pointer(&one))); r != 0 {
		return err
	}
	return nil
}

// wsaErr maps "would block" to the EAGAIN the stages test for.
func wsaErr(err error) error {
	if err == windows.WSAEWOULDBLOCK {
		return syscall.EAGAIN
	}
	return err
}

// sockRecv reads what socket fd has into p: 0 and no error is the end of
// the stream.
func sockRecv(fd windows.Handle, p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	buf := windows.WSABuf{Len: uint32(len(p)), Buf: &p[0]}
	var n, flags uint32
	if err := windows.WSARecv(fd, &buf, 1, &n, &flags, nil, nil); err != nil {
		return 0, wsaErr(err)
	}
	return int(n), nil
}

// sockPeek reports, without consuming anything, whether input is waiting
// on socket fd (see sys_linux.go).
func sockPeek(fd windows.Handle) uint32 {
	var b [1]byte
	buf := windows.WSABuf{Len: 1, Buf: &b[0]}
	var n uint32
	flags := uint32(windows.MSG_PEEK)
	err := windows.WSARecv(fd, &buf, 1, &n, &flags, nil, nil)
	return peekResult(int(n), wsaErr(err))
}

// sockSend writes p to socket fd.
func sockSend(fd windows.Handle, p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	buf := windows.WSABuf{Len: uint32(len(p)), Buf: &p[0]}
	var n uint32
	if err := windows.WSASend(fd, &buf, 1, &n, 0, nil, nil); err != nil {
		return 0, wsaErr(err)
	}
	return int(n), nil
}

// iovec is one buffer of a WSASend.
type iovec = windows.WSABuf

// sockSendv writes bufs to socket fd with one WSASend. iov is scratch
// space kept by the caller between calls.
func sockSendv(fd windows.Handle, bufs [][]byte, iov *[]iovec) (int, error) {
	v := (*iov)[:0]
	for _, b := range bufs {
		if len(b) > 0 {
			v = append(v, windows.WSABuf{Len: uint32(len(b)), Buf: &b[0]})
		}
	}
	*iov = v
	if len(v) == 0 {
		return 0, nil
	}
	var n uint32
	err := windows.WSASend(fd, &v[0], uint32(len(v)), &n, 0, nil, nil)
	clear(v) // they point into response buffers: do not keep them alive
	if err != nil {
		return 0, wsaErr(err)
	}
	return int(n), nil
}

func sysShutdownWrite(fd windows.Handle) {
	windows.Shutdown(fd, windows.SHUT_WR)
}

// setNoDelay turns Nagle's algorithm off for fd (see conn.nodelay).
func setNoDelay(fd windows.Handle) {
	windows.SetsockoptInt(fd, windows.IPPROTO_TCP, windows.TCP_NODELAY, 1)
}

// wsaPollFD is WSAPOLLFD.
type wsaPollFD struct {
	fd      windows.Handle
	events  int16
	revents int16
}

const (
	pollErr    = 0x0001
	pollHup    = 0x0002
	pollNval   = 0x0004
	pollWrNorm = 0x0010
)

// sockWritable reports, without waiting, whether socket fd takes output
// now (WSAPoll with no timeout): evOut, with evHup or evErr when it is shut
// or failed, or 0.
func sockWritable(fd windows.Handle) uint32 {
	pfd := wsaPollFD{fd: fd, events: pollWrNorm}
	r, _, _ := procWSAPoll.Call(uintptr(unsafe.Pointer(&pfd)), 1, 0)
	switch {
	case int32(r) < 0:
		return evOut | evErr
	case r == 0:
		return 0
	}
	var ev uint32
	if pfd.revents&pollWrNorm != 0 {
		ev |= evOut
	}
	if pfd.revents&pollHup != 0 {
		ev |= evOut | evHup
	}
	if pfd.revents&(pollErr|pollNval) != 0 {
		ev |= evOut | evErr
	}
	return ev
}
