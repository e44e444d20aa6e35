package router_test

import (
	"fmt"

	"pipehttp/parser"
	"pipehttp/response"
	"pipehttp/router"
)

func Example() {
	rt := router.New()
	var resp response.Response

	for _, target := range []string{"/echo/hello", "/files/a.txt", "/nope"} {
		req := &parser.Request{Method: []byte("GET"), Path: []byte(target), Version: parser.HTTP11}
		resp.Reset()
		switch rt.Route(req, &resp) {
		case router.Inline:
			fmt.Printf("%s: %d %q %q\n", target, resp.Status, resp.ContentType, resp.Body)
		case router.File:
			fmt.Printf("%s: to the file pool\n", target)
		}
	}
	// Output:
	// /echo/hello: 200 "text/plain" "hello"
	// /files/a.txt: to the file pool
	// /nope: 404 "" ""
}

func ExampleAcceptsGzip() {
	req := &parser.Request{Fields: []parser.Field{
		{Name: []byte("Accept-Encoding"), Value: []byte("br;q=1.0, gzip;q=0.8")},
	}}
	fmt.Println(router.AcceptsGzip(req))
	req.Fields[0].Value = []byte("*, gzip;q=0")
	fmt.Println(router.AcceptsGzip(req))
	// Output:
	// true
	// false
}
