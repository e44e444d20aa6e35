package pipeline

// SetHook makes stage ("parse", "route", "file" or "write") call f with the
// target of each request it handles: parse once the head is parsed, route
// before routing it, file before running the file handler, write before
// serializing the response. f may block or panic: tests use it to stall a
// stage or to put a panic inside pipeline code. Set it before Serve.
func SetHook(s *Server, stage string, f func(target string)) {
	for i, name := range poolNames {
		if name == stage {
			s.hooks[i] = f
			return
		}
	}
	panic("pipeline.SetHook: no stage " + stage)
}
