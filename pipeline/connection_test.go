package pipeline_test

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"pipehttp/internal/servertest"
	"pipehttp/pipeline"
)

// RFC 9112 §9.3: HTTP/1.1 connections persist unless either side says
// "close"; HTTP/1.0 ones close unless the client asks for keep-alive.
func TestPersistence(t *testing.T) {
	ts := start(t, options{})
	tests := []struct {
		name       string
		request    string
		connection string // the response's Connection field; "" absent
		closes     bool
	}{
		{"HTTP/1.1 default keeps open", "GET /echo/a HTTP/1.1\r\nHost: x\r\n\r\n", "", false},
		{"HTTP/1.1 close", "GET /echo/a HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", "close", true},
		{"HTTP/1.1 close among tokens", "GET /echo/a HTTP/1.1\r\nHost: x\r\nConnection: foo, Close\r\n\r\n", "close", true},
		{"HTTP/1.0 default closes", "GET /echo/a HTTP/1.0\r\n\r\n", "close", true},
		{"HTTP/1.0 keep-alive", "GET /echo/a HTTP/1.0\r\nConnection: keep-alive\r\n\r\n", "keep-alive", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := dial(t, ts.addr)
			for range 2 { // the second round only runs on a kept-open connection
				c.Send(tt.request)
				r := c.Read(false)
				if r.Status != 200 || string(r.Body) != "a" {
					t.Fatalf("status %d body %q", r.Status, r.Body)
				}
				if got := r.Get(t, "Connection"); got != tt.connection {
					t.Fatalf("Connection %q, want %q", got, tt.connection)
				}
				if tt.closes {
					c.ExpectClosed()
					return
				}
			}
		})
	}
}

// RFC 9112 §9.3.2: pipelined requests are answered in order, even when a
// slow file request comes before a fast one.
func TestPipeliningKeepsOrder(t *testing.T) {
	ts := start(t, options{filesDelay: 300 * time.Millisecond})
	if err := os.WriteFile(filepath.Join(ts.dir, "slow.txt"), []byte("slow"), 0o644); err != nil {
		t.Fatal(err)
	}
	c := dial(t, ts.addr)
	c.Send(get("/echo/first") + get("/files/slow.txt") + get("/echo/third") + get("/user-agent") + get("/files/missing") + get("/echo/last"))
	want := []struct {
		status int
		body   string
	}{{200, "first"}, {200, "slow"}, {200, "third"}, {200, ""}, {404, ""}, {200, "last"}}
	for i, w := range want {
		r := c.Read(false)
		if r.Status != w.status || string(r.Body) != w.body {
			t.Fatalf("response %d: %d %q, want %d %q", i, r.Status, r.Body, w.status, w.body)
		}
	}
}

// Many requests in one write, more than one read buffer holds.
func TestDeepPipeline(t *testing.T) {
	ts := start(t, options{})
	c := dial(t, ts.addr)
	var all strings.Builder
	const n = 500
	for i := range n {
		all.WriteString(get(fmt.Sprintf("/echo/%d", i)))
	}
	sent := make(chan error, 1)
	go func() { // the server may answer before it has read it all
		_, err := c.Conn.Write([]byte(all.String()))
		sent <- err
	}()
	for i := range n {
		r := c.Read(false)
		if want := fmt.Sprint(i); string(r.Body) != want {
			t.Fatalf("response %d: %q", i, r.Body)
		}
	}
	if err := <-sent; err != nil {
		t.Fatal(err)
	}
}

