package pipeline_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"pipehttp/parser"
	"pipehttp/pipeline"
	"pipehttp/response"
	"pipehttp/router"
)

// pattern is an endless deterministic byte stream (a 256-byte cycle that
// depends on seed) that allocates nothing and is fast even under -race.
type pattern struct {
	seed  byte
	i     int
	cycle []byte
}

func (p *pattern) Read(b []byte) (int, error) {
	if p.cycle == nil {
		p.cycle = make([]byte, 512)
		for k := range p.cycle {
			p.cycle[k] = p.seed ^ byte(k)
		}
	}
	n := 0
	for n < len(b) {
		c := copy(b[n:], p.cycle[p.i:p.i+256])
		n += c
		p.i = (p.i + c) % 256
	}
	return n, nil
}

func patternSum(seed byte, n int64) [32]byte {
	h := sha256.New()
	io.CopyN(h, &pattern{seed: seed}, n)
	var sum [32]byte
	copy(sum[:], h.Sum(nil))
	return sum
}

func fileSum(t *testing.T, path string) [32]byte {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	h := sha256.New()
	io.Copy(h, f)
	var sum [32]byte
	copy(sum[:], h.Sum(nil))
	return sum
}

// peakHeap samples the heap in use until stop is closed.
func peakHeap(stop <-chan struct{}) <-chan uint64 {
	out := make(chan uint64, 1)
	go func() {
		var peak uint64
		var ms runtime.MemStats
		for {
			runtime.ReadMemStats(&ms)
			peak = max(peak, ms.HeapInuse)
			select {
			case <-stop:
				out <- peak
				return
			case <-time.After(20 * time.Millisecond):
			}
		}
	}()
	return out
}

func tempFiles(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	return names
}

// A large upload is streamed to disk: the heap stays flat however large
// the body, and the file is exact.
func TestLargeUploadStreamsWithFlatMemory(t *testing.T) {
	const size = 256 << 20
	ts := start(t, options{cfg: pipeline.Config{Limits: parser.Limits{MaxBody: 1 << 30}}})
	runtime.GC()
	var before runtime.MemStats
	runtime.ReadMemStats(&before)
	stop := make(chan struct{})
	peak := peakHeap(stop)

	c := dial(t, ts.addr)
	c.Conn.SetDeadline(time.Now().Add(60 * time.Second))
	c.Send("POST /files/big.bin HTTP/1.1\r\nHost: x\r\nContent-Length: " + strconv.Itoa(size) + "\r\n\r\n")
	if _, err := io.CopyN(c.Conn, &pattern{seed: 7}, size); err != nil {
		t.Fatal(err)
	}
	r := c.Read(false)
	close(stop)
	if r.Status != 201 {
		t.Fatalf("status %d", r.Status)
	}
	if got, want := fileSum(t, filepath.Join(ts.dir, "big.bin")), patternSum(7, size); got != want {
		t.Fatal("uploaded file differs from what was sent")
	}
	if grew := int64(<-peak) - int64(before.HeapInuse); grew > 32<<20 {
		t.Errorf("heap grew by %d MiB during a %d MiB upload", grew>>20, size>>20)
	}
}

// RFC 9112 §7.1 + invariant 8: a chunked upload cut mid-body leaves no
// file and no temporary file, and so does one cut mid-Content-Length.
func TestCutUploadLeavesNothing(t *testing.T) {
	ts := start(t, options{})
	heads := []string{
		"POST /files/cut.bin HTTP/1.1\r\nHost: x\r\nContent-Length: 10000000\r\n\r\n",
		"POST /files/cut.bin HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n100000\r\n",
	}
	for _, head := range heads {
		c, err := dialPlain(ts.addr)
		if err != nil {
			t.Fatal(err)
		}
		c.Write([]byte(head))
		io.CopyN(c, &pattern{}, 300_000)
		time.Sleep(50 * time.Millisecond) // let the server start writing the temp file
		c.Close()
	}
	deadline := time.Now().Add(5 * time.Second)
	for len(tempFiles(t, ts.dir)) > 0 && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if left := tempFiles(t, ts.dir); len(left) > 0 {
		t.Fatalf("cut uploads left %v", left)
	}
}

