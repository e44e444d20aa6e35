package static_test

import (
	"bytes"
	"crypto/sha256"
	"io"
	"math/rand/v2"
	"mime"
	"mime/multipart"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"pipehttp/static"
)

// part is one piece of a ranged answer: its Content-Range and bytes.
type part struct {
	contentRange string
	body         []byte
}

// parts reads a 206 body: one part from Content-Range, or every part of a
// multipart/byteranges, parsed with mime/multipart.
func parts(t *testing.T, r *resp) []part {
	t.Helper()
	ct := r.Get(t, "Content-Type")
	mt, params, err := mime.ParseMediaType(ct)
	if err != nil {
		t.Fatalf("Content-Type %q: %v", ct, err)
	}
	if mt != "multipart/byteranges" {
		return []part{{r.Get(t, "Content-Range"), r.Body}}
	}
	if r.Has("Content-Range") {
		t.Errorf("multipart answer with a Content-Range field")
	}
	mr := multipart.NewReader(bytes.NewReader(r.Body), params["boundary"])
	var out []part
	for {
		p, err := mr.NextPart()
		if err == io.EOF {
			return out
		}
		if err != nil {
			t.Fatalf("multipart: %v", err)
		}
		b, err := io.ReadAll(p)
		if err != nil {
			t.Fatalf("multipart part: %v", err)
		}
		out = append(out, part{p.Header.Get("Content-Range"), b})
	}
}

// TestRanges walks RFC 9110 §14 on a 1024-byte file.
func TestRanges(t *testing.T) {
	s := newSite(t)
	c := dial(t, start(t, s.root, static.Config{}))
	const size = 1024
	span := func(from, to int) part {
		return part{"bytes " + strconv.Itoa(from) + "-" + strconv.Itoa(to) + "/1024", binary[from : to+1]}
	}
	tests := []struct {
		name   string
		rng    string
		status int
		want   []part
	}{
		{"first bytes (§14.1.2)", "bytes=0-9", 206, []part{span(0, 9)}},
		{"middle", "bytes=100-199", 206, []part{span(100, 199)}},
		{"open-ended", "bytes=1000-", 206, []part{span(1000, 1023)}},
		{"suffix", "bytes=-24", 206, []part{span(1000, 1023)}},
		{"suffix longer than the file", "bytes=-5000", 206, []part{span(0, 1023)}},
		{"last-pos past the end is clipped", "bytes=1020-9999", 206, []part{span(1020, 1023)}},
		{"unit is case-insensitive", "Bytes=0-0", 206, []part{span(0, 0)}},
		{"whitespace in the list", "bytes= 0-0 ,\t5-5", 206, []part{span(0, 5)}},
		{"one satisfiable among unsatisfiable", "bytes=5000-6000, 10-19", 206, []part{span(10, 19)}},
		{"two ranges: multipart (§14.6)", "bytes=0-9, 500-509", 206, []part{span(0, 9), span(500, 509)}},
		{"sorted", "bytes=500-509, 0-9", 206, []part{span(0, 9), span(500, 509)}},
		{"three with a suffix", "bytes=0-0,300-300,-1", 206, []part{span(0, 0), span(300, 300), span(1023, 1023)}},
		{"overlapping coalesced", "bytes=0-99, 50-149", 206, []part{span(0, 149)}},
		{"close ones coalesced", "bytes=0-9, 20-29", 206, []part{span(0, 29)}},
		{"many tiny ranges coalesced", "bytes=" + strings.Repeat("0-0,", 99) + "0-0", 206, []part{span(0, 0)}},
		{"unsatisfiable (§15.5.17)", "bytes=1024-", 416, nil},
		{"unsatisfiable far", "bytes=5000-6000", 416, nil},
		{"zero suffix is unsatisfiable", "bytes=-0", 416, nil},
		{"too many specs: ignored", "bytes=" + strings.Repeat("0-0,", 100) + "0-0", 200, nil},
		{"other unit: ignored (§14.2)", "items=0-9", 200, nil},
		{"malformed: ignored", "bytes=abc", 200, nil},
		{"reversed: ignored", "bytes=9-0", 200, nil},
		{"empty set: ignored", "bytes=", 200, nil},
		{"no dash: ignored", "bytes=5", 200, nil},
		{"huge numbers", "bytes=0-99999999999999999999999", 206, []part{span(0, 1023)}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := c.Request("GET", "/bin", "Range: "+tc.rng)
			if r.Status != tc.status {
				t.Fatalf("status %d, want %d", r.Status, tc.status)
			}
			if r.Get(t, "Accept-Ranges") != "bytes" && tc.status != 416 {
				t.Errorf("Accept-Ranges %q", r.Get(t, "Accept-Ranges"))
			}
			switch tc.status {
			case 200:
				if !bytes.Equal(r.Body, binary) || r.Has("Content-Range") {
					t.Errorf("200: not the whole file, or a Content-Range")
				}
			case 416:
				if got := r.Get(t, "Content-Range"); got != "bytes */"+strconv.Itoa(size) || string(r.Body) != "416 Range Not Satisfiable\n" {
					t.Errorf("416: Content-Range %q, body %q", got, r.Body)
				}
			case 206:
				got := parts(t, r)
				if len(got) != len(tc.want) {
					t.Fatalf("%d parts, want %d", len(got), len(tc.want))
				}
				for i := range got {
					if got[i].contentRange != tc.want[i].contentRange || !bytes.Equal(got[i].body, tc.want[i].body) {
						t.Errorf("part %d: %q %d bytes, want %q %d bytes", i, got[i].contentRange, len(got[i].body), tc.want[i].contentRange, len(tc.want[i].body))
					}
				}
			}
		})
	}
}

