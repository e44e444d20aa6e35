package main

import (
	"bufio"
	"errors"
	"flag"
	"fmt"
	"net"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// mixed is the autotune experiment's load: several classes of requests at
// once, each either open loop (a fixed arrival rate, served by a pool of
// keep-alive connections; latency counts from the scheduled arrival, so a
// slow server is not excused by a client that waited) or closed loop (N
// clients, each sending its next request when the last answer arrived).
// Retry-After is not honoured: the arrivals are many independent users. It
// runs for --duration and prints one JSON object with per-second figures
// for each class.
//
//	client mixed --addr A --duration 30s --echo-rate 2000 --file-rate 160 --file-conns 512
//	client mixed --addr A --duration 40s --echo-rate 2000 --file-clients 64
type mixedClass struct {
	Name    string  `json:"name"`
	Path    string  `json:"path"`
	Rate    float64 `json:"rate,omitempty"`    // open loop: arrivals/s
	Clients int     `json:"clients,omitempty"` // closed loop: clients
	// Missed counts open-loop arrivals dropped because every connection of
	// the pool was busy and the backlog (one second's arrivals) was full.
	Missed int64 `json:"missed"`
	// Seconds[i] covers responses that completed in second i of the run;
	// Total the run after --skip.
	Seconds []mixedSecond `json:"seconds"`
	Total   mixedSecond   `json:"total"`

	conns int
	mu    sync.Mutex
	lat   [][]time.Duration // per second: latencies of 2xx responses
	shed  [][]time.Duration // per second: latencies of 503s
	other []int64           // per second: other statuses and errors
}

type mixedSecond struct {
	OK     int64   `json:"ok"`        // 2xx
	Shed   int64   `json:"shed"`      // 503
	Other  int64   `json:"other"`     // any other status, or an error
	P50us  float64 `json:"p50_us"`    // of 2xx
	P99us  float64 `json:"p99_us"`    // of 2xx
	Shed99 float64 `json:"shed99_us"` // p99 of the 503s: how long "no" took
}

type mixedResult struct {
	Duration float64       `json:"duration"`
	Classes  []*mixedClass `json:"classes"`
}

func mixedMain(args []string) (any, error) {
	fs := flag.NewFlagSet("mixed", flag.ExitOnError)
	addr := fs.String("addr", "127.0.0.1:4221", "server address")
	duration := fs.Duration("duration", 30*time.Second, "how long to run")
	echoRate := fs.Float64("echo-rate", 0, "open-loop /echo/hello arrivals per second (0: none)")
	echoConns := fs.Int("echo-conns", 64, "connections serving the /echo arrivals")
	fileRate := fs.Float64("file-rate", 0, "open-loop file arrivals per second (0: none)")
	fileConns := fs.Int("file-conns", 512, "connections serving the file arrivals")
	fileClients := fs.Int("file-clients", 0, "closed-loop file clients (instead of --file-rate)")
	filePath := fs.String("file-path", "/files/small", "file request target")
	skip := fs.Duration("skip", 0, "leave the first seconds out of the totals (warm-up)")
	fs.Parse(args)
	secs := int(duration.Round(time.Second) / time.Second)
	if secs < 1 {
		return nil, errors.New("--duration must be at least 1s")
	}
	var classes []*mixedClass
	if *echoRate > 0 {
		classes = append(classes, &mixedClass{Name: "echo", Path: "/echo/hello", Rate: *echoRate, conns: *echoConns})
	}
	switch {
	case *fileClients > 0:
		classes = append(classes, &mixedClass{Name: "files", Path: *filePath, Clients: *fileClients})
	case *fileRate > 0:
		classes = append(classes, &mixedClass{Name: "files", Path: *filePath, Rate: *fileRate, conns: *fileConns})
	}
	if len(classes) == 0 {
		return nil, errors.New("no load: give --echo-rate, --file-rate or --file-clients")
	}
	start := time.Now()
	end := start.Add(*duration)
	var wg sync.WaitGroup
	for _, c := range classes {
		c.lat, c.shed, c.other = make([][]time.Duration, secs), make([][]time.Duration, secs), make([]int64, secs)
		if c.Clients > 0 {
			for range c.Clients {
				wg.Go(func() { c.closedLoop(*addr, start, end) })
			}
			continue
		}
		arrivals := make(chan time.Time, max(1, int(c.Rate)))
		for range c.conns {
			wg.Go(func() { c.serveArrivals(*addr, start, arrivals) })
		}
		wg.Go(func() { c.schedule(arrivals, start, end) })
	}
	wg.Wait()
	from := int(skip.Round(time.Second) / time.Second)
	for _, c := range classes {
		var all, allShed []time.Duration
		for i := range secs {
			s := mixedSecond{OK: int64(len(c.lat[i])), Shed: int64(len(c.shed[i])), Other: c.other[i]}
			s.P50us, s.P99us = pct(c.lat[i], 0.5), pct(c.lat[i], 0.99)
			s.Shed99 = pct(c.shed[i], 0.99)
			c.Seconds = append(c.Seconds, s)
			if i >= from {
				all, allShed = append(all, c.lat[i]...), append(allShed, c.shed[i]...)
				c.Total.OK, c.Total.Shed, c.Total.Other = c.Total.OK+s.OK, c.Total.Shed+s.Shed, c.Total.Other+s.Other
			}
		}
		c.Total.P50us, c.Total.P99us, c.Total.Shed99 = pct(all, 0.5), pct(all, 0.99), pct(allShed, 0.99)
	}
	return mixedResult{Duration: duration.Seconds(), Classes: classes}, nil
}

func pct(lat []time.Duration, q float64) float64 {
	if len(lat) == 0 {
		return 0
	}
	slices.Sort(lat)
	return float64(lat[min(len(lat)-1, int(q*float64(len(lat))))].Microseconds())
}

// schedule sends the arrival times, evenly spaced, until end; an arrival
// for which the backlog has no room is missed.
func (c *mixedClass) schedule(arrivals chan<- time.Time, start, end time.Time) {
	defer close(arrivals)
	gap := time.Duration(float64(time.Second) / c.Rate)
	for next := start; next.Before(end); next = next.Add(gap) {
		if d := time.Until(next); d > 0 {
			time.Sleep(d)
		}
		select {
		case arrivals <- next:
		default:
			atomic.AddInt64(&c.Missed, 1)
		}
	}
}

func (c *mixedClass) serveArrivals(addr string, start time.Time, arrivals <-chan time.Time) {
	var cn *conn
	defer func() { cn.close() }()
	for at := range arrivals {
		cn = c.one(addr, cn, start, at)
	}
}

func (c *mixedClass) closedLoop(addr string, start, end time.Time) {
	var cn *conn
	defer func() { cn.close() }()
	for time.Now().Before(end) {
		cn = c.one(addr, cn, start, time.Now())
	}
}

type conn struct {
	c net.Conn
	r *bufio.Reader
}

func (cn *conn) close() {
	if cn != nil {
		cn.c.Close()
	}
}

// one makes one request on cn (dialling if nil) for an arrival at at, and
// records it; it returns the connection to use next (nil after an error or
// a close).
func (c *mixedClass) one(addr string, cn *conn, start, at time.Time) *conn {
	if cn == nil {
		nc, err := net.DialTimeout("tcp", addr, 5*time.Second)
		if err != nil {
			c.record(start, at, 0)
			time.Sleep(10 * time.Millisecond)
			return nil
		}
		cn = &conn{c: nc, r: bufio.NewReaderSize(nc, 8192)}
	}
	cn.c.SetDeadline(time.Now().Add(30 * time.Second))
	_, err := fmt.Fprintf(cn.c, "GET %s HTTP/1.1\r\nHost: bench\r\n\r\n", c.Path)
	var status int
	var length int64
	var closing bool
	if err == nil {
		status, length, _, closing, err = head(cn.r)
	}
	if err == nil {
		_, err = cn.r.Discard(int(length))
	}
	if err != nil {
		c.record(start, at, 0)
		cn.close()
		return nil
	}
	c.record(start, at, status)
	if closing {
		cn.close()
		return nil
	}
	return cn
}

func (c *mixedClass) record(start, at time.Time, status int) {
	now := time.Now()
	i := int(now.Sub(start) / time.Second)
	if i >= len(c.lat) {
		return // completed after the run: not counted
	}
	lat := now.Sub(at)
	c.mu.Lock()
	defer c.mu.Unlock()
	switch {
	case status >= 200 && status < 300:
		c.lat[i] = append(c.lat[i], lat)
	case status == 503:
		c.shed[i] = append(c.shed[i], lat)
	default:
		c.other[i]++
	}
}
