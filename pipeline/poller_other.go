//go:build !linux

package pipeline

// newReadiness makes the source Config.Poller names: only the portable one
// exists here (validate refuses "epoll").
func newReadiness(p *poller, kind string) (readiness, error) {
	return newPortable(p), nil
}

// DefaultPoller is Config.Poller's default on this system (without
// PIPEHTTP_POLLER).
const DefaultPoller = PollerPortable
