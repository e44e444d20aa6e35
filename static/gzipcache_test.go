package static_test

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"pipehttp/parser"
	"pipehttp/response"
	"pipehttp/static"
)

// textFile is about 0.9 MB of text, as in the report that found one gzip
// copy held per pipelined response.
var textFile = func() []byte {
	var b strings.Builder
	for i := 0; b.Len() < 900_000; i++ {
		fmt.Fprintf(&b, "line %d: the quick brown fox jumps over the lazy dog\n", i)
	}
	return []byte(b.String())
}()

// TestGzipCachePipelined: 72 pipelined gzip requests for one 0.9 MB text
// file, sent in one write, are compressed once; interleaved /echo requests
// reuse the same pooled responses and must not write into the shared
// encoding of a small file either.
func TestGzipCachePipelined(t *testing.T) {
	s := newSite(t)
	s.write(t, "a.txt", textFile)
	small := []byte(strings.Repeat("small but compressible; ", 100))
	s.write(t, "small.txt", small)
	addr, h := startHandler(t, s.root, static.Config{})
	c := dial(t, addr)
	const n = 72
	var req strings.Builder
	for i := range n {
		path := "/a.txt"
		if i%2 == 1 {
			path = "/small.txt"
		}
		req.WriteString("GET " + path + " HTTP/1.1\r\nHost: x\r\nAccept-Encoding: gzip\r\n\r\n")
		req.WriteString("GET /echo/" + strings.Repeat("x", 200) + " HTTP/1.1\r\nHost: x\r\n\r\n")
	}
	c.Send(req.String())
	for i := range n {
		r := c.Read(false)
		want := textFile
		if i%2 == 1 {
			want = small
		}
		if r.Status != 200 || r.Get(t, "Content-Encoding") != "gzip" || !bytes.Equal(gunzip(t, r.Body), want) {
			t.Fatalf("response %d: %d %q, body not the file", i, r.Status, r.Get(t, "Content-Encoding"))
		}
		if e := c.Read(false); e.Status != 200 || len(e.Body) != 200 {
			t.Fatalf("echo %d: %d %q", i, e.Status, e.Body)
		}
	}
	st := h.GzipCacheStats()
	// The rest are hits, or waited for the compression in flight.
	if st.Compressions != 2 || st.Entries != 2 {
		t.Errorf("stats %+v: want 2 compressions for %d requests", st, n)
	}
}

// TestGzipCacheCollapse: concurrent misses for one file compress it once
// (singleflight), and every caller gets the whole encoding.
func TestGzipCacheCollapse(t *testing.T) {
	s := newSite(t)
	s.write(t, "a.txt", textFile)
	h, err := static.New(s.root, static.Config{})
	must(t, err)
	defer h.Close()
	const workers = 16
	var start, wg sync.WaitGroup
	start.Add(1)
	bodies := make([][]byte, workers)
	for i := range workers {
		wg.Go(func() {
			start.Wait()
			var resp response.Response
			h.Serve(gzipRequest("/a.txt"), &resp)
			bodies[i] = resp.Body
			resp.Release()
		})
	}
	start.Done()
	wg.Wait()
	for i, b := range bodies {
		if !bytes.Equal(gunzip(t, b), textFile) {
			t.Fatalf("caller %d got a wrong body", i)
		}
	}
	if st := h.GzipCacheStats(); st.Compressions != 1 || st.Hits > workers-1 {
		t.Errorf("stats %+v: want one compression for %d concurrent callers", st, workers)
	}
}

// TestGzipCacheInvalidation: a new modification time or size is a miss,
// and the file's old encoding is replaced, not kept beside the new one.
func TestGzipCacheInvalidation(t *testing.T) {
	s := newSite(t)
	s.write(t, "a.txt", textFile[:100_000])
	h, err := static.New(s.root, static.Config{})
	must(t, err)
	defer h.Close()
	get := func() []byte {
		var resp response.Response
		h.Serve(gzipRequest("/a.txt"), &resp)
		defer resp.Release()
		if resp.Status != 200 || resp.ContentEncoding != "gzip" {
			t.Fatalf("status %d coding %q", resp.Status, resp.ContentEncoding)
		}
		return gunzip(t, resp.Body)
	}
	get()
	get()
	if st := h.GzipCacheStats(); st.Compressions != 1 || st.Hits != 1 {
		t.Fatalf("after two requests: %+v", st)
	}
	later := time.Now().Add(-time.Hour)
	must(t, os.Chtimes(filepath.Join(s.root, "a.txt"), later, later))
	get()
	if st := h.GzipCacheStats(); st.Compressions != 2 || st.Entries != 1 {
		t.Fatalf("after a new mtime: %+v, want a second compression replacing the first", st)
	}
	// Same mtime, new size.
	s.write(t, "a.txt", textFile[:120_000])
	must(t, os.Chtimes(filepath.Join(s.root, "a.txt"), later, later))
	if got := get(); !bytes.Equal(got, textFile[:120_000]) {
		t.Fatalf("served the old encoding after the size changed")
	}
	if st := h.GzipCacheStats(); st.Compressions != 3 || st.Entries != 1 {
		t.Fatalf("after a new size: %+v", st)
	}
}

// TestGzipCacheBound: the cache never holds more than its budget; the least
// recently used encodings go first.
func TestGzipCacheBound(t *testing.T) {
	s := newSite(t)
	const files = 12
	for i := range files {
		// Different text per file, so that the encodings are not tiny.
		var b strings.Builder
		for j := 0; b.Len() < 40_000; j++ {
			fmt.Fprintf(&b, "%d-%d %x\n", i, j, j*7919+i)
		}
		s.write(t, fmt.Sprintf("f%d.txt", i), []byte(b.String()))
	}
	const budget = 64 << 10
	h, err := static.New(s.root, static.Config{GzipCache: budget})
	must(t, err)
	defer h.Close()
	serve := func(name string) {
		var resp response.Response
		h.Serve(gzipRequest("/"+name), &resp)
		resp.Release()
		if resp.Status != 200 {
			t.Fatalf("%s: %d", name, resp.Status)
		}
	}
	for i := range files {
		serve(fmt.Sprintf("f%d.txt", i))
		if st := h.GzipCacheStats(); st.Bytes > budget {
			t.Fatalf("after %d files the cache holds %d bytes, over %d", i+1, st.Bytes, budget)
		}
	}
	st := h.GzipCacheStats()
	if st.Entries == 0 || st.Entries == files {
		t.Fatalf("%+v: want some entries kept and some evicted", st)
	}
	serve(fmt.Sprintf("f%d.txt", files-1)) // the most recent: a hit
	serve("f0.txt")                        // the oldest: evicted, compressed again
	if got := h.GzipCacheStats(); got.Hits != 1 || got.Compressions != files+1 {
		t.Errorf("%+v: want the newest kept and the oldest evicted", got)
	}

	off, err := static.New(s.root, static.Config{GzipCache: -1})
	must(t, err)
	defer off.Close()
	var resp response.Response
	off.Serve(gzipRequest("/f1.txt"), &resp)
	if resp.ContentEncoding != "gzip" || off.GzipCacheStats() != (static.GzipCacheStats{}) {
		t.Errorf("cache off: coding %q, stats %+v", resp.ContentEncoding, off.GzipCacheStats())
	}
}

func gzipRequest(path string) *parser.Request {
	return &parser.Request{Method: []byte("GET"), Path: []byte(path), Version: parser.HTTP11,
		Fields: []parser.Field{{Name: []byte("Accept-Encoding"), Value: []byte("gzip")}}}
}
