package pipeline_test

import (
	"os"
	"path/filepath"
	"slices"
	"sync/atomic"
	"testing"

	"pipehttp/pipeline"
)

// refuser is an Admission that refuses the routes named in no, and counts
// what it was asked about.
type refuser struct {
	no    map[int]bool
	asked [8]atomic.Int64
}

func newRefuser(routes ...string) *refuser {
	r := &refuser{no: map[int]bool{}}
	names := pipeline.RouteNames()
	for _, name := range routes {
		i := slices.Index(names, name)
		if i < 0 {
			panic("no route " + name)
		}
		r.no[i] = true
	}
	return r
}

func (r *refuser) Admit(route int) bool {
	r.asked[route].Add(1)
	return !r.no[route]
}

// A file request the Admission refuses is answered 503 with Retry-After by
// the route stage: it never reaches the file pool, and the route stage
// counts it as shed for admission. Other routes on the same connection are
// served, in order.
func TestAdmissionRefusesAtRouteStage(t *testing.T) {
	gate := newRefuser("/files")
	ts := start(t, options{cfg: pipeline.Config{Admission: gate}})
	if err := os.WriteFile(filepath.Join(ts.dir, "f"), []byte("file"), 0o644); err != nil {
		t.Fatal(err)
	}
	c := dial(t, ts.addr)
	c.Send(get("/echo/a") + get("/files/f") + get("/echo/b"))
	for i, want := range []struct {
		status int
		body   string
	}{{200, "a"}, {503, ""}, {200, "b"}} {
		r := c.Read(false)
		if r.Status != want.status || string(r.Body) != want.body {
			t.Fatalf("response %d: %d %q, want %d %q", i, r.Status, r.Body, want.status, want.body)
		}
		if want.status == 503 && r.Get(t, "Retry-After") == "" {
			t.Errorf("503 without Retry-After")
		}
	}
	st := ts.srv.Stats()
	if f := stage(st, "file"); f.Taken != 0 {
		t.Errorf("file stage took %d requests; the refused one should not reach it", f.Taken)
	}
	if r := stage(st, "route"); r.Reasons["admission"] != 1 || r.Shed != 1 {
		t.Errorf("route shed %d, reasons %v: want one admission", r.Shed, r.Reasons)
	}
	names := pipeline.RouteNames()
	if n := gate.asked[slices.Index(names, "/echo")].Load(); n != 2 {
		t.Errorf("asked about /echo %d times, want 2", n)
	}
	eventually(t, "the 503 counted under /files", func() bool {
		return route(ts.srv.Stats(), "/files").Status["5xx"] == 1
	})
}

// A cheap route can be refused too: it is answered 503 in the route stage
// instead of its normal answer, and the connection stays open.
func TestAdmissionRefusesInlineRoute(t *testing.T) {
	ts := start(t, options{cfg: pipeline.Config{Admission: newRefuser("/echo")}})
	c := dial(t, ts.addr)
	c.Send(get("/echo/no"))
	if r := c.Read(false); r.Status != 503 || len(r.Body) != 0 {
		t.Fatalf("refused echo: %d %q", r.Status, r.Body)
	}
	c.Send(get("/user-agent"))
	if r := c.Read(false); r.Status != 200 {
		t.Fatalf("user-agent after a refused echo: %d", r.Status)
	}
}

// A refused upload is answered on its head; its body is not taken.
func TestAdmissionRefusesUpload(t *testing.T) {
	ts := start(t, options{cfg: pipeline.Config{Admission: newRefuser("/files")}})
	c := dial(t, ts.addr)
	c.Send("POST /files/up HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello")
	if r := c.Read(false); r.Status != 503 {
		t.Fatalf("refused upload: %d", r.Status)
	}
	if _, err := os.Stat(filepath.Join(ts.dir, "up")); !os.IsNotExist(err) {
		t.Errorf("refused upload left a file: %v", err)
	}
	// Its body was not read as a request.
	c.Send(get("/echo/next"))
	if r := c.Read(false); r.Status != 200 || string(r.Body) != "next" {
		t.Fatalf("request after a refused upload: %d %q", r.Status, r.Body)
	}
	// A body too large to buffer, announced with Expect: 100-continue, is
	// refused before the client sends it.
	c.Send("PUT /files/big HTTP/1.1\r\nHost: x\r\nContent-Length: 10000000\r\nExpect: 100-continue\r\n\r\n")
	if r := c.Read(false); r.Status != 503 {
		t.Fatalf("refused streamed upload: %d", r.Status)
	}
}

type admitAll struct{}

func (admitAll) Admit(int) bool { return true }

// BenchmarkServerEchoAdmission is BenchmarkServerEcho's keep-alive case
// with an Admission set that admits everything: the hook's cost on, and
// its allocations (0).
func BenchmarkServerEchoAdmission(b *testing.B) {
	c, err := hopClient(hopServer(b, pipeline.Config{Admission: admitAll{}}), []byte("GET /echo/hello HTTP/1.1\r\nHost: bench\r\n\r\n"), 1)
	if err != nil {
		b.Fatal(err)
	}
	defer c.close()
	b.ReportAllocs()
	for b.Loop() {
		if err := c.roundTrip(); err != nil {
			b.Fatal(err)
		}
	}
}
