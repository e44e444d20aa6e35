package pipeline

import "fmt"

// SetHook makes stage ("parse", "route", "file" or "write") call f with the
// target of each request it handles: parse once the head is parsed, route
// before routing it, file before running the file handler, write before
// serializing the response. f may block or panic: tests use it to stall a
// stage or to put a panic inside pipeline code. Set it before Serve.
func SetHook(s *Server, stage string, f func(target string)) {
	st := s.stageNamed(stage)
	if st == nil || !st.resizable {
		panic("pipeline.SetHook: no stage " + stage)
	}
	st.hook = f
}

// DumpConns describes every registered connection (debugging).
func DumpConns(s *Server) []string {
	var out []string
	for _, p := range s.pollers {
		p.table.each(func(c *conn) {
			out = append(out, fmt.Sprintf("fd %d state %b registered %v fl %v lingering %v dl %v", c.fd, c.state.Load(), c.registered, c.fl != nil, c.lingering, c.deadline.Load()-nanotime()))
		})
	}
	return out
}
