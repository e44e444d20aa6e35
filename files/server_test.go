package files_test

import (
	"testing"

	"pipehttp/files"
	"pipehttp/internal/rawhttp"
	"pipehttp/internal/servertest"
	"pipehttp/parser"
	"pipehttp/pipeline"
	"pipehttp/response"
	"pipehttp/router"
)

// serve runs a real pipeline server on a loopback port with h behind
// /files/ (uploads as h says, PUT included), and shuts it down when the
// test ends.
func serve(t *testing.T, h *files.Handler) string {
	t.Helper()
	access := router.FilesReadWrite
	if h.ReadOnly {
		access = router.FilesReadOnly
	}
	srv, err := pipeline.New(pipeline.Config{Addr: "127.0.0.1:0", FileWorkers: 2}, pipeline.Handlers{
		Router: router.NewWith(router.Config{Files: access}),
		Files:  h,
		Receive: func(req *parser.Request, resp *response.Response) pipeline.BodySink {
			if r := h.Receive(req, resp); r != nil {
				return r
			}
			return nil
		},
	}, servertest.Log(t))
	if err != nil {
		t.Fatal(err)
	}
	servertest.Run(t, srv)
	return srv.Addr().String()
}

var dial = rawhttp.Dial
