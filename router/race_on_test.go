//go:build race

package router_test

// raceEnabled: the race detector makes sync.Pool drop a random share of
// Puts on purpose, so pooled allocation counts are meaningless under it.
const raceEnabled = true
