package content_test

import (
	"fmt"
	"log"
	"os"
	"path/filepath"
	"time"

	"pipehttp/content"
	"pipehttp/parser"
	"pipehttp/response"
)

func ExampleAnswer() {
	dir, err := os.MkdirTemp("", "content-example")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	name := filepath.Join(dir, "f.bin")
	os.WriteFile(name, []byte("0123456789"), 0o644)

	for _, rng := range []string{"bytes=2-4", "bytes=-3", "bytes=20-"} {
		f, err := os.Open(name)
		if err != nil {
			log.Fatal(err)
		}
		fi, _ := f.Stat()
		req := &parser.Request{Method: []byte("GET"), Fields: []parser.Field{{Name: []byte("Range"), Value: []byte(rng)}}}
		var resp response.Response
		rep := content.Representation{File: f, Size: fi.Size(), ContentType: "application/octet-stream",
			Validators: content.NewValidators(fi, "", time.Now())}
		if !content.Answer(req, &resp, rep, response.NoErrorBody) {
			resp.Status, resp.File, resp.FileSize = 200, f, fi.Size() // the caller's whole answer
		}
		var crange string
		for _, fl := range resp.Fields {
			if fl.Name == "Content-Range" {
				crange = fl.Value
			}
		}
		fmt.Println(rng, resp.Status, crange, resp.ContentLength())
		resp.Release()
	}
	// Output:
	// bytes=2-4 206 bytes 2-4/10 3
	// bytes=-3 206 bytes 7-9/10 3
	// bytes=20- 416 bytes */10 0
}
