package pipeline

import "golang.org/x/sys/unix"

// setDeferAccept sets TCP_DEFER_ACCEPT (Ops.DeferAccept) on the listening
// socket fd, in whole seconds.
func setDeferAccept(fd int, secs int) {
	unix.SetsockoptInt(fd, unix.IPPROTO_TCP, unix.TCP_DEFER_ACCEPT, secs)
}
