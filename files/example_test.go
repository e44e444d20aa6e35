package files_test

import (
	"fmt"
	"io"
	"log"
	"os"

	"pipehttp/files"
	"pipehttp/parser"
	"pipehttp/response"
)

func ExampleHandler() {
	dir, err := os.MkdirTemp("", "files-example")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	store, err := files.Open(dir)
	if err != nil {
		log.Fatal(err)
	}
	defer store.Close()
	h := &files.Handler{Store: store}

	var resp response.Response
	h.Serve(&parser.Request{Method: []byte("POST"), Path: []byte("/files/hello.txt"), Body: []byte("hi there")}, &resp)
	fmt.Println("POST", resp.Status)

	resp.Reset()
	h.Serve(&parser.Request{Method: []byte("GET"), Path: []byte("/files/hello.txt")}, &resp)
	body, _ := io.ReadAll(resp.File)
	resp.Release() // the writer does this after sending
	fmt.Println("GET", resp.Status, resp.ContentType, resp.FileSize, string(body))

	resp.Reset()
	h.Serve(&parser.Request{Method: []byte("GET"), Path: []byte("/files/../etc/passwd")}, &resp)
	fmt.Println("GET ..", resp.Status)
	// Output:
	// POST 201
	// GET 200 application/octet-stream 8 hi there
	// GET .. 403
}