// Invariant 8: twenty concurrent uploads to one name leave exactly one of
// the bodies, whole, and no temporary files.
func TestConcurrentUploadsLeaveOneWholeBody(t *testing.T) {
	ts := start(t, options{})
	const size = 200_000
	var wg sync.WaitGroup
	for i := range 20 {
		wg.Go(func() {
			c, err := dialPlain(ts.addr)
			if err != nil {
				t.Error(err)
				return
			}
			defer c.Close()
			c.Write([]byte("POST /files/same.bin HTTP/1.1\r\nHost: x\r\nContent-Length: " + strconv.Itoa(size) + "\r\n\r\n"))
			io.CopyN(c, &pattern{seed: byte(i)}, size)
			if r, err := readResponse(c.r, false); err != nil || r.Status != 201 {
				t.Errorf("upload %d: %v %v", i, r, err)
			}
		})
	}
	wg.Wait()
	got := fileSum(t, filepath.Join(ts.dir, "same.bin"))
	found := false
	for i := range 20 {
		found = found || got == patternSum(byte(i), size)
	}
	if !found {
		t.Fatal("the file is none of the uploaded bodies")
	}
	if names := tempFiles(t, ts.dir); len(names) != 1 {
		t.Fatalf("directory holds %v", names)
	}
}

// RFC 9110 §10.1.1: a request that will be refused gets its final status
// at once, without "100 Continue", and the body is never read.
func TestExpectContinueRefusedAtOnce(t *testing.T) {
	ts := start(t, options{cfg: pipeline.Config{Limits: parser.Limits{MaxBody: 4000}}})
	tests := []struct {
		name   string
		raw    string
		status int
	}{
		{"wrong method for the route", "POST /echo/x HTTP/1.1\r\nHost: x\r\nContent-Length: 3000\r\nExpect: 100-continue\r\n\r\n", 405},
		{"no such route", "POST /nope HTTP/1.1\r\nHost: x\r\nContent-Length: 3000\r\nExpect: 100-continue\r\n\r\n", 404},
		{"too large (RFC 9110 §15.5.14)", "POST /files/x HTTP/1.1\r\nHost: x\r\nContent-Length: 5000\r\nExpect: 100-continue\r\n\r\n", 413},
		{"name leaving the directory", "POST /files/..%2fescape HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\nExpect: 100-continue\r\n\r\n", 403},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := dial(t, ts.addr)
			c.Send(tt.raw)
			r := c.Read(false)
			if r.Status != tt.status || r.Get(t, "Connection") != "close" {
				t.Fatalf("got %d Connection %q, want %d and close", r.Status, r.Get(t, "Connection"), tt.status)
			}
		})
	}
	if names := tempFiles(t, ts.dir); len(names) != 0 {
		t.Fatalf("refused uploads left %v", names)
	}
}

// Invariant 5: a slow uploader holds a file worker only while its own
// bytes are written, so with one file worker a download still goes through.
func TestSlowUploaderDoesNotHoldTheFilePool(t *testing.T) {
	ts := start(t, options{cfg: pipeline.Config{FileWorkers: 1}})
	os.WriteFile(filepath.Join(ts.dir, "f.txt"), []byte("file"), 0o644)
	up := dial(t, ts.addr)
	up.Send("POST /files/slow.bin HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\n")
	stop := make(chan struct{})
	var wg sync.WaitGroup
	defer wg.Wait()
	defer close(stop)
	wg.Go(func() {
		for {
			select {
			case <-stop:
				return
			case <-time.After(10 * time.Millisecond):
				up.Conn.Write([]byte("x"))
			}
		}
	})
	time.Sleep(100 * time.Millisecond)
	began := time.Now()
	r := roundTrip(t, ts.addr, get("/files/f.txt"))
	if r.Status != 200 || string(r.Body) != "file" {
		t.Fatalf("%d %q", r.Status, r.Body)
	}
	if d := time.Since(began); d > time.Second {
		t.Fatalf("download waited %v behind a slow upload", d)
	}
}

