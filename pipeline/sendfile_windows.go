package pipeline

import (
	"io"
	"os"
	"sync"

	"golang.org/x/sys/windows"
)

var copyBufs = sync.Pool{New: func() any { return new([64 << 10]byte) }}

// sendFile sends up to n bytes of f, from off, to socket fd without
// waiting for the socket: a copy through a 64 KiB buffer (TransmitFile
// would block or need an OVERLAPPED of its own). Bytes read but not taken
// by the socket are read again next time. Nothing here has run
// (sys_windows.go).
func sendFile(fd windows.Handle, f *os.File, off int64, n int) (int, error) {
	buf := copyBufs.Get().(*[64 << 10]byte)
	defer copyBufs.Put(buf)
	m, err := f.ReadAt(buf[:min(n, len(buf))], off)
	if m == 0 {
		if err == io.EOF {
			err = nil // the file is shorter than promised: the caller says so
		}
		return 0, err
	}
	return sockSend(fd, buf[:m])
}
