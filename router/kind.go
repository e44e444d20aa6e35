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
)

// String returns "inline" or "file".
func (k Kind) String() string {
	switch k {
	case Inline:
		return "inline"
	case File:
		return "file"
	}
	return "unknown"
}