// Many clients at once, each with many keep-alive requests.
func TestConcurrentClients(t *testing.T) {
	// Two hundred file requests arrive at once: however slow this machine,
	// none is shed for waiting on the file queue.
	ts := start(t, options{cfg: pipeline.Config{QueueWait: 10 * time.Second}})
	if err := os.WriteFile(filepath.Join(ts.dir, "f.bin"), bytesOf(10_000), 0o644); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	errs := make(chan error, 200)
	for i := range 200 {
		wg.Go(func() {
			conn, err := dialPlain(ts.addr)
			if err != nil {
				errs <- err
				return
			}
			defer conn.Close()
			for k := range 20 {
				path := fmt.Sprintf("/echo/%d-%d", i, k)
				if k%5 == 0 {
					path = "/files/f.bin"
				}
				if _, err := conn.Write([]byte(get(path))); err != nil {
					errs <- err
					return
				}
				r, err := readResponse(conn.r, false)
				if err != nil {
					errs <- err
					return
				}
				if r.Status != 200 || (k%5 != 0 && string(r.Body) != path[len("/echo/"):]) || (k%5 == 0 && len(r.Body) != 10_000) {
					errs <- fmt.Errorf("client %d request %d: %d %q", i, k, r.Status, r.Body)
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

// Invariant 1: an idle keep-alive connection holds no worker. With one
// parse worker and 1,000 idle connections, a new client is served at once.
// Under epoll an idle connection holds no goroutine either: the goroutine
// count does not grow with the connections. The portable poller parks one
// goroutine per connection by design (poller.go): there the count grows by
// exactly one per connection, and falls back once they are closed.
func TestIdleConnectionsHoldNoWorker(t *testing.T) {
	ts := start(t, options{cfg: pipeline.Config{ParseWorkers: 1, RouteWorkers: 1, WriteWorkers: 1}})
	portable := ts.srv.Config().Poller == pipeline.PollerPortable
	warm := dial(t, ts.addr)
	warm.Send(get("/echo/warm"))
	warm.Read(false)
	before := numGoroutine()

	const idle = 1000
	conns := make([]*rawConn, 0, idle)
	defer func() {
		for _, c := range conns {
			c.Close()
		}
	}()
	for i := range idle {
		c, err := dialPlain(ts.addr)
		if err != nil {
			t.Fatalf("dial %d: %v", i, err)
		}
		conns = append(conns, c)
		c.Write([]byte(get("/echo/x")))
		if r, err := readResponse(c.r, false); err != nil || r.Status != 200 {
			t.Fatalf("conn %d: %v", i, err)
		}
	}
	if st := ts.srv.Stats(); st.OpenConns < idle {
		t.Fatalf("%d open connections, want at least %d", st.OpenConns, idle)
	}
	after := numGoroutine()
	switch {
	case !portable && after > before+5:
		t.Errorf("goroutines grew from %d to %d with %d idle connections", before, after, idle)
	case portable && (after < before+idle || after > before+idle+5):
		t.Errorf("portable poller: goroutines grew from %d to %d with %d idle connections, want one waiter each", before, after, idle)
	}

	began := time.Now()
	r := roundTrip(t, ts.addr, get("/echo/new"))
	if r.Status != 200 || string(r.Body) != "new" {
		t.Fatalf("new client: %d %q", r.Status, r.Body)
	}
	// Generous: a worker pinned by an idle connection would never answer.
	if d := time.Since(began); d > 2*time.Second {
		t.Errorf("new client waited %v behind idle connections", d)
	}
	// And the idle ones are still usable.
	for _, i := range []int{0, idle / 2, idle - 1} {
		conns[i].Write([]byte(get("/echo/again")))
		if r, err := readResponse(conns[i].r, false); err != nil || string(r.Body) != "again" {
			t.Fatalf("idle conn %d: %v", i, err)
		}
	}
	// Closed by the clients, they leave nothing behind (the waiters too).
	for _, c := range conns {
		c.Close()
	}
	conns = nil
	if !servertest.Within(5*time.Second, func() bool { return runtime.NumGoroutine() <= before+5 && ts.srv.Stats().OpenConns <= 2 }) { // warm and new stay open {
		t.Errorf("after the idle connections closed: %d goroutines (%d before them), %d open connections",
			runtime.NumGoroutine(), before, ts.srv.Stats().OpenConns)
	}
}

// Invariant 4: with the file pool saturated by a slow disk, /echo is still
// answered promptly.
func TestSlowDiskDoesNotSlowEcho(t *testing.T) {
	const delay = 300 * time.Millisecond
	ts := start(t, options{cfg: pipeline.Config{FileWorkers: 2, FileQueue: 64}, filesDelay: delay})
	if err := os.WriteFile(filepath.Join(ts.dir, "f.txt"), []byte("f"), 0o644); err != nil {
		t.Fatal(err)
	}
	defer fileClients(ts.addr, 20)()
	time.Sleep(100 * time.Millisecond) // let the file pool fill
	if busy := fileStage(ts.srv).Busy; busy != 2 {
		t.Fatalf("file workers busy: %d, want the pool saturated (2)", busy)
	}
	worst := slowestEcho(t, ts.addr, 0)
	if worst > delay/2 {
		t.Errorf("slowest /echo took %v with the file pool saturated (file delay %v)", worst, delay)
	}
	t.Logf("slowest of 20 /echo requests with the file pool saturated: %v", worst)
}

// Invariant 3: a full file queue sheds with 503 and Retry-After after
// QueueWait, instead of blocking the route stage.
func TestFullFileQueueSheds(t *testing.T) {
	ts := start(t, options{
		cfg:        pipeline.Config{FileWorkers: 1, FileQueue: 1, QueueWait: 20 * time.Millisecond},
		filesDelay: 500 * time.Millisecond,
	})
	if err := os.WriteFile(filepath.Join(ts.dir, "f.txt"), []byte("f"), 0o644); err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	statuses := map[int]int{}
	var wg sync.WaitGroup
	for range 6 {
		wg.Go(func() {
			c, err := dialPlain(ts.addr)
			if err != nil {
				t.Error(err)
				return
			}
			defer c.Close()
			c.Write([]byte(get("/files/f.txt")))
			r, err := readResponse(c.r, false)
			if err != nil {
				t.Error(err)
				return
			}
			if r.Status == 503 && r.Get(t, "Retry-After") == "" {
				t.Error("503 without Retry-After")
			}
			mu.Lock()
			statuses[r.Status]++
			mu.Unlock()
		})
	}
	wg.Wait()
	if statuses[503] == 0 || statuses[200] == 0 || statuses[200]+statuses[503] != 6 {
		t.Fatalf("statuses %v: want some 200 and some 503", statuses)
	}
	if fileStage(ts.srv).Shed == 0 {
		t.Error("file stage reports nothing shed")
	}
}

// Invariant 3 at the door: past MaxConns a new connection is answered 503
// with Connection: close, not left waiting in the backlog.
func TestMaxConnsAnswers503(t *testing.T) {
	ts := start(t, options{cfg: pipeline.Config{MaxConns: 2}})
	a, b := dial(t, ts.addr), dial(t, ts.addr)
	a.Send(get("/echo/a"))
	a.Read(false)
	b.Send(get("/echo/b"))
	b.Read(false)
	c := dial(t, ts.addr)
	c.Send(get("/echo/c"))
	r := c.Read(false)
	if r.Status != 503 || r.Get(t, "Connection") != "close" || r.Get(t, "Retry-After") == "" {
		t.Fatalf("third connection: %d, Connection %q, Retry-After %q", r.Status, r.Get(t, "Connection"), r.Get(t, "Retry-After"))
	}
	c.ExpectClosed()
	// Closing one admitted connection makes room again.
	a.Conn.Close()
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		d := dial(t, ts.addr)
		d.Send(get("/echo/d"))
		if r := d.Read(false); r.Status == 200 {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatal("no room after a connection closed")
}

// Protocol errors are answered with their status and Connection: close.
func TestProtocolErrorsClose(t *testing.T) {
	ts := start(t, options{cfg: pipeline.Config{}})
	tests := []struct {
		name   string
		raw    string
		status int
	}{
		{"garbage", "NOT HTTP\r\n\r\n", 400},
		{"HTTP/1.1 without Host (RFC 9112 §3.2)", "GET / HTTP/1.1\r\n\r\n", 400},
		{"version (RFC 9112 §2.3)", "GET / HTTP/2.0\r\nHost: x\r\n\r\n", 505},
		{"CL and TE (RFC 9112 §6.1)", "POST /files/x HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 400},
		{"unknown coding (RFC 9112 §6.1)", "POST /files/x HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n\r\n", 501},
		{"too long URI", "GET /" + strings.Repeat("a", 9000) + " HTTP/1.1\r\nHost: x\r\n\r\n", 414},
		{"too many header bytes", "GET / HTTP/1.1\r\nHost: x\r\nX: " + strings.Repeat("a", 20000) + "\r\n\r\n", 431},
		{"body too large", "POST /files/x HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999999\r\n\r\n", 413},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := dial(t, ts.addr)
			c.Send(tt.raw)
			r := c.Read(false)
			if r.Status != tt.status || r.Get(t, "Connection") != "close" {
				t.Fatalf("status %d Connection %q, want %d close", r.Status, r.Get(t, "Connection"), tt.status)
			}
			c.ExpectClosed()
		})
	}
	if _, err := os.Stat(filepath.Join(ts.dir, "x")); !os.IsNotExist(err) {
		t.Errorf("a rejected upload left a file: %v", err)
	}
}

// Invariant 5 (slowloris): a head trickled in a byte at a time is cut off
// when HeaderTimeout has passed since its first byte.
func TestHeaderTimeoutCountsFromFirstByte(t *testing.T) {
	ts := start(t, options{cfg: pipeline.Config{HeaderTimeout: 400 * time.Millisecond}})
	c := dial(t, ts.addr)
	began := time.Now()
	req := "GET /echo/slow HTTP/1.1\r\nHost: x\r\nX-Padding: " + strings.Repeat("p", 100) + "\r\n\r\n"
	for i := 0; i < len(req); i++ {
		if _, err := c.Conn.Write([]byte{req[i]}); err != nil {
			break // cut off, as it should be
		}
		time.Sleep(20 * time.Millisecond)
		if time.Since(began) > 3*time.Second {
			break
		}
	}
	r, err := readResponse(c.R, false)
	if err == nil && r.Status != 408 {
		t.Fatalf("trickled request answered %d", r.Status)
	}
	if d := time.Since(began); d > 2*time.Second {
		t.Fatalf("connection lived %v with a 400ms header timeout", d)
	}
}

// An idle keep-alive connection is closed after IdleTimeout.
func TestIdleTimeout(t *testing.T) {
	ts := start(t, options{cfg: pipeline.Config{IdleTimeout: 300 * time.Millisecond}})
	c := dial(t, ts.addr)
	c.Send(get("/echo/a"))
	c.Read(false)
	began := time.Now()
	c.ExpectClosed()
	if d := time.Since(began); d < 250*time.Millisecond {
		t.Fatalf("closed after %v, before the idle timeout", d)
	}
}

// A client that resets mid-request disturbs nobody else.
func TestResetMidRequest(t *testing.T) {
	ts := start(t, options{})
	for range 50 {
		c, err := dialPlain(ts.addr)
		if err != nil {
			t.Fatal(err)
		}
		c.Write([]byte("POST /files/partial HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\nabc"))
		c.SetLinger(0) // close with RST
		c.Close()
	}
	r := roundTrip(t, ts.addr, get("/echo/still-here"))
	if r.Status != 200 || string(r.Body) != "still-here" {
		t.Fatalf("%d %q", r.Status, r.Body)
	}
	entries, _ := os.ReadDir(ts.dir)
	if len(entries) != 0 {
		t.Fatalf("cut uploads left files: %v", entries)
	}
}

// Invariant 4 under overload: with more file requests than the file queue
// holds, those waiting for room wait in the waiting room, not in a route
// worker, so /echo behind them is still answered at once (even with one
// route worker), and the ones that wait too long get 503.
func TestOverflowingFileQueueDoesNotBlockRoute(t *testing.T) {
	const delay = 300 * time.Millisecond
	ts := start(t, options{
		cfg:        pipeline.Config{RouteWorkers: 1, FileWorkers: 1, FileQueue: 2, QueueWait: 200 * time.Millisecond},
		filesDelay: delay,
	})
	if err := os.WriteFile(filepath.Join(ts.dir, "f.txt"), []byte("f"), 0o644); err != nil {
		t.Fatal(err)
	}
	defer fileClients(ts.addr, 30)()
	time.Sleep(50 * time.Millisecond)
	if worst := slowestEcho(t, ts.addr, 10*time.Millisecond); worst > 100*time.Millisecond {
		t.Errorf("slowest /echo took %v with the file queue overflowing", worst)
	}
	if fileStage(ts.srv).Shed == 0 {
		t.Error("no file request was shed with 503")
	}
}

// fileClients starts n clients that each GET /files/f.txt once; the
// returned function waits for them.
func fileClients(addr string, n int) (wait func()) {
	var wg sync.WaitGroup
	for range n {
		wg.Go(func() {
			c, err := dialPlain(addr)
			if err != nil {
				return
			}
			defer c.Close()
			c.Write([]byte(get("/files/f.txt")))
			readResponse(c.r, false)
		})
	}
	return wg.Wait
}

// slowestEcho sends 20 /echo requests on one keep-alive connection, pause
// apart, and returns the slowest round trip.
func slowestEcho(t *testing.T, addr string, pause time.Duration) time.Duration {
	t.Helper()
	c := dial(t, addr)
	var worst time.Duration
	for i := range 20 {
		began := time.Now()
		c.Send(get(fmt.Sprintf("/echo/%d", i)))
		if r := c.Read(false); r.Status != 200 {
			t.Fatalf("echo: %d", r.Status)
		}
		worst = max(worst, time.Since(began))
		time.Sleep(pause)
	}
	return worst
}

// With DeferAccept (the default) the kernel hands a connection to accept
// only once it has spoken: a client that connects and stays silent holds
// no MaxConns slot, so the next client is served; when it does speak it is
// served too. Without it, the silent connection takes the only slot.
func TestDeferAccept(t *testing.T) {
	for _, tc := range []struct {
		name   string
		defer_ time.Duration
		want   int
	}{
		{"on", 0, 200},
		{"off", -1, 503},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := pipeline.Config{MaxConns: 1}
			cfg.DeferAccept = tc.defer_
			ts := start(t, options{cfg: cfg})
			silent := dial(t, ts.addr)
			time.Sleep(100 * time.Millisecond) // let accept see it, if it will
			next := dial(t, ts.addr)
			next.Send(get("/echo/next"))
			if r := next.Read(false); r.Status != tc.want {
				t.Fatalf("next client with a silent one connected: %d, want %d", r.Status, tc.want)
			}
			next.Conn.Close()
			if tc.want == 200 {
				eventually(t, "the next client's slot free", func() bool { return ts.srv.Stats().OpenConns == 0 })
				silent.Send(get("/echo/late"))
				if r := silent.Read(false); r.Status != 200 || string(r.Body) != "late" {
					t.Fatalf("the silent client, once it spoke: %d %q", r.Status, r.Body)
				}
			}
		})
	}
}
