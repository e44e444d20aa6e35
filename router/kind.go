package router

// Kind says who finishes a routed request.
type Kind uint8

const (
	// Inline means the response is complete; the pipeline writes it.
	Inline Kind = iota
	// File means a file route: the pipeline hands the request and response
	// to its file-I/O pool, which calls files.Handler.Serve. The response is
	// left untouched.
	File
	// Static means a path under the static tree (--root): the pipeline hands
	// the request to its file-I/O pool, which calls the static handler.
	Static
)

// String returns "inline", "file" or "static".
func (k Kind) String() string {
	switch k {
	case Inline:
		return "inline"
	case File:
		return "file"
	case Static:
		return "static"
	}
	return "unknown"
}
