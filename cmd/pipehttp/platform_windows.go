package main

import (
	"log/slog"
	"os"
	"syscall"
)

// notifySignals are the signals main handles on Windows: Ctrl-C and
// SIGTERM drain. There is no SIGUSR1 (statsSignal): use --stats-interval
// or the admin listener for the stages' figures.
var notifySignals = []os.Signal{os.Interrupt, syscall.SIGTERM}

var statsSignal os.Signal

// closeOnExec does nothing: socket activation (LISTEN_FDS) is a unix
// convention.
func closeOnExec(int) {}

// checkFDLimit has nothing to check: Windows has no RLIMIT_NOFILE.
func checkFDLimit(*slog.Logger, int, int) uint64 { return 0 }
