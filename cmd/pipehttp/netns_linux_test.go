package main

// Running a test in a network namespace of its own, where it may set the
// namespace's own sysctls without touching the host's.

import (
	"context"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// netnsEnv names the test a child of the test binary runs, in its own
// network namespace.
const netnsEnv = "PIPEHTTP_TEST_NETNS"

const migrateReq = "/proc/sys/net/ipv4/tcp_migrate_req"

// withMigrateReq reports whether the calling test should run its body
// here: net.ipv4.tcp_migrate_req is 1 in this network namespace (the
// host's, or the one this child process was started in). Otherwise it runs
// the test in a child of the test binary in a new network namespace (its
// loopback up, tcp_migrate_req set to 1 there), fails if the child fails,
// and returns false. Without the privilege to make a namespace the test
// is skipped — unless PIPEHTTP_REQUIRE_TOOLS=1 (CI), where it fails.
func withMigrateReq(t *testing.T) bool {
	t.Helper()
	if os.Getenv(netnsEnv) == t.Name() {
		if err := loopbackUp(); err != nil {
			t.Fatalf("bring up lo in the new namespace: %v", err)
		}
		// PIPEHTTP_TEST_MIGRATE_REQ=0 shows what happens without it (the
		// test then fails whenever a connection was queued at the instant
		// an old listener closed).
		value := "1"
		if v := os.Getenv("PIPEHTTP_TEST_MIGRATE_REQ"); v != "" {
			value = v
		}
		if err := os.WriteFile(migrateReq, []byte(value), 0o644); err != nil {
			t.Fatalf("set tcp_migrate_req in the new namespace: %v", err)
		}
		return true
	}
	if b, err := os.ReadFile(migrateReq); err == nil && strings.TrimSpace(string(b)) == "1" && os.Getenv("PIPEHTTP_TEST_MIGRATE_REQ") == "" {
		return true
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, os.Args[0], "-test.run=^"+regexp.QuoteMeta(t.Name())+"$", "-test.count=1", "-test.v", "-test.timeout=110s")
	cmd.Env = append(os.Environ(), netnsEnv+"="+t.Name(), binaryEnv+"="+binary)
	cmd.SysProcAttr = &syscall.SysProcAttr{Cloneflags: syscall.CLONE_NEWNET}
	out, err := cmd.CombinedOutput()
	if err != nil && !strings.Contains(string(out), "=== RUN") {
		msg := "cannot run in a network namespace of its own (tcp_migrate_req is 0 here): " + err.Error()
		if os.Getenv("PIPEHTTP_REQUIRE_TOOLS") == "1" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	if err != nil || !strings.Contains(string(out), "--- PASS: "+t.Name()) {
		t.Fatalf("in its own network namespace: %v\n%s", err, out)
	}
	for _, line := range strings.Split(string(out), "\n") {
		if strings.Contains(line, ".go:") && !strings.Contains(line, "--- ") {
			t.Log("in its own network namespace: " + strings.TrimSpace(line))
		}
	}
	return false
}

// loopbackUp brings up lo, which a new network namespace starts with down.
func loopbackUp() error {
	fd, err := unix.Socket(unix.AF_INET, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return err
	}
	defer unix.Close(fd)
	ifr, err := unix.NewIfreq("lo")
	if err != nil {
		return err
	}
	if err := unix.IoctlIfreq(fd, unix.SIOCGIFFLAGS, ifr); err != nil {
		return err
	}
	ifr.SetUint16(ifr.Uint16() | unix.IFF_UP)
	return unix.IoctlIfreq(fd, unix.SIOCSIFFLAGS, ifr)
}
