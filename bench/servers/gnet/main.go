// Command gnet is the event-loop anchor: an HTTP/1.1 /echo server on
// github.com/panjf2000/gnet/v2 (epoll, no goroutine per connection). It
// answers GET / and GET /echo/{s} from whatever complete requests a read
// brought, all of them with one write, and 404 to anything else. It takes
// --port and --directory (ignored) like the other servers.
package main

import (
	"bytes"
	"flag"
	"fmt"
	"log"
	"os"
	"strconv"
	"sync"

	"github.com/panjf2000/gnet/v2"
)

type server struct {
	gnet.BuiltinEventEngine
}

var (
	terminator = []byte("\r\n\r\n")
	closeField = []byte("\r\nConnection: close\r\n")
)

// outputs are response buffers, borrowed for one OnTraffic: an idle
// connection holds none.
var outputs = sync.Pool{New: func() any { b := make([]byte, 0, 4096); return &b }}

func (s *server) OnTraffic(c gnet.Conn) gnet.Action {
	buf, _ := c.Peek(-1)
	pout := outputs.Get().(*[]byte)
	defer outputs.Put(pout)
	out := (*pout)[:0]
	used, closing := 0, false
	for !closing {
		end := bytes.Index(buf[used:], terminator)
		if end < 0 {
			break
		}
		head := buf[used : used+end+2]
		used += end + 4
		closing = bytes.Contains(head, closeField)
		out = respond(out, head, closing)
	}
	if len(out) > 0 {
		c.Write(out) // copied into gnet's outbound buffer if not all written
	}
	*pout = out
	c.Discard(used)
	if closing {
		return gnet.Close
	}
	return gnet.None
}

// respond appends the response to the request whose head (request line and
// fields) is head.
func respond(out, head []byte, closing bool) []byte {
	line, _, _ := bytes.Cut(head, []byte("\r\n"))
	method, rest, _ := bytes.Cut(line, []byte(" "))
	target, _, _ := bytes.Cut(rest, []byte(" "))
	status, body := "404 Not Found", []byte(nil)
	switch {
	case string(method) != "GET":
	case string(target) == "/":
		status = "200 OK"
	case bytes.HasPrefix(target, []byte("/echo/")):
		status, body = "200 OK", target[len("/echo/"):]
	}
	out = append(out, "HTTP/1.1 "...)
	out = append(out, status...)
	out = append(out, "\r\nContent-Type: text/plain\r\nContent-Length: "...)
	out = strconv.AppendInt(out, int64(len(body)), 10)
	if closing {
		out = append(out, "\r\nConnection: close"...)
	}
	out = append(out, "\r\n\r\n"...)
	return append(out, body...)
}

func main() {
	host := flag.String("host", "127.0.0.1", "interface address")
	port := flag.Int("port", 4221, "TCP port")
	flag.String("directory", ".", "ignored")
	flag.Duration("files-delay", 0, "ignored")
	flag.Parse()
	fmt.Fprintln(os.Stderr, "gnet listening on", *host, *port)
	addr := "tcp://" + *host + ":" + strconv.Itoa(*port)
	log.Fatal(gnet.Run(&server{}, addr, gnet.WithMulticore(true), gnet.WithTCPNoDelay(gnet.TCPNoDelay)))
}
