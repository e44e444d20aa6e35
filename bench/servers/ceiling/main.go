// Command ceiling is the most a Go server can do on this machine: one
// goroutine per connection answers every "\r\n\r\n"-terminated request with
// one fixed, precomputed response, without parsing. Pipelined requests found
// in one read are answered with one write. The only look inside a request is
// for "Connection: close", so that the new-connection-per-request scenario
// can run; it takes --port and --directory (ignored) like the other servers.
package main

import (
	"bytes"
	"flag"
	"fmt"
	"log"
	"net"
	"os"
	"strconv"
)

const (
	keep    = "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 5\r\n\r\nhello"
	closing = "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 5\r\nConnection: close\r\n\r\nhello"
)

// responses holds enough copies of keep for one read's worth of pipelined
// requests.
var responses = bytes.Repeat([]byte(keep), 256)

func main() {
	host := flag.String("host", "127.0.0.1", "interface address")
	port := flag.Int("port", 4221, "TCP port")
	flag.String("directory", ".", "ignored")
	flag.Duration("files-delay", 0, "ignored")
	flag.Parse()
	ln, err := net.Listen("tcp", net.JoinHostPort(*host, strconv.Itoa(*port)))
	if err != nil {
		log.Fatal(err)
	}
	fmt.Fprintln(os.Stderr, "ceiling listening on", ln.Addr())
	for {
		c, err := ln.Accept()
		if err != nil {
			log.Fatal(err)
		}
		go serve(c)
	}
}

func serve(c net.Conn) {
	defer c.Close()
	buf := make([]byte, 4096)
	matched := 0 // bytes of "\r\n\r\n" matched at the end of the previous read
	for {
		n, err := c.Read(buf)
		if n > 0 {
			count := 0
			for _, b := range buf[:n] {
				switch {
				case b == "\r\n\r\n"[matched]:
					matched++
					if matched == 4 {
						count++
						matched = 0
					}
				case b == '\r':
					matched = 1
				default:
					matched = 0
				}
			}
			if count > 0 && bytes.Contains(buf[:n], []byte("Connection: close")) {
				c.Write([]byte(closing))
				return
			}
			for count > 0 {
				k := min(count, 256)
				if _, err := c.Write(responses[:k*len(keep)]); err != nil {
					return
				}
				count -= k
			}
		}
		if err != nil {
			return
		}
	}
}
