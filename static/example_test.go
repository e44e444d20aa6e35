package static_test

import (
	"fmt"
	"log"
	"os"
	"path/filepath"

	"pipehttp/parser"
	"pipehttp/response"
	"pipehttp/static"
)

func ExampleHandler() {
	dir, err := os.MkdirTemp("", "static-example")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	os.WriteFile(filepath.Join(dir, "hello.txt"), []byte("hello, world\n"), 0o644)
	os.Mkdir(filepath.Join(dir, "docs"), 0o755)

	h, err := static.New(dir, static.Config{})
	if err != nil {
		log.Fatal(err)
	}
	defer h.Close()
	for _, req := range []*parser.Request{
		{Method: []byte("GET"), Path: []byte("/hello.txt")},
		{Method: []byte("GET"), Path: []byte("/hello.txt"), Fields: []parser.Field{{Name: []byte("Range"), Value: []byte("bytes=0-4")}}},
		{Method: []byte("GET"), Path: []byte("/docs")},
		{Method: []byte("GET"), Path: []byte("/../etc/passwd")},
	} {
		var resp response.Response
		h.Serve(req, &resp)
		fmt.Println(string(req.Path), resp.Status, resp.ContentType, resp.ContentLength())
		resp.Release() // the writer does this after sending
	}
	// Output:
	// /hello.txt 200 text/plain; charset=utf-8 13
	// /hello.txt 206 text/plain; charset=utf-8 5
	// /docs 301  0
	// /../etc/passwd 403 text/plain; charset=utf-8 14
}
