//go:build unix

package pipeline_test

import (
	"os"
	"syscall"
	"testing"

	"pipehttp/files"
	"pipehttp/pipeline"
	"pipehttp/router"
)

// An inherited descriptor that is not a listening TCP socket is refused
// at New, not discovered at the first accept.
func TestInheritedListenerMustListen(t *testing.T) {
	fds, err := syscall.Socketpair(syscall.AF_UNIX, syscall.SOCK_STREAM, 0)
	if err != nil {
		t.Fatal(err)
	}
	notTCP := os.NewFile(uintptr(fds[0]), "socketpair")
	defer notTCP.Close()
	defer syscall.Close(fds[1])
	sock, err := syscall.Socket(syscall.AF_INET, syscall.SOCK_STREAM, 0)
	if err != nil {
		t.Fatal(err)
	}
	if err := syscall.Bind(sock, &syscall.SockaddrInet4{Addr: [4]byte{127, 0, 0, 1}}); err != nil {
		t.Fatal(err)
	}
	notListening := os.NewFile(uintptr(sock), "bound, not listening")
	defer notListening.Close()
	for _, f := range []*os.File{notTCP, notListening} {
		_, err := pipeline.New(pipeline.Config{Ops: pipeline.Ops{Listener: f}},
			pipeline.Handlers{Router: router.New(), Files: &files.Handler{}}, nil)
		if err == nil {
			t.Errorf("%s: New accepted it", f.Name())
		} else {
			t.Logf("%s: %v", f.Name(), err)
		}
	}
}
