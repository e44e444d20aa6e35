//go:build unix

package main

// The recipes in deploy/, run as shipped: real HAProxy, real processes,
// real signals, load running the whole time.

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// deployDir is the repository's deploy/ directory.
var deployDir, _ = filepath.Abs("../../deploy")

// script runs one of deploy/'s scripts with env, bounded in time, and
// returns its combined output.
func script(t *testing.T, env []string, within time.Duration, name string, args ...string) (string, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), within)
	defer cancel()
	cmd := exec.CommandContext(ctx, filepath.Join(deployDir, name), args...)
	cmd.Env = append(os.Environ(), env...)
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// killPIDFiles kills, at the end of a test, every process named by a pid
// file in dir that is still running (a failed test must not leave servers
// behind).
func killPIDFiles(t *testing.T, dir string) {
	t.Cleanup(func() {
		files, _ := filepath.Glob(filepath.Join(dir, "*.pid"))
		for _, f := range files {
			b, _ := os.ReadFile(f)
			if pid, err := strconv.Atoi(strings.TrimSpace(string(b))); err == nil {
				syscall.Kill(pid, syscall.SIGKILL)
			}
		}
	})
}

// haproxyStats reads the rows of backend pipehttp from HAProxy's stats
// CSV: its servers (p1, p2, p3) and BACKEND, each a map from column name
// (status, econ, eresp, wretr, wredis, …) to value.
func haproxyStats(statsPort int) map[string]map[string]string {
	resp, err := http.Get(fmt.Sprintf("http://127.0.0.1:%d/stats;csv", statsPort))
	if err != nil {
		return nil
	}
	defer resp.Body.Close()
	rows := map[string]map[string]string{}
	var columns []string
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		f := strings.Split(sc.Text(), ",")
		if columns == nil {
			columns = strings.Split(strings.TrimPrefix(sc.Text(), "# "), ",")
			continue
		}
		if f[0] != "pipehttp" {
			continue
		}
		row := map[string]string{}
		for i, v := range f {
			if i < len(columns) {
				row[columns[i]] = v
			}
		}
		rows[f[1]] = row
	}
	return rows
}

// haproxyStates is the status of each server of backend pipehttp.
func haproxyStates(statsPort int) map[string]string {
	states := map[string]string{}
	for name, row := range haproxyStats(statsPort) {
		if name != "BACKEND" {
			states[name] = row["status"]
		}
	}
	return states
}

// N pipehttp processes behind HAProxy, health-checked on /readyz: every
// one of them is restarted, one at a time, by deploy/haproxy's
// rolling-restart.sh while clients send GETs and uploads through HAProxy.
// Nothing may fail and every acknowledged upload must be on disk, whole.
func TestRollingRestartBehindHAProxy(t *testing.T) {
	haproxy := tool(t, "haproxy")
	tool(t, "curl") // the scripts use it
	run := t.TempDir()
	files := filepath.Join(run, "files")
	ports := freePorts(t, 8)
	env := []string{
		"PIPEHTTP=" + binary, "RUN_DIR=" + run, "FILES=" + files,
		fmt.Sprintf("FRONT_PORT=%d", ports[0]), fmt.Sprintf("STATS_PORT=%d", ports[1]),
	}
	for i := 1; i <= 3; i++ {
		env = append(env, fmt.Sprintf("PORT%d=%d", i, ports[1+i]), fmt.Sprintf("ADMIN%d=%d", i, ports[4+i]))
	}
	killPIDFiles(t, run)
	if out, err := script(t, env, 30*time.Second, "haproxy/instances.sh", "start"); err != nil {
		t.Fatalf("instances.sh start: %v\n%s", err, out)
	}

	lb := exec.Command(haproxy, "-db", "-f", filepath.Join(deployDir, "haproxy/haproxy.cfg"))
	lb.Env = append(os.Environ(), env...)
	var lbLog strings.Builder
	lb.Stdout, lb.Stderr = &lbLog, &lbLog
	if err := lb.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { lb.Process.Kill(); lb.Wait() })
	if !poll(10*time.Second, func() bool {
		st := haproxyStates(ports[1])
		return st["p1"] == "UP" && st["p2"] == "UP" && st["p3"] == "UP"
	}) {
		t.Fatalf("HAProxy does not see three instances UP: %v\n%s", haproxyStates(ports[1]), lbLog.String())
	}

	l := startLoad(t, fmt.Sprintf("http://127.0.0.1:%d", ports[0]), loadPlan{keepAlive: 4, fresh: 2, uploaders: 2, pause: 2 * time.Millisecond})
	time.Sleep(500 * time.Millisecond)
	began := time.Now()
	out, err := script(t, env, 90*time.Second, "haproxy/rolling-restart.sh")
	took := time.Since(began)
	time.Sleep(500 * time.Millisecond)
	v := l.stop(files)
	if err != nil {
		t.Fatalf("rolling-restart.sh: %v\n%s", err, out)
	}
	t.Logf("rolling restart of 3 instances behind HAProxy took %v: %v", took.Round(time.Millisecond), v)
	v.check(t)
	// HAProxy's own view: no request met a closed port (econ), a
	// connection closed under it (eresp), or needed a retry or another
	// server (wretr, wredis). Its retries would hide such failures from
	// the clients; the drain sequence (readyz 503, then the drain delay)
	// is what must prevent them.
	backend := haproxyStats(ports[1])["BACKEND"]
	t.Logf("HAProxy backend: econ=%s eresp=%s wretr=%s wredis=%s", backend["econ"], backend["eresp"], backend["wretr"], backend["wredis"])
	for _, k := range []string{"econ", "eresp", "wretr", "wredis"} {
		if n, err := strconv.Atoi(backend[k]); err != nil || n != 0 {
			t.Errorf("HAProxy backend %s = %q, want 0", k, backend[k])
		}
	}
	if left := tempFilesIn(files); len(left) > 0 {
		t.Errorf("upload temp files left: %v", left)
	}
	// Each instance was replaced: its log holds two start-up banners and
	// a drain that ended cleanly.
	for i := 1; i <= 3; i++ {
		b, _ := os.ReadFile(filepath.Join(run, fmt.Sprintf("p%d.log", i)))
		if n := strings.Count(string(b), `msg="pipehttp listening"`); n != 2 {
			t.Errorf("p%d started %d times, want 2:\n%s", i, n, b)
		}
		if !strings.Contains(string(b), "msg=stopped") {
			t.Errorf("p%d did not drain cleanly:\n%s", i, b)
		}
	}
	if t.Failed() {
		t.Logf("rolling-restart.sh:\n%s", out)
		io.WriteString(os.Stderr, lbLog.String())
	}
}

