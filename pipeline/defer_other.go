//go:build unix && !linux

package pipeline

// setDeferAccept does nothing: TCP_DEFER_ACCEPT is Linux's (Ops.DeferAccept).
// FreeBSD's accept filters and macOS have no equivalent we set.
func setDeferAccept(fd int, secs int) {}
