package parser_test

import (
	"fmt"

	"pipehttp/parser"
)

func ExampleParser_ParseHead() {
	var p parser.Parser
	var req parser.Request

	// The bytes of one connection, arriving in two reads.
	conn := []byte("POST /echo/hi?x=1 HTTP/1.1\r\nHost: example.com\r\nContent-Length: 5\r\n\r\nhello")
	buf := conn[:20]
	_, err := p.ParseHead(buf, &req)
	fmt.Println(err == parser.ErrNeedMore)

	buf = conn // same bytes, more of them
	n, err := p.ParseHead(buf, &req)
	if err != nil {
		fmt.Println(parser.Status(err))
		return
	}
	fmt.Printf("%s %s query=%s host=%s keep-alive=%v\n", req.Method, req.Path, req.Query, req.Host, req.KeepAlive)

	// The body follows the head.
	var body parser.BodyReader
	body.Reset(&req, p.Limits)
	data, _, done, _ := body.Decode(buf[n:])
	fmt.Printf("%s %v\n", data, done)
	// Output:
	// true
	// POST /echo/hi query=x=1 host=example.com keep-alive=true
	// hello true
}

func ExampleStatus() {
	var p parser.Parser
	var req parser.Request
	_, err := p.ParseHead([]byte("GET / HTTP/1.1\r\nTransfer-Encoding : chunked\r\n\r\n"), &req)
	fmt.Println(parser.Status(err), err)
	// Output:
	// 400 parse header: whitespace before colon: malformed request
}