// RFC 9112 §9.3.2: a request pipelined after a streamed body is answered.
func TestPipelinedAfterStreamedBody(t *testing.T) {
	ts := start(t, options{})
	c := dial(t, ts.addr)
	c.Send("POST /files/a.txt HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n" + get("/files/a.txt") + get("/echo/z"))
	for i, want := range []struct {
		status int
		body   string
	}{{201, ""}, {200, "abc"}, {200, "z"}} {
		if r := c.Read(false); r.Status != want.status || string(r.Body) != want.body {
			t.Fatalf("response %d: %d %q", i, r.Status, r.Body)
		}
	}
}

// Invariant 5: a client that stops reading is cut off after WriteTimeout
// and holds nothing after that.
func TestWriteTimeout(t *testing.T) {
	ts := start(t, options{cfg: pipeline.Config{WriteTimeout: 300 * time.Millisecond}})
	os.WriteFile(filepath.Join(ts.dir, "big.bin"), bytesOf(32<<20), 0o644)
	c := dial(t, ts.addr)
	c.Conn.(interface{ SetReadBuffer(int) error }).SetReadBuffer(4096)
	c.Send(get("/files/big.bin"))
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		if st := ts.srv.Stats(); st.TimedOut > 0 && st.OpenConns == 0 {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("stalled reader not cut off: %+v", ts.srv.Stats())
}

// A large file goes out by sendfile: the heap stays flat.
func TestLargeDownloadFlatMemory(t *testing.T) {
	ts := start(t, options{})
	f, err := os.Create(filepath.Join(ts.dir, "sparse.bin"))
	if err != nil {
		t.Fatal(err)
	}
	const size = 1 << 30
	f.Truncate(size) // sparse: a gigabyte of zeros without the disk
	f.Close()
	runtime.GC()
	var before runtime.MemStats
	runtime.ReadMemStats(&before)
	stop := make(chan struct{})
	peak := peakHeap(stop)
	c := dial(t, ts.addr)
	c.Conn.SetDeadline(time.Now().Add(60 * time.Second))
	c.Send(get("/files/sparse.bin"))
	head := c.Read(true) // the body follows; count it without keeping it
	if head.Status != 200 || head.Get(t, "Content-Length") != strconv.Itoa(size) {
		t.Fatalf("%d, Content-Length %s", head.Status, head.Get(t, "Content-Length"))
	}
	n, err := io.CopyN(io.Discard, c.R, size)
	close(stop)
	if err != nil || n != size {
		t.Fatalf("read %d bytes: %v", n, err)
	}
	if grew := int64(<-peak) - int64(before.HeapInuse); grew > 32<<20 {
		t.Errorf("heap grew by %d MiB sending a 1 GiB file", grew>>20)
	}
}

// panicky is a router whose /panic route panics.
type panicky struct{ router.Router }

func (p *panicky) Route(req *parser.Request, resp *response.Response) router.Kind {
	if string(req.Path) == "/panic" {
		panic("handler bug")
	}
	return p.Router.Route(req, resp)
}

// A handler panic becomes a 500 for that request; the connection and the
// server go on.
func TestHandlerPanicIs500(t *testing.T) {
	ts := start(t, options{router: &panicky{}})
	c := dial(t, ts.addr)
	c.Send(get("/echo/before") + get("/panic") + get("/echo/after"))
	for i, want := range []int{200, 500, 200} {
		if r := c.Read(false); r.Status != want {
			t.Fatalf("response %d: %d, want %d", i, r.Status, want)
		}
	}
	if ts.srv.Stats().Panics != 1 {
		t.Fatalf("panics counted: %d", ts.srv.Stats().Panics)
	}
}

// Invariant 6: Shutdown closes idle connections at once, lets an in-flight
// request finish, and returns once everything has stopped.
func TestShutdownDrains(t *testing.T) {
	ts := start(t, options{filesDelay: 500 * time.Millisecond})
	os.WriteFile(filepath.Join(ts.dir, "f.txt"), []byte("slow"), 0o644)
	idle := dial(t, ts.addr)
	idle.Send(get("/echo/idle"))
	idle.Read(false)
	busy := dial(t, ts.addr)
	busy.Send(get("/files/f.txt"))
	time.Sleep(100 * time.Millisecond) // in the file pool now

	done := make(chan error, 1)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		done <- ts.srv.Shutdown(ctx)
	}()
	idle.ExpectClosed()
	r := busy.Read(false)
	if r.Status != 200 || string(r.Body) != "slow" || r.Get(t, "Connection") != "close" {
		t.Fatalf("in-flight request: %d %q Connection %q", r.Status, r.Body, r.Get(t, "Connection"))
	}
	if err := <-done; err != nil {
		t.Fatalf("Shutdown: %v", err)
	}
	if _, err := dialPlain(ts.addr); err == nil {
		t.Fatal("still accepting after Shutdown")
	}
}

