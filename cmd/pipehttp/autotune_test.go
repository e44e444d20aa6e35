//go:build unix

package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"pipehttp/autotune"
)

func TestAutotuneBadFlags(t *testing.T) {
	for _, args := range [][]string{
		{"--target-p99", "echo=5ms"},                                       // needs --autotune
		{"--file-workers-max", "8"},                                        // needs --autotune
		{"--autotune", "--target-p99", "nope=5ms"},                         // no such class
		{"--autotune", "--target-p99", "echo=fast"},                        // not a duration
		{"--autotune", "--target-p99", "echo=5ms,echo=6ms"},                // twice
		{"--autotune", "--workers-max", "parse=1", "--parse-workers", "2"}, // below the start
		{"--autotune", "--workers-min", "file=9", "--file-workers", "4"},   // above the start
		{"--autotune", "--workers-max", "accept=4"},                        // not resizable
		{"--autotune", "--file-workers-max", "8", "--workers-max", "file=8"},
		{"--autotune", "--file-workers-max", "5000"},
		{"--autotune", "--autotune-interval", "0s"},
		{"--autotune", "--autotune-wait", "file=0s"},
	} {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		cmd := exec.CommandContext(ctx, binary, append([]string{"--port", "0", "--admin-addr", ""}, args...)...)
		out, err := cmd.CombinedOutput()
		cancel()
		var exit *exec.ExitError
		if !errors.As(err, &exit) || exit.ExitCode() != 1 || !strings.Contains(string(out), "pipehttp: ") {
			t.Errorf("%q: exit %v, want 1 with a message; output %s", args, err, out)
		}
	}
}

// The binary with --autotune: the controllers start (and say so), a real
// overload of the file pool makes the file controller grow it, and the
// decision is in the log, in /debug/autotune.json and in /metrics; the
// process then stops cleanly on SIGTERM.
func TestAutotuneThroughBinary(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "f"), []byte("f"), 0o644); err != nil {
		t.Fatal(err)
	}
	// --file-cache=0: from memory, /files/f would never reach the file pool.
	p := startBinary(t, "--admin-addr", "127.0.0.1:0", "--directory", dir, "--files-delay", "20ms", "--file-cache=0",
		"--file-workers", "1", "--autotune", "--autotune-interval", "100ms", "--autotune-wait", "file=20ms",
		"--file-workers-max", "3", "--target-p99", "echo=1s")
	var admin string
	for deadline := time.Now().Add(5 * time.Second); admin == ""; time.Sleep(10 * time.Millisecond) {
		if m := adminListening.FindStringSubmatch(p.log.String()); m != nil {
			admin = m[1]
		} else if time.Now().After(deadline) {
			t.Fatalf("no admin listening line; log:\n%s", p.log)
		}
	}
	if !strings.Contains(p.log.String(), `msg="autotune on"`) || !strings.Contains(p.log.String(), "file=1..3") {
		t.Errorf("no autotune line with the file pool's range; log:\n%s", p.log)
	}

	// Twelve clients on a one-worker pool of a 20 ms disk.
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for range 12 {
		wg.Go(func() { fileClient(p.addr, stop) })
	}
	grew := func() bool { return strings.Contains(p.log.String(), `decision="file: queue wait p90`) }
	for deadline := time.Now().Add(20 * time.Second); !grew() && time.Now().Before(deadline); {
		time.Sleep(50 * time.Millisecond)
	}
	close(stop)
	wg.Wait()
	if !grew() {
		t.Fatalf("no file decision in the log:\n%s", p.log)
	}

	var st autotune.Status
	getJSON(t, "http://"+admin+"/debug/autotune.json", &st)
	if len(st.Stages) != 4 || len(st.Classes) != 1 || st.Classes[0].Class != "echo" || st.Classes[0].Target != 1 {
		t.Errorf("status: %+v", st)
	}
	found := false
	for _, e := range st.Events {
		found = found || e.Subject == "file" && e.Kind == "workers" && e.From == 1 && e.To == 2
	}
	if !found {
		t.Errorf("no file 1→2 event in %+v", st.Events)
	}
	metrics := fetchBody(t, "http://"+admin+"/metrics")
	for _, want := range []string{
		`pipehttp_autotune_decisions_total{kind="workers",subject="file"}`,
		`pipehttp_autotune_max_workers{stage="file"} 3`,
		`pipehttp_autotune_target_seconds{class="echo"} 1`,
		`pipehttp_autotune_admission_limited{class="echo"} 0`,
	} {
		if !strings.Contains(metrics, want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
	p.cmd.Process.Signal(syscall.SIGTERM)
	if err := p.waitExit(t, 10*time.Second); err != nil {
		t.Fatalf("exit: %v; log:\n%s", err, p.log)
	}
}

// fileClient requests /files/f on one keep-alive connection until stop.
func fileClient(addr string, stop <-chan struct{}) {
	c, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		return
	}
	defer c.Close()
	r := bufio.NewReader(c)
	for {
		select {
		case <-stop:
			return
		default:
		}
		c.SetDeadline(time.Now().Add(10 * time.Second))
		if _, err := fmt.Fprint(c, "GET /files/f HTTP/1.1\r\nHost: t\r\n\r\n"); err != nil {
			return
		}
		resp, err := http.ReadResponse(r, nil)
		if err != nil {
			return
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.Close {
			return
		}
	}
}

func fetchBody(t *testing.T, url string) string {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		t.Fatalf("GET %s: %d %s", url, resp.StatusCode, b)
	}
	return string(b)
}

func getJSON(t *testing.T, url string, v any) {
	t.Helper()
	if err := json.Unmarshal([]byte(fetchBody(t, url)), v); err != nil {
		t.Fatalf("%s: %v", url, err)
	}
}
