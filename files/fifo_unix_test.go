//go:build unix

package files_test

import (
	"syscall"
	"testing"
)

// mkfifo makes a FIFO at path (a fixture that must never be opened for
// reading as a file).
func mkfifo(t *testing.T, path string) {
	t.Helper()
	must(t, syscall.Mkfifo(path, 0o644))
}

// lockFile takes f's exclusive lock as an upload or a sweep does.
func lockFile(t *testing.T, f interface{ Fd() uintptr }) {
	t.Helper()
	must(t, syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB))
}
