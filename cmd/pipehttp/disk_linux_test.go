package main

import (
	"strings"
	"syscall"
	"testing"
)

// TestDiskFullLogged: a full disk answers 507, and the server logs it
// once, with its cause.
func TestDiskFullLogged(t *testing.T) {
	dir := t.TempDir()
	if err := syscall.Mount("tmpfs", dir, "tmpfs", 0, "size=64k"); err != nil {
		t.Skipf("cannot mount a tmpfs here (needs root): %v", err)
	}
	defer syscall.Unmount(dir, syscall.MNT_DETACH)
	p := startBinary(t, "--directory", dir)
	if status, _ := request(t, p.addr, "PUT", "/files/big", strings.Repeat("x", 60000)+strings.Repeat("y", 40000)); status != 507 {
		t.Errorf("PUT onto a full disk: %d, want 507", status)
	}
	stop(t, p)
	if n := strings.Count(p.log.String(), `msg="server error" status=507 method=PUT target=/files/big`); n != 1 {
		t.Errorf("%d log lines for the 507, want 1:\n%s", n, p.log)
	}
	if !strings.Contains(p.log.String(), "no space left on device") {
		t.Errorf("the cause is not logged:\n%s", p.log)
	}
}
