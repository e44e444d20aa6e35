// Command client holds the load generators wrk cannot be: it is started by
// the runner, pinned to the load CPU, and prints one JSON object on exit.
//
//	client bigread  --addr A --path /files/big --conns 1 --duration 5s
//	client idle     --addr A --conns 10000      (holds them until stdin closes)
//	client slowload --addr A --path /files/small --conns 1000
//	client mixed    --addr A --duration 30s --echo-rate 2000 --file-rate 160   (mixed.go)
//
// bigread fetches a large file over keep-alive connections, reading the body
// in 1 MiB chunks (wrk reads 8 KiB at a time, which caps it). idle opens
// connections, makes one request on each, prints "ready" and holds them.
// slowload keeps --conns file requests outstanding until stdin closes; a 503
// with Retry-After is honoured, as a well-behaved client would.
package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: client bigread|idle|slowload [flags]")
		os.Exit(2)
	}
	if os.Args[1] == "mixed" { // its own flags (mixed.go)
		out, err := mixedMain(os.Args[2:])
		if err != nil {
			fmt.Fprintln(os.Stderr, "client:", err)
			os.Exit(1)
		}
		json.NewEncoder(os.Stdout).Encode(out)
		return
	}
	fs := flag.NewFlagSet(os.Args[1], flag.ExitOnError)
	addr := fs.String("addr", "127.0.0.1:4221", "server address")
	path := fs.String("path", "/files/big", "request target")
	conns := fs.Int("conns", 1, "connections")
	duration := fs.Duration("duration", 5*time.Second, "bigread: how long to run")
	fs.Parse(os.Args[2:])
	var out any
	var err error
	switch os.Args[1] {
	case "bigread":
		out, err = bigread(*addr, *path, *conns, *duration)
	case "idle":
		out, err = idle(*addr, *conns)
	case "slowload":
		out, err = slowload(*addr, *path, *conns)
	default:
		err = fmt.Errorf("unknown mode %q", os.Args[1])
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "client:", err)
		os.Exit(1)
	}
	json.NewEncoder(os.Stdout).Encode(out)
}

// head reads a response head and returns the status code, Content-Length
// and Retry-After (seconds, 0 if absent), and whether the server will close.
func head(r *bufio.Reader) (status int, length int64, retry int, closing bool, err error) {
	line, err := r.ReadString('\n')
	if err != nil {
		return 0, 0, 0, false, err
	}
	if f := strings.Fields(line); len(f) >= 2 {
		status, _ = strconv.Atoi(f[1])
	}
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			return 0, 0, 0, false, err
		}
		if line == "\r\n" {
			return status, length, retry, closing, nil
		}
		name, value, _ := strings.Cut(line, ":")
		value = strings.TrimSpace(value)
		switch strings.ToLower(name) {
		case "content-length":
			length, _ = strconv.ParseInt(value, 10, 64)
		case "retry-after":
			retry, _ = strconv.Atoi(value)
		case "connection":
			closing = strings.EqualFold(value, "close")
		}
	}
}

type bigResult struct {
	Requests int64   `json:"requests"`
	Bytes    int64   `json:"bytes"`
	Seconds  float64 `json:"seconds"`
	MBps     float64 `json:"mbps"`
	P50us    float64 `json:"p50_us"`
	P99us    float64 `json:"p99_us"`
}

func bigread(addr, path string, conns int, d time.Duration) (bigResult, error) {
	var mu sync.Mutex
	var lat []time.Duration
	var total, reqs atomic.Int64
	var wg sync.WaitGroup
	errs := make(chan error, conns)
	start := time.Now()
	deadline := start.Add(d)
	for range conns {
		wg.Go(func() {
			c, err := net.Dial("tcp", addr)
			if err != nil {
				errs <- err
				return
			}
			defer c.Close()
			r := bufio.NewReaderSize(c, 1<<20)
			buf := make([]byte, 1<<20)
			req := []byte("GET " + path + " HTTP/1.1\r\nHost: bench\r\n\r\n")
			var mine []time.Duration
			for time.Now().Before(deadline) {
				began := time.Now()
				if _, err := c.Write(req); err != nil {
					errs <- err
					return
				}
				status, length, _, _, err := head(r)
				if err == nil && status != 200 {
					err = fmt.Errorf("status %d", status)
				}
				if err != nil {
					errs <- err
					return
				}
				for length > 0 {
					n, err := r.Read(buf[:min(int64(len(buf)), length)])
					length -= int64(n)
					total.Add(int64(n))
					if err != nil {
						errs <- err
						return
					}
				}
				mine = append(mine, time.Since(began))
				reqs.Add(1)
			}
			mu.Lock()
			lat = append(lat, mine...)
			mu.Unlock()
		})
	}
	wg.Wait()
	secs := time.Since(start).Seconds()
	select {
	case err := <-errs:
		return bigResult{}, err
	default:
	}
	p50, p99 := percentiles(lat)
	return bigResult{
		Requests: reqs.Load(), Bytes: total.Load(), Seconds: secs,
		MBps:  float64(total.Load()) / secs / 1e6,
		P50us: p50, P99us: p99,
	}, nil
}

