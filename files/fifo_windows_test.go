package files_test

import (
	"testing"

	"golang.org/x/sys/windows"
)

// mkfifo: Windows has no FIFOs in its filesystem, and the fixtures that
// hold one are not made there.
func mkfifo(t *testing.T, _ string) {
	t.Skip("the fixture holds a FIFO: not on Windows")
}

// lockFile takes f's exclusive lock as an upload or a sweep does.
func lockFile(t *testing.T, f interface{ Fd() uintptr }) {
	t.Helper()
	var ol windows.Overlapped
	must(t, windows.LockFileEx(windows.Handle(f.Fd()), windows.LOCKFILE_EXCLUSIVE_LOCK|windows.LOCKFILE_FAIL_IMMEDIATELY, 0, 1, 0, &ol))
}
