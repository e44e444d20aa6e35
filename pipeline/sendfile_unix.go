//go:build unix

package pipeline

import (
	"os"

	"golang.org/x/sys/unix"
)

// sendFile sends up to n bytes of f, from off, to socket fd without
// waiting for the socket (it may wait for the disk: a normal system call,
// not a raw one) and returns how many the kernel took — with EAGAIN, some
// may have been. The offset is passed as a copy and advanced by the
// caller: Linux's sendfile advances it, macOS's and FreeBSD's do not.
func sendFile(fd int, f *os.File, off int64, n int) (int, error) {
	o := off
	w, err := unix.Sendfile(fd, int(f.Fd()), &o, n)
	return max(w, 0), err
}
