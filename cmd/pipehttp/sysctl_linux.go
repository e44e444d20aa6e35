package main

import (
	"log/slog"
	"os"
	"strings"
)

// reusePortNotice says, once at start with --reuse-port, whether Linux
// will hand the connections waiting on this process's listener to another
// process of the group when it closes (net.ipv4.tcp_migrate_req, Linux
// 5.14 and later), or reset them.
func reusePortNotice(log *slog.Logger) {
	b, err := os.ReadFile("/proc/sys/net/ipv4/tcp_migrate_req")
	switch v := strings.TrimSpace(string(b)); {
	case err != nil:
		log.Warn("--reuse-port: this kernel cannot migrate queued connections (no net.ipv4.tcp_migrate_req): a restart in place may reset the few waiting in the old listener's queue when it closes; inherit the socket instead (LISTEN_FDS) for restarts that lose nothing")
	case v == "0":
		log.Warn("--reuse-port: net.ipv4.tcp_migrate_req is 0: a restart in place may reset the few connections waiting in the old listener's queue when it closes; sysctl -w net.ipv4.tcp_migrate_req=1 hands them to the new process instead")
	}
}
