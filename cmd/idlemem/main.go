// Command idlemem measures what idle keep-alive connections cost a server.
//
//	idlemem --addr 127.0.0.1:4221 --pid PID --conns 10000
//
// It opens --conns connections to --addr, makes one request on each (so each
// is a real keep-alive connection, not a half-open one), holds them all, and
// reports how much the resident set (VmRSS in /proc/PID/status) of the server
// process grew, per connection. Then, with all of them still held, it times
// a request on a new connection. It works against any HTTP/1.1 server with
// an /echo/{s} route, so the same command compares pipehttp with others.
package main

import (
	"bufio"
	"flag"
	"fmt"
	"net"
	"os"
	"strconv"
	"strings"
	"time"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:4221", "server address (loopback)")
	pid := flag.Int("pid", 0, "server process id, for its VmRSS")
	n := flag.Int("conns", 10000, "idle connections to hold")
	settle := flag.Duration("settle", 2*time.Second, "wait before reading VmRSS")
	flag.Parse()
	if err := run(*addr, *pid, *n, *settle); err != nil {
		fmt.Fprintln(os.Stderr, "idlemem:", err)
		os.Exit(1)
	}
}

func run(addr string, pid, n int, settle time.Duration) error {
	before, err := rss(pid)
	if err != nil {
		return err
	}
	conns := make([]net.Conn, 0, n)
	defer func() {
		for _, c := range conns {
			c.Close()
		}
	}()
	for i := range n {
		c, err := request(addr, "/echo/idle")
		if err != nil {
			return fmt.Errorf("connection %d: %w", i, err)
		}
		conns = append(conns, c)
	}
	time.Sleep(settle)
	after, err := rss(pid)
	if err != nil {
		return err
	}
	began := time.Now()
	c, err := request(addr, "/echo/new")
	if err != nil {
		return fmt.Errorf("new client: %w", err)
	}
	latency := time.Since(began)
	c.Close()
	fmt.Printf("idle connections: %d\nserver VmRSS before: %d bytes\nserver VmRSS after:  %d bytes\nper idle connection: %.0f bytes\nnew client answered in: %v\n",
		n, before, after, float64(after-before)/float64(n), latency)
	return nil
}

// request dials addr, sends one GET for path and reads the whole response.
func request(addr, path string) (net.Conn, error) {
	c, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		return nil, err
	}
	c.SetDeadline(time.Now().Add(10 * time.Second))
	fmt.Fprintf(c, "GET %s HTTP/1.1\r\nHost: x\r\n\r\n", path)
	r := bufio.NewReader(c)
	length := 0
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			c.Close()
			return nil, err
		}
		if line == "\r\n" {
			break
		}
		if name, value, ok := strings.Cut(strings.TrimSpace(line), ":"); ok && strings.EqualFold(name, "Content-Length") {
			length, _ = strconv.Atoi(strings.TrimSpace(value))
		}
	}
	if _, err := r.Discard(length); err != nil {
		c.Close()
		return nil, err
	}
	c.SetDeadline(time.Time{})
	return c, nil
}

func rss(pid int) (int64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	for _, line := range strings.Split(string(b), "\n") {
		if f := strings.Fields(line); len(f) == 3 && f[0] == "VmRSS:" {
			kb, err := strconv.ParseInt(f[1], 10, 64)
			return kb * 1024, err
		}
	}
	return 0, fmt.Errorf("no VmRSS for pid %d", pid)
}
