package pipeline_test

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"pipehttp/pipeline"
)

// Growing the file pool takes effect at once; shrinking lets the extra
// workers finish and leave; the server keeps serving throughout, and
// Shutdown still waits for every worker (goleak checks in TestMain).
func TestResizeFilePool(t *testing.T) {
	const delay = 200 * time.Millisecond
	var srv *pipeline.Server
	t.Cleanup(func() { // runs after the server's own cleanup has shut it down
		if err := srv.Resize("file", 2); !errors.Is(err, pipeline.ErrServerClosed) {
			t.Errorf("Resize after Shutdown: %v, want ErrServerClosed", err)
		}
	})
	ts := start(t, options{cfg: pipeline.Config{FileWorkers: 1, FileQueue: 64}, filesDelay: delay})
	srv = ts.srv
	if err := os.WriteFile(filepath.Join(ts.dir, "f.txt"), []byte("f"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := srv.Resize("file", 4); err != nil {
		t.Fatal(err)
	}
	// Serve may still be starting (Resize before it sets the count it
	// starts with); once running, growing is immediate.
	eventually(t, "file pool grown to 4", func() bool {
		f := stage(srv.Stats(), "file")
		return f.Workers == 4 && f.Target == 4
	})
	// Four slow requests now run side by side: about one delay, not four.
	began := time.Now()
	fetchFiles(t, ts.addr, 4)
	if took := time.Since(began); took > 3*delay {
		t.Errorf("4 file requests on 4 workers took %v (delay %v each)", took, delay)
	}

	if err := srv.Resize("file", 1); err != nil {
		t.Fatal(err)
	}
	// The idle extra workers are woken and leave.
	eventually(t, "file pool shrunk to 1", func() bool {
		f := stage(srv.Stats(), "file")
		return f.Workers == 1 && f.Target == 1
	})
	began = time.Now()
	fetchFiles(t, ts.addr, 3)
	if took := time.Since(began); took < 3*delay-delay/2 {
		t.Errorf("3 file requests on 1 worker took only %v: pool not shrunk", took)
	}
	if r := roundTrip(t, ts.addr, get("/echo/still")); r.Status != 200 || string(r.Body) != "still" {
		t.Fatalf("echo after resizing: %d %q", r.Status, r.Body)
	}
}

// fetchFiles makes n concurrent requests for /files/f.txt.
func fetchFiles(t *testing.T, addr string, n int) {
	t.Helper()
	var wg sync.WaitGroup
	for range n {
		wg.Go(func() {
			c, err := dialPlain(addr)
			if err != nil {
				t.Error(err)
				return
			}
			defer c.Close()
			c.Write([]byte(get("/files/f.txt")))
			if r, err := readResponse(c.r, false); err != nil || r.Status != 200 {
				t.Errorf("file: %v %v", r, err)
			}
		})
	}
	wg.Wait()
}

// Resizing every stage up and down while clients are served loses no
// request.
func TestResizeUnderLoad(t *testing.T) {
	ts := start(t, options{cfg: pipeline.Config{ParseWorkers: 1, RouteWorkers: 1, WriteWorkers: 1, FileWorkers: 1}})
	stop := make(chan struct{})
	var resizer sync.WaitGroup
	resizer.Go(func() {
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			case <-time.After(2 * time.Millisecond):
			}
			for _, st := range []string{"parse", "route", "write", "file"} {
				if err := ts.srv.Resize(st, 1+(i%4)); err != nil {
					t.Error(err)
				}
			}
		}
	})
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Go(func() {
			c, err := dialPlain(ts.addr)
			if err != nil {
				t.Error(err)
				return
			}
			defer c.Close()
			for i := range 200 {
				want := fmt.Sprintf("w%di%d", w, i)
				c.Write([]byte(get("/echo/" + want)))
				r, err := readResponse(c.r, false)
				if err != nil || r.Status != 200 || string(r.Body) != want {
					t.Errorf("echo %s: %v %v", want, r, err)
					return
				}
			}
		})
	}
	wg.Wait()
	close(stop)
	resizer.Wait()
	for _, st := range []string{"parse", "route", "write", "file"} {
		if err := ts.srv.Resize(st, 2); err != nil {
			t.Fatal(err)
		}
	}
	eventually(t, "every stage at 2 workers", func() bool {
		for _, name := range []string{"parse", "route", "write", "file"} {
			if s := stage(ts.srv.Stats(), name); s.Workers != 2 || s.Target != 2 {
				return false
			}
		}
		return true
	})
}

func TestResizeRejects(t *testing.T) {
	ts := start(t, options{})
	roundTrip(t, ts.addr, get("/")) // serving (a Shutdown before Serve fails the harness)
	for _, tc := range []struct {
		stage   string
		workers int
		want    error
	}{
		{"accept", 2, pipeline.ErrUnknownStage},
		{"poll", 2, pipeline.ErrUnknownStage},
		{"nope", 2, pipeline.ErrUnknownStage},
		{"file", 0, nil},
		{"file", pipeline.MaxStageWorkers + 1, nil},
	} {
		err := ts.srv.Resize(tc.stage, tc.workers)
		if err == nil || (tc.want != nil && !errors.Is(err, tc.want)) {
			t.Errorf("Resize(%q, %d) = %v, want an error (%v)", tc.stage, tc.workers, err, tc.want)
		}
	}
}
