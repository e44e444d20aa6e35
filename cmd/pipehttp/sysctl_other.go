//go:build !linux

package main

import "log/slog"

// reusePortNotice has nothing to say where the kernel has no
// net.ipv4.tcp_migrate_req.
func reusePortNotice(*slog.Logger) {}