// Shutdown's deadline abandons what is still in flight.
func TestShutdownDeadline(t *testing.T) {
	ts := start(t, options{filesDelay: 3 * time.Second})
	os.WriteFile(filepath.Join(ts.dir, "f.txt"), []byte("slow"), 0o644)
	busy := dial(t, ts.addr)
	busy.Send(get("/files/f.txt"))
	time.Sleep(100 * time.Millisecond)
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	began := time.Now()
	if err := ts.srv.Shutdown(ctx); err != context.DeadlineExceeded {
		t.Fatalf("Shutdown: %v, want deadline exceeded", err)
	}
	// The file worker finishes its sleep, then everything stops.
	if d := time.Since(began); d > 5*time.Second {
		t.Fatalf("Shutdown took %v", d)
	}
	busy.ExpectClosed()
}

// Load: 1,000 concurrent connections × 20 keep-alive requests all succeed.
func TestThousandClientsTwentyRequests(t *testing.T) {
	if testing.Short() {
		t.Skip("load test")
	}
	ts := start(t, options{})
	var failures atomic.Int64
	var wg sync.WaitGroup
	for i := range 1000 {
		wg.Go(func() {
			c, err := dialPlain(ts.addr)
			if err != nil {
				failures.Add(1)
				return
			}
			defer c.Close()
			for k := range 20 {
				want := fmt.Sprintf("%d-%d", i, k)
				c.Write([]byte(get("/echo/" + want)))
				r, err := readResponse(c.r, false)
				if err != nil || r.Status != 200 || !bytes.Equal(r.Body, []byte(want)) {
					failures.Add(1)
					return
				}
			}
		})
	}
	wg.Wait()
	if n := failures.Load(); n > 0 {
		t.Fatalf("%d of 1000 clients failed", n)
	}
}

// Hostile input: random bytes, random splits and abrupt closes from many
// clients at once never crash the server or leak (goleak checks after
// Shutdown), and a well-formed client is served afterwards.
func TestRandomGarbage(t *testing.T) {
	ts := start(t, options{cfg: pipeline.Config{HeaderTimeout: 500 * time.Millisecond, BodyTimeout: 500 * time.Millisecond}})
	prefixes := []string{"", "GET / HTTP/1.1\r\n", "POST /files/g HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n",
		"POST /files/g HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\n", "GET /echo/x HTTP/1.1\r\nHost: x\r\n\r\n"}
	var wg sync.WaitGroup
	for i := range 200 {
		wg.Go(func() {
			rng := rand.New(rand.NewPCG(uint64(i), 42))
			c, err := dialPlain(ts.addr)
			if err != nil {
				return
			}
			defer c.Close()
			c.SetDeadline(time.Now().Add(3 * time.Second))
			c.Write([]byte(prefixes[i%len(prefixes)]))
			junk := make([]byte, 1+rng.IntN(4000))
			for k := range junk {
				junk[k] = byte(rng.UintN(256))
				if rng.IntN(10) == 0 { // keep some structure: line ends
					junk[k] = "\r\n:; "[rng.IntN(5)]
				}
			}
			for len(junk) > 0 {
				n := 1 + rng.IntN(len(junk))
				if _, err := c.Write(junk[:n]); err != nil {
					return
				}
				junk = junk[n:]
			}
			if rng.IntN(2) == 0 {
				c.SetLinger(0)
				return // reset
			}
			io.Copy(io.Discard, c) // read until the server closes or the deadline
		})
	}
	wg.Wait()
	r := roundTrip(t, ts.addr, get("/echo/alive"))
	if r.Status != 200 || string(r.Body) != "alive" {
		t.Fatalf("%d %q", r.Status, r.Body)
	}
	if st := ts.srv.Stats(); st.Panics != 0 {
		t.Fatalf("%d handler panics", st.Panics)
	}
}
