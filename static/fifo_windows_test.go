package static_test

import "testing"

// mkfifo: Windows has no FIFOs in its filesystem, and the fixtures that
// hold one are not made there.
func mkfifo(t *testing.T, _ string) {
	t.Skip("the fixture holds a FIFO: not on Windows")
}
