//go:build unix

package main

import (
	"fmt"
	"log/slog"
	"os"
	"syscall"
)

// notifySignals are the signals main handles: SIGTERM and SIGINT drain,
// SIGUSR1 logs the stages' figures (statsSignal).
var notifySignals = []os.Signal{syscall.SIGINT, syscall.SIGTERM, syscall.SIGUSR1}

var statsSignal os.Signal = syscall.SIGUSR1

func closeOnExec(fd int) { syscall.CloseOnExec(fd) }

// checkFDLimit warns when --max-conns plus the descriptors the server
// needs for itself exceed RLIMIT_NOFILE, and says which limit wins. The
// server's own are the ones open now (listeners, pollers, spares, logs,
// the runtime's) plus one per file worker (a file open while it serves).
// It returns the limit (0 if unknown), for the banner.
func checkFDLimit(log *slog.Logger, maxConns, fileWorkers int) uint64 {
	var rl syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &rl); err != nil {
		return 0
	}
	limit := uint64(rl.Cur) // int64 on FreeBSD
	if limit >= rlimInfinity {
		return 0
	}
	own := openDescriptors() + fileWorkers
	if need := uint64(maxConns + own); need > limit {
		room := max(int(limit)-own, 0)
		log.Warn("descriptor limit: --max-conns and the server's own descriptors exceed RLIMIT_NOFILE, which wins",
			"rlimit_nofile", limit, "max_conns", maxConns, "own", own, "wins", "rlimit_nofile",
			"connections", room,
			"then", "new connections get 503 with Retry-After (a spare descriptor answers them)",
			"hint", fmt.Sprintf("raise it to %d or more (ulimit -n, prlimit, LimitNOFILE= in a systemd unit) or lower --max-conns to %d", need, room))
	}
	return limit
}

// rlimInfinity is where RLIM_INFINITY begins, as Getrlimit reports it: ^0
// on Linux, 2^63-1 on macOS and FreeBSD.
const rlimInfinity = 1 << 62

// openDescriptors counts the process's open descriptors (-1 for the one
// reading the directory).
func openDescriptors() int {
	for _, dir := range []string{"/proc/self/fd", "/dev/fd"} {
		if entries, err := os.ReadDir(dir); err == nil {
			return len(entries) - 1
		}
	}
	return 0
}
