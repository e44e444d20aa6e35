//go:build unix

package main

// A load generator for the restart tests: clients that keep sending while
// the servers behind an address are restarted, and a verdict on what they
// saw.

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"fmt"
	"io"
	"math/big"
	"net"
	"net/http"
	"net/http/httptrace"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// loadPlan says how many clients of each kind run.
type loadPlan struct {
	keepAlive int // GET /echo on one persistent connection each
	fresh     int // GET /echo on a new connection per request
	uploaders int // PUT /files/{unique name}, 1 KiB to 256 KiB each, persistent connection
	pause     time.Duration
}

// load is a running load and, once stopped, its verdict.
type load struct {
	t      *testing.T
	base   string // http://host:port
	cancel context.CancelFunc
	wg     sync.WaitGroup
	began  time.Time

	sent, failed, retried atomic.Int64

	mu       sync.Mutex
	done     []time.Time         // completion times of successful requests
	slowest  time.Duration       // the longest any request took
	uploads  map[string][32]byte // acknowledged uploads: name → SHA-256
	failures []string            // the first few failures and retries, for the log
}

// startLoad starts plan's clients against base.
func startLoad(t *testing.T, base string, plan loadPlan) *load {
	ctx, cancel := context.WithCancel(context.Background())
	l := &load{t: t, base: base, cancel: cancel, began: time.Now(), uploads: map[string][32]byte{}}
	client := func(keepAlive bool) *http.Client {
		tr := &http.Transport{DisableKeepAlives: !keepAlive, MaxIdleConnsPerHost: 1}
		return &http.Client{Transport: tr, Timeout: 20 * time.Second}
	}
	for i := range plan.keepAlive + plan.fresh {
		keepAlive := i < plan.keepAlive
		l.wg.Go(func() {
			c := client(keepAlive)
			defer c.CloseIdleConnections()
			for n := 0; ctx.Err() == nil; n++ {
				want := fmt.Sprintf("c%d-%d", i, n)
				l.do(c, "GET", "/echo/"+want, nil, []int{200}, func(body []byte) error {
					if string(body) != want {
						return fmt.Errorf("body %q, want %q", body, want)
					}
					return nil
				})
				time.Sleep(plan.pause)
			}
		})
	}
	for i := range plan.uploaders {
		l.wg.Go(func() {
			c := client(true)
			defer c.CloseIdleConnections()
			for n := 0; ctx.Err() == nil; n++ {
				size, _ := rand.Int(rand.Reader, big.NewInt(255<<10))
				body := make([]byte, 1<<10+int(size.Int64()))
				rand.Read(body)
				name := fmt.Sprintf("up-%d-%d", i, n)
				if l.do(c, "PUT", "/files/"+name, body, []int{201}, nil) {
					l.mu.Lock()
					l.uploads[name] = sha256.Sum256(body)
					l.mu.Unlock()
				}
				time.Sleep(plan.pause)
			}
		})
	}
	return l
}