func percentiles(lat []time.Duration) (p50, p99 float64) {
	if len(lat) == 0 {
		return 0, 0
	}
	slices.Sort(lat)
	at := func(q float64) float64 {
		return float64(lat[min(len(lat)-1, int(q*float64(len(lat))))]) / 1e3
	}
	return at(0.50), at(0.99)
}

type idleResult struct {
	Conns int `json:"conns"`
}

// idle opens n connections with 16 dialers, one request each, says "ready"
// on stderr and holds them until stdin reaches EOF.
func idle(addr string, n int) (idleResult, error) {
	conns := make([]net.Conn, n)
	var next atomic.Int64
	var wg sync.WaitGroup
	var first error
	var once sync.Once
	for range 16 {
		wg.Go(func() {
			for {
				i := int(next.Add(1)) - 1
				if i >= n {
					return
				}
				c, err := request(addr, "/echo/idle")
				if err != nil {
					once.Do(func() { first = fmt.Errorf("connection %d: %w", i, err) })
					return
				}
				conns[i] = c
			}
		})
	}
	wg.Wait()
	defer func() {
		for _, c := range conns {
			if c != nil {
				c.Close()
			}
		}
	}()
	if first != nil {
		return idleResult{}, first
	}
	fmt.Fprintln(os.Stderr, "ready")
	io.Copy(io.Discard, os.Stdin)
	return idleResult{Conns: n}, nil
}

// request dials addr, sends one GET and reads the whole response.
func request(addr, path string) (net.Conn, error) {
	c, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		return nil, err
	}
	c.SetDeadline(time.Now().Add(10 * time.Second))
	fmt.Fprintf(c, "GET %s HTTP/1.1\r\nHost: bench\r\n\r\n", path)
	r := bufio.NewReaderSize(c, 512)
	_, length, _, _, err := head(r)
	if err == nil {
		_, err = r.Discard(int(length))
	}
	if err != nil {
		c.Close()
		return nil, err
	}
	c.SetDeadline(time.Time{})
	return c, nil
}

type slowResult struct {
	Seconds  float64       `json:"seconds"`
	Statuses map[int]int64 `json:"statuses"`
	Errors   int64         `json:"errors"`
}

// slowload keeps n file requests outstanding, each connection sending its
// next request when the previous answer arrives, until stdin reaches EOF.
func slowload(addr, path string, n int) (slowResult, error) {
	stop := make(chan struct{})
	go func() {
		io.Copy(io.Discard, os.Stdin)
		close(stop)
	}()
	stopped := func() bool {
		select {
		case <-stop:
			return true
		default:
			return false
		}
	}
	var mu sync.Mutex
	res := slowResult{Statuses: map[int]int64{}}
	var errCount atomic.Int64
	start := time.Now()
	var wg sync.WaitGroup
	for range n {
		wg.Go(func() {
			counts := map[int]int64{}
			defer func() {
				mu.Lock()
				for k, v := range counts {
					res.Statuses[k] += v
				}
				mu.Unlock()
			}()
			req := []byte("GET " + path + " HTTP/1.1\r\nHost: bench\r\n\r\n")
			var c net.Conn
			var r *bufio.Reader
			for !stopped() {
				if c == nil {
					var err error
					if c, err = net.DialTimeout("tcp", addr, 5*time.Second); err != nil {
						errCount.Add(1)
						time.Sleep(100 * time.Millisecond)
						continue
					}
					r = bufio.NewReaderSize(c, 4096)
				}
				c.SetDeadline(time.Now().Add(30 * time.Second))
				_, err := c.Write(req)
				var status, retry int
				var length int64
				var closing bool
				if err == nil {
					status, length, retry, closing, err = head(r)
				}
				if err == nil {
					_, err = r.Discard(int(length))
				}
				if err != nil {
					if !errors.Is(err, net.ErrClosed) {
						errCount.Add(1)
					}
					c.Close()
					c = nil
					continue
				}
				counts[status]++
				if closing {
					c.Close()
					c = nil
				}
				if status == 503 && retry > 0 {
					select {
					case <-time.After(time.Duration(retry) * time.Second):
					case <-stop:
					}
				}
			}
			if c != nil {
				c.Close()
			}
		})
	}
	wg.Wait()
	res.Seconds = time.Since(start).Seconds()
	res.Errors = errCount.Load()
	return res, nil
}
