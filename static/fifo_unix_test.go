//go:build unix

package static_test

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
