module pipehttp

go 1.26.0

require (
	github.com/klauspost/compress v1.20.3
	github.com/sourcegraph/conc v0.3.0
	go.uber.org/goleak v1.3.0
	golang.org/x/sync v0.24.0
	golang.org/x/sys v0.49.0
)
