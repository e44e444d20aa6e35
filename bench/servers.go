package main

import (
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// A server is one contender. Its program takes --host, --port, --directory
// and --files-delay (nginx gets a generated config instead).
type server struct {
	name  string // as on the command line and in tables
	label string
	files bool // serves /files/{name}
	delay bool // supports --files-delay

	// A variant of another server: its program (default: name), flags
	// added to every start, and the only scenarios it runs (default: all
	// that apply).
	program   string
	flags     []string
	scenarios []string
}

// prog is the program s runs (a key of env.bins).
func (s server) prog() string {
	if s.program != "" {
		return s.program
	}
	return s.name
}

var servers = []server{
	{name: "pipehttp", label: "pipehttp", files: true, delay: true},
	// The portable readiness stage (issue 13), next to epoll where the
	// pollers differ: keep-alive CPU per request and idle memory.
	{name: "pipehttp-portable", label: "pipehttp --poller portable", program: "pipehttp",
		flags: []string{"--poller", "portable"}, scenarios: []string{"echo64", "echo512", "idle"}},
	{name: "nethttp", label: "net/http", files: true, delay: true},
	{name: "fasthttp", label: "fasthttp", files: true, delay: true},
	{name: "ceiling", label: "ceiling"},
	{name: "gnet", label: "gnet"},
	{name: "nbio", label: "nbio", files: true, delay: true},
	{name: "nginx", label: "nginx", files: true},
}

func serverByName(name string) (server, bool) {
	for _, s := range servers {
		if s.name == name {
			return s, true
		}
	}
	return server{}, false
}

// pipehttpFlags are added to every pipehttp start of a run (-pipehttp-flags).
var pipehttpFlags []string

// env is what every cell needs: binaries, data, CPUs, the clock tick.
type env struct {
	common
	work   string            // temporary directory: binaries, data, configs, logs
	data   string            // served directory: small (4 KiB), big (16 MiB)
	bins   map[string]string // program by name
	clkTck float64           // /proc clock ticks per second
	port   int               // last port handed out
}

// proc is a running server.
type proc struct {
	cmd  *exec.Cmd
	pid  int
	port int
	log  string

	exited chan struct{} // closed when the process has been reaped
}

// options for one server start.
type startOpts struct {
	delay time.Duration
	extra []string // pipehttp flags, for the sweep
}

func (e *env) nextPort() int {
	for {
		e.port++
		if e.port > 4999 {
			e.port = 4301
		}
		c, err := net.DialTimeout("tcp", "127.0.0.1:"+strconv.Itoa(e.port), 100*time.Millisecond)
		if err != nil {
			return e.port
		}
		c.Close() // taken by someone else
	}
}

// start runs s pinned to the server CPU and waits until it accepts.
func (e *env) start(s server, o startOpts) (*proc, error) {
	bin, ok := e.bins[s.prog()]
	if !ok {
		return nil, fmt.Errorf("%s: not installed", s.name)
	}
	port := e.nextPort()
	var args []string
	if s.name == "nginx" {
		conf, err := e.nginxConf(port)
		if err != nil {
			return nil, err
		}
		args = []string{bin, "-p", filepath.Dir(conf), "-c", conf, "-e", "stderr"}
	} else {
		args = []string{bin, "--host", "127.0.0.1", "--port", strconv.Itoa(port), "--directory", e.data}
		if o.delay > 0 {
			args = append(args, "--files-delay", o.delay.String())
		}
		if s.prog() == "pipehttp" {
			// No admin listener: the peers have none, and its port is fixed.
			args = append(args, "--admin-addr", "")
			args = append(args, pipehttpFlags...)
		}
		args = append(args, s.flags...)
		args = append(args, o.extra...)
	}
	logName := filepath.Join(e.work, fmt.Sprintf("%s-%d.log", s.name, port))
	logf, err := os.Create(logName)
	if err != nil {
		return nil, err
	}
	defer logf.Close()
	cmd := exec.Command("taskset", append([]string{"-c", e.serverCPU}, args...)...)
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	exited := make(chan struct{})
	p := &proc{cmd: cmd, pid: cmd.Process.Pid, port: port, log: logName, exited: exited}
	go func() { cmd.Wait(); close(exited) }()
	deadline := time.Now().Add(10 * time.Second)
	for {
		c, err := net.DialTimeout("tcp", p.addr(), 100*time.Millisecond)
		if err == nil {
			c.Close()
			break
		}
		select {
		case <-exited:
			b, _ := os.ReadFile(logName)
			return nil, fmt.Errorf("%s exited at start: %s", s.name, strings.TrimSpace(string(b)))
		case <-time.After(20 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			p.stop()
			return nil, fmt.Errorf("%s did not listen on %s within 10s", s.name, p.addr())
		}
	}
	// taskset execs the server, so the pid is the server's own.
	if comm, _ := os.ReadFile(fmt.Sprintf("/proc/%d/comm", p.pid)); strings.TrimSpace(string(comm)) == "taskset" {
		p.stop()
		return nil, errors.New("taskset did not exec the server")
	}
	return p, nil
}

func (p *proc) addr() string { return "127.0.0.1:" + strconv.Itoa(p.port) }

func (p *proc) url(path string) string { return "http://" + p.addr() + path }

// stop ends the server (SIGTERM, then SIGKILL after 5s) and waits for it.
func (p *proc) stop() {
	syscall.Kill(-p.pid, syscall.SIGTERM)
	select {
	case <-p.exited:
	case <-time.After(5 * time.Second):
		syscall.Kill(-p.pid, syscall.SIGKILL)
		<-p.exited
	}
}

// cpuTicks is the process's utime+stime (all threads) in clock ticks.
func cpuTicks(pid int) (float64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, err
	}
	// Fields after the parenthesised command name; utime and stime are
	// fields 14 and 15 of the whole line.
	s := string(b)
	f := strings.Fields(s[strings.LastIndexByte(s, ')')+2:])
	if len(f) < 13 {
		return 0, fmt.Errorf("short /proc/%d/stat", pid)
	}
	u, err1 := strconv.ParseFloat(f[11], 64)
	st, err2 := strconv.ParseFloat(f[12], 64)
	return u + st, errors.Join(err1, err2)
}

// status reads VmRSS (bytes) and Threads from /proc/PID/status.
func status(pid int) (rss int64, threads int, err error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, 0, err
	}
	for _, line := range strings.Split(string(b), "\n") {
		f := strings.Fields(line)
		switch {
		case len(f) == 3 && f[0] == "VmRSS:":
			kb, _ := strconv.ParseInt(f[1], 10, 64)
			rss = kb * 1024
		case len(f) == 2 && f[0] == "Threads:":
			threads, _ = strconv.Atoi(f[1])
		}
	}
	return rss, threads, nil
}