// do makes one request and records its outcome; it reports success.
func (l *load) do(c *http.Client, method, path string, body []byte, want []int, check func([]byte) error) bool {
	l.sent.Add(1)
	var req *http.Request
	if body != nil {
		req, _ = http.NewRequest(method, l.base+path, bytes.NewReader(body))
	} else {
		req, _ = http.NewRequest(method, l.base+path, nil)
	}
	// Count the requests the client sent twice: Go's transport retries a
	// request that met a keep-alive connection closing under it, if the
	// request is idempotent, so a server that closes connections under
	// its clients shows up here even when the retry hides it from the
	// verdict.
	var conns []httptrace.GotConnInfo
	req = req.WithContext(httptrace.WithClientTrace(req.Context(), &httptrace.ClientTrace{
		GotConn: func(info httptrace.GotConnInfo) { conns = append(conns, info) },
	}))
	began := time.Now()
	defer func() {
		if len(conns) > 1 {
			l.retried.Add(1)
			first := conns[0]
			l.note(fmt.Sprintf("retried %s %s at +%v: first on a connection reused=%v idle=%v for %v", method, path,
				began.Sub(l.began).Round(time.Millisecond), first.Reused, first.WasIdle, first.IdleTime))
		}
	}()
	resp, err := c.Do(req)
	var got []byte
	if err == nil {
		got, err = io.ReadAll(resp.Body)
		resp.Body.Close()
		if err == nil && !slices.Contains(want, resp.StatusCode) {
			err = fmt.Errorf("status %d (%q)", resp.StatusCode, bytes.TrimSpace(got))
		}
		if err == nil && check != nil {
			err = check(got)
		}
	}
	now := time.Now()
	l.mu.Lock()
	defer l.mu.Unlock()
	l.slowest = max(l.slowest, now.Sub(began))
	if err != nil {
		l.failed.Add(1)
		l.noteLocked(fmt.Sprintf("%s %s at +%v: %v", method, path, began.Sub(l.began).Round(time.Millisecond), err))
		return false
	}
	l.done = append(l.done, now)
	return true
}

// note records one of the first few failures (and retries) for the log.
func (l *load) note(what string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.noteLocked(what)
}

func (l *load) noteLocked(what string) {
	if len(l.failures) < 10 {
		l.failures = append(l.failures, what)
	}
}

// verdict is what a load saw, once stopped.
type verdict struct {
	sent, failed, retried int64
	uploads, lost         int
	slowest, gap          time.Duration
	failures              []string
}

func (v verdict) String() string {
	return fmt.Sprintf("%d requests sent, %d failed, %d retried by the client; %d uploads acknowledged, %d lost; longest gap with no response completing %v; slowest response %v",
		v.sent, v.failed, v.retried, v.uploads, v.lost, v.gap.Round(time.Millisecond), v.slowest.Round(time.Millisecond))
}

// stop ends the load and checks every acknowledged upload against dir:
// present, and whole.
func (l *load) stop(dir string) verdict {
	l.cancel()
	l.wg.Wait()
	end := time.Now()
	l.mu.Lock()
	defer l.mu.Unlock()
	v := verdict{sent: l.sent.Load(), failed: l.failed.Load(), retried: l.retried.Load(),
		uploads: len(l.uploads), slowest: l.slowest, failures: l.failures}
	slices.SortFunc(l.done, func(a, b time.Time) int { return a.Compare(b) })
	prev := l.began
	for _, at := range append(l.done, end) {
		v.gap = max(v.gap, at.Sub(prev))
		prev = at
	}
	for name, sum := range l.uploads {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil || sha256.Sum256(b) != sum {
			v.lost++
			if len(v.failures) < 20 {
				v.failures = append(v.failures, fmt.Sprintf("upload %s: acknowledged, on disk: %d bytes, %v", name, len(b), err))
			}
		}
	}
	return v
}

// check fails the test unless nothing failed, nothing had to be retried,
// and nothing was lost.
func (v verdict) check(t *testing.T) {
	t.Helper()
	if v.failed > 0 || v.retried > 0 || v.lost > 0 {
		t.Errorf("%v\n%s", v, strings.Join(v.failures, "\n"))
	}
	if v.sent < 100 || v.uploads < 10 {
		t.Errorf("too little load to judge: %v", v)
	}
}

// tempFilesIn lists upload temp files left in dir.
func tempFilesIn(dir string) []string {
	entries, _ := os.ReadDir(dir)
	var left []string
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), ".") && strings.Contains(e.Name(), ".upload-") {
			left = append(left, e.Name())
		}
	}
	return left
}

// freePorts returns n loopback ports nobody listens on now.
func freePorts(t *testing.T, n int) []int {
	t.Helper()
	var ports []int
	var lns []net.Listener
	for range n {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		lns = append(lns, ln)
		ports = append(ports, ln.Addr().(*net.TCPAddr).Port)
	}
	for _, ln := range lns {
		ln.Close()
	}
	return ports
}