// No load balancer: deploy/reuseport/restart.sh replaces the process in
// place three times — the new one listens on the same port with
// SO_REUSEPORT before the old one drains — while clients send GETs (on
// persistent and on fresh connections) and uploads straight to the port.
// Nothing may fail and every acknowledged upload must be on disk, whole.
//
// Linux resets the connections still queued on a listener that closes
// unless net.ipv4.tcp_migrate_req is 1: the test runs where it is, in a
// network namespace of its own if the host's is 0 (see netns_linux_test.go).
func TestReusePortRestartInPlace(t *testing.T) {
	if !withMigrateReq(t) {
		return
	}
	run := t.TempDir()
	files := filepath.Join(run, "files")
	os.Mkdir(files, 0o755)
	ports := freePorts(t, 2)
	pidfile := filepath.Join(run, "pipehttp.pid")
	killPIDFiles(t, run)
	args := []string{binary, "--host", "127.0.0.1", "--port", strconv.Itoa(ports[0]),
		"--admin-addr", fmt.Sprintf("127.0.0.1:%d", ports[1]), "--reuse-port", "--directory", files}
	restart := func() (string, error) {
		return script(t, nil, 60*time.Second, "reuseport/restart.sh", append([]string{pidfile}, args...)...)
	}
	if out, err := restart(); err != nil {
		t.Fatalf("first start: %v\n%s", err, out)
	}
	l := startLoad(t, fmt.Sprintf("http://127.0.0.1:%d", ports[0]), loadPlan{keepAlive: 4, fresh: 2, uploaders: 2, pause: 2 * time.Millisecond})
	time.Sleep(500 * time.Millisecond)
	var outs []string
	for range 3 {
		out, err := restart()
		outs = append(outs, out)
		if err != nil {
			l.stop(files)
			t.Fatalf("restart: %v\n%s", err, out)
		}
		time.Sleep(300 * time.Millisecond)
	}
	time.Sleep(200 * time.Millisecond)
	v := l.stop(files)
	migrate, _ := os.ReadFile(migrateReq)
	t.Logf("3 restarts in place with --reuse-port, tcp_migrate_req=%s: %v", bytes.TrimSpace(migrate), v)
	v.check(t)
	b, _ := os.ReadFile(filepath.Join(run, "pipehttp.log"))
	if n := strings.Count(string(b), `msg="pipehttp listening"`); n != 4 {
		t.Errorf("%d start-ups, want 4", n)
	}
	if n := strings.Count(string(b), "msg=stopped"); n != 3 {
		t.Errorf("%d clean drains, want 3", n)
	}
	if t.Failed() {
		t.Logf("restart.sh:\n%s\nlog:\n%s", strings.Join(outs, ""), b)
	}
}