// manyRanges lists n one-byte ranges 100 bytes apart (too far to
// coalesce).
func manyRanges(n int) string {
	var specs []string
	for i := range n {
		specs = append(specs, strconv.Itoa(i*100)+"-"+strconv.Itoa(i*100))
	}
	return strings.Join(specs, ",")
}

// TestRangeParts: at most 16 parts after coalescing; past that the Range
// is ignored (RFC 9110 §14.2 allows it) and the whole file sent.
func TestRangeParts(t *testing.T) {
	s := newSite(t)
	big := bytes.Repeat(binary, 4)
	s.write(t, "bin4k", big)
	c := dial(t, start(t, s.root, static.Config{}))
	for n, status := range map[int]int{2: 206, 16: 206, 17: 200, 40: 200} {
		r := c.Request("GET", "/bin4k", "Range: bytes="+manyRanges(n))
		if r.Status != status {
			t.Errorf("%d ranges: %d, want %d", n, r.Status, status)
			continue
		}
		if status == 200 {
			if !bytes.Equal(r.Body, big) {
				t.Errorf("%d ranges: 200 without the whole file", n)
			}
			continue
		}
		ps := parts(t, r)
		if len(ps) != n {
			t.Errorf("%d ranges: %d parts", n, len(ps))
		}
		for i, p := range ps {
			if want := "bytes " + strconv.Itoa(i*100) + "-" + strconv.Itoa(i*100) + "/4096"; p.contentRange != want || len(p.body) != 1 || p.body[0] != big[i*100] {
				t.Errorf("part %d: %q %q, want %q", i, p.contentRange, p.body, want)
			}
		}
	}
}

// TestIfRange: a Range is honoured only while If-Range still matches
// (RFC 9110 §13.1.5); otherwise the whole current file is sent.
func TestIfRange(t *testing.T) {
	s := newSite(t)
	c := dial(t, start(t, s.root, static.Config{}))
	full := c.Request("GET", "/hello.txt")
	etag, lastMod := full.Get(t, "ETag"), full.Get(t, "Last-Modified")
	tests := []struct {
		name, ifRange string
		status        int
	}{
		{"matching ETag", etag, 206},
		{"other ETag", `"other"`, 200},
		{"weak ETag never matches", "W/" + etag, 200},
		{"matching date", lastMod, 206},
		{"other date", "Fri, 01 Jan 2021 00:00:00 GMT", 200},
		{"garbage", "whenever", 200},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := c.Request("GET", "/hello.txt", "Range: bytes=0-4", "If-Range: "+tc.ifRange)
			if r.Status != tc.status {
				t.Fatalf("status %d, want %d", r.Status, tc.status)
			}
			if want := map[int]string{206: "hello", 200: "hello, world\n"}[tc.status]; string(r.Body) != want {
				t.Errorf("body %q, want %q", r.Body, want)
			}
		})
	}
}

// TestEmptyFileRanges: a zero-length file has no byte to send; RFC 9110
// §14.1.1 calls only a suffix range satisfiable there, and there is no
// Content-Range for it, so the whole (empty) file is sent.
func TestEmptyFileRanges(t *testing.T) {
	s := newSite(t)
	c := dial(t, start(t, s.root, static.Config{}))
	for rng, status := range map[string]int{"bytes=0-": 416, "bytes=-10": 200, "bytes=0-0": 416} {
		if r := c.Request("GET", "/empty.txt", "Range: "+rng); r.Status != status {
			t.Errorf("%s: %d, want %d", rng, r.Status, status)
		}
	}
}

// TestLargeFile fetches a 64 MiB file whole, in four ranges on one
// connection, and as one multipart/byteranges: the bytes are the same
// every time (sha256). The ranges and parts go out by sendfile.
func TestLargeFile(t *testing.T) {
	const size = 64 << 20
	root := t.TempDir()
	data := make([]byte, size)
	rng := rand.NewChaCha8([32]byte{1, 2, 3})
	rng.Read(data)
	must(t, os.WriteFile(filepath.Join(root, "big.bin"), data, 0o644))
	want := sha256.Sum256(data)
	c := dial(t, start(t, root, static.Config{}))

	whole := c.Request("GET", "/big.bin", "Accept-Encoding: gzip")
	if whole.Status != 200 || whole.Has("Content-Encoding") || sha256.Sum256(whole.Body) != want {
		t.Fatalf("whole: %d, %d bytes, encoding %q, sha256 differs", whole.Status, len(whole.Body), whole.Get(t, "Content-Encoding"))
	}
	whole = nil

	h := sha256.New()
	for _, r := range []string{"0-16777215", "16777216-33554431", "33554432-50331647", "50331648-"} {
		got := c.Request("GET", "/big.bin", "Range: bytes="+r)
		if got.Status != 206 {
			t.Fatalf("range %s: %d", r, got.Status)
		}
		h.Write(got.Body)
	}
	if [32]byte(h.Sum(nil)) != want {
		t.Fatal("ranges: sha256 differs")
	}

	// Two quarters with a gap (adjacent ranges would be coalesced).
	multi := c.Request("GET", "/big.bin", "Range: bytes=0-16777215, 33554432-50331647")
	ps := parts(t, multi)
	if multi.Status != 206 || len(ps) != 2 {
		t.Fatalf("multipart: %d, %d parts", multi.Status, len(ps))
	}
	for i, p := range ps {
		from := []int{0, 32 << 20}[i]
		if sha256.Sum256(p.body) != sha256.Sum256(data[from:from+16<<20]) {
			t.Errorf("multipart part %d (%s): sha256 differs", i, p.contentRange)
		}
	}
}
