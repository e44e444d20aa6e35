package pipeline

// spares does nothing on Windows (Ops.SpareFDs): there is no per-process
// descriptor limit of the kind EMFILE reports, and nothing to reserve.
type spares struct{}

func (*spares) open(int) error { return nil }
func (*spares) restore()       {}
func (*spares) close()         {}

// outOfFDs is never true on Windows.
func outOfFDs(error) bool { return false }
