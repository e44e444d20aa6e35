//go:build unix && !linux

package main

import "testing"

// withMigrateReq needs Linux's network namespaces and its
// net.ipv4.tcp_migrate_req (netns_linux_test.go): elsewhere the test that
// asks is skipped.
func withMigrateReq(t *testing.T) bool {
	t.Skip("needs a Linux network namespace with net.ipv4.tcp_migrate_req=1")
	return false
}

const migrateReq = "/proc/sys/net/ipv4/tcp_migrate_req"