func clockTicks() float64 {
	out, err := exec.Command("getconf", "CLK_TCK").Output()
	if err != nil {
		return 100
	}
	v, err := strconv.ParseFloat(strings.TrimSpace(string(out)), 64)
	if err != nil || v <= 0 {
		return 100
	}
	return v
}

// nginxConf writes a single-process nginx config for port: sendfile on,
// /echo/{s} answered by return 200, /files/ from the data directory.
func (e *env) nginxConf(port int) (string, error) {
	dir := filepath.Join(e.work, fmt.Sprintf("nginx-%d", port))
	if err := os.MkdirAll(filepath.Join(dir, "tmp"), 0o755); err != nil {
		return "", err
	}
	conf := fmt.Sprintf(`daemon off;
master_process off;
worker_processes 1;
worker_rlimit_nofile 20000;
pid %[1]s/nginx.pid;
error_log stderr warn;
events {
    worker_connections 19000;
    use epoll;
}
http {
    access_log off;
    sendfile on;
    tcp_nopush on;
    keepalive_timeout 120s;
    keepalive_requests 100000000;
    client_body_temp_path %[1]s/tmp/body;
    proxy_temp_path %[1]s/tmp/proxy;
    fastcgi_temp_path %[1]s/tmp/fastcgi;
    uwsgi_temp_path %[1]s/tmp/uwsgi;
    scgi_temp_path %[1]s/tmp/scgi;
    server {
        listen 127.0.0.1:%[2]d backlog=4096;
        location = / {
            return 200 "";
        }
        location ~ ^/echo/(?<s>[^/]*)$ {
            default_type text/plain;
            return 200 $s;
        }
        location /files/ {
            alias %[3]s/;
            default_type application/octet-stream;
        }
    }
}
`, dir, port, e.data)
	name := filepath.Join(dir, "nginx.conf")
	return name, os.WriteFile(name, []byte(conf), 0o644)
}
