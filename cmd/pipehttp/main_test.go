//go:build unix

package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"pipehttp/internal/rawhttp"
	"pipehttp/pipeline"
)

// The binary is built once and run as a user would run it.
var binary string

// binaryEnv passes the binary to a child of the test binary
// (netns_linux_test.go).
const binaryEnv = "PIPEHTTP_TEST_BINARY"

func TestMain(m *testing.M) {
	if b := os.Getenv(binaryEnv); b != "" { // a child of a test (netns_linux_test.go): built already
		binary = b
		os.Exit(m.Run())
	}
	dir, err := os.MkdirTemp("", "pipehttp-cmd")
	if err != nil {
		panic(err)
	}
	binary = filepath.Join(dir, "pipehttp")
	if out, err := exec.Command("go", "build", "-o", binary, ".").CombinedOutput(); err != nil {
		panic("go build: " + err.Error() + "\n" + string(out))
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

type process struct {
	cmd    *exec.Cmd
	addr   string
	banner string
	exited chan error
	log    *syncLog
}

// syncLog collects the process's log lines for failure messages.
type syncLog struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *syncLog) add(line string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.b.WriteString(line + "\n")
}

func (l *syncLog) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

var listening = regexp.MustCompile(`msg="pipehttp listening" addr=(\S+)`)

// startBinary starts the binary on an ephemeral loopback port and waits for its
// banner.
func startBinary(t *testing.T, args ...string) *process {
	t.Helper()
	// No admin listener unless a test asks for one: its default port is
	// fixed, and tests run binaries side by side.
	cmd := exec.Command(binary, append([]string{"--host", "127.0.0.1", "--port", "0", "--admin-addr", ""}, args...)...)
	return launch(t, cmd)
}

// launch starts cmd, a run of the binary (possibly through a wrapper such
// as prlimit), and waits for its banner. The process is killed when the
// test ends.
func launch(t *testing.T, cmd *exec.Cmd) *process {
	t.Helper()
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p := &process{cmd: cmd, exited: make(chan error, 1), log: &syncLog{}}
	banner := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			p.log.add(sc.Text())
			if listening.MatchString(sc.Text()) {
				banner <- sc.Text()
			}
		}
		p.exited <- cmd.Wait()
	}()
	t.Cleanup(func() { cmd.Process.Kill() })
	select {
	case p.banner = <-banner:
		p.addr = listening.FindStringSubmatch(p.banner)[1]
	case err := <-p.exited:
		p.exited <- err
		t.Fatalf("exited before its start-up banner: %v\n%s", err, p.log)
	case <-time.After(10 * time.Second):
		t.Fatalf("no start-up banner; log:\n%s", p.log)
	}
	return p
}

func (p *process) waitExit(t *testing.T, within time.Duration) error {
	t.Helper()
	select {
	case err := <-p.exited:
		return err
	case <-time.After(within):
		t.Fatalf("still running after %v; log:\n%s", within, p.log)
		return nil
	}
}

func TestBannerShowsEffectiveConfig(t *testing.T) {
	p := startBinary(t, "--parse-workers", "3", "--file-workers", "5", "--queue", "77")
	for _, want := range []string{"parse=3", "file=5", "parse=77 route=77 write=77 file=40"} {
		if !strings.Contains(p.banner, want) {
			t.Errorf("banner lacks %q:\n%s", want, p.banner)
		}
	}
	p.cmd.Process.Signal(syscall.SIGTERM)
	if err := p.waitExit(t, 5*time.Second); err != nil {
		t.Fatalf("exit: %v", err)
	}
}

// The readiness stage is --poller's, or $PIPEHTTP_POLLER's when the flag
// is not given (which is how CI runs this whole package a second time,
// under the portable poller); the banner says which one runs, and each
// serves.
func TestPollerFlag(t *testing.T) {
	want := os.Getenv(pipeline.PollerEnv)
	if want == "" {
		want = pipeline.DefaultPoller
	}
	p := startBinary(t)
	if !strings.Contains(p.banner, " poller="+want+" ") {
		t.Errorf("without --poller, banner lacks poller=%s:\n%s", want, p.banner)
	}
	stop(t, p)
	kinds := []string{pipeline.PollerPortable}
	if pipeline.DefaultPoller == pipeline.PollerEpoll {
		kinds = append(kinds, pipeline.PollerEpoll)
	}
	for _, kind := range kinds {
		p := startBinary(t, "--poller", kind)
		if !strings.Contains(p.banner, " poller="+kind+" ") {
			t.Errorf("--poller %s: banner lacks poller=%s:\n%s", kind, kind, p.banner)
		}
		if status, body := request(t, p.addr, "GET", "/echo/"+kind, ""); status != 200 || body != kind {
			t.Errorf("--poller %s: GET /echo/%s: %d %q", kind, kind, status, body)
		}
		stop(t, p)
	}
}

// SIGTERM lets an in-flight request finish, then the process exits 0.
func TestSIGTERMFinishesInFlightRequests(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "f.txt"), []byte("payload"), 0o644)
	p := startBinary(t, "--directory", dir, "--files-delay", "700ms")
	got := make(chan string, 1)
	go func() {
		resp, err := http.Get("http://" + p.addr + "/files/f.txt")
		if err != nil {
			got <- err.Error()
			return
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		got <- resp.Status + " " + string(b)
	}()
	time.Sleep(200 * time.Millisecond) // the request is in the file pool now
	p.cmd.Process.Signal(syscall.SIGTERM)
	if r := <-got; r != "200 OK payload" {
		t.Fatalf("in-flight request got %q", r)
	}
	if err := p.waitExit(t, 5*time.Second); err != nil {
		t.Fatalf("exit: %v\n%s", err, p.log)
	}
	if _, err := http.Get("http://" + p.addr + "/"); err == nil {
		t.Fatal("still accepting after shutdown")
	}
}

// A second signal exits at once, without waiting for the shutdown timeout.
func TestSecondSignalExitsAtOnce(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "f.txt"), []byte("payload"), 0o644)
	p := startBinary(t, "--directory", dir, "--files-delay", "20s", "--shutdown-timeout", "30s")
	go http.Get("http://" + p.addr + "/files/f.txt")
	time.Sleep(200 * time.Millisecond)
	p.cmd.Process.Signal(syscall.SIGTERM)
	time.Sleep(200 * time.Millisecond)
	p.cmd.Process.Signal(syscall.SIGINT)
	err := p.waitExit(t, 5*time.Second)
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != 1 {
		t.Fatalf("exit: %v, want status 1", err)
	}
}

func TestBadFlags(t *testing.T) {
	for _, args := range [][]string{
		{"--parse-workers", "0"},
		{"--file-workers", "-1"},
		{"--queue", "0"},
		{"--max-conns", "0"},
		{"--header-timeout", "-1s"},
		{"--port", "70000"},
		{"--directory", "/definitely/not/here"},
		{"stray-argument"},
		{"/definitely/not/here"},
		{"serve", "/definitely/not/here"},
		{"--root", "/definitely/not/here"},
		{"--root", ".", "."},
		{".", "."},
		{"--dotfiles"},
		{"--root", "main.go"},
		{"--classic"},                             // needs static mode
		{"--uploads", "."},                        // static mode: uploads need --directory
		{"--root", ".", "--classic", "--uploads"}, // the same: --classic alone names no upload folder
		{"--poller", "kqueue"},
	} {
		// A flag wrongly accepted would start a server: bound it, and keep it
		// off the default ports.
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		cmd := exec.CommandContext(ctx, binary, append([]string{"--port", "0", "--admin-addr", ""}, args...)...)
		out, err := cmd.CombinedOutput()
		cancel()
		var exit *exec.ExitError
		if !errors.As(err, &exit) || exit.ExitCode() != 1 {
			t.Errorf("%q: exit %v, want 1; output %s", args, err, out)
		}
	}
}

// Static mode as a python3 -m http.server user would start it: a directory
// argument (before or after flags), "serve DIR", or --root.
func TestStaticMode(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "index.html"), []byte("<p>home</p>"), 0o644)
	os.WriteFile(filepath.Join(dir, ".env"), []byte("TOKEN=x"), 0o644)
	os.Mkdir(filepath.Join(dir, "sub"), 0o755)
	tests := []struct {
		name     string
		args     []string
		dotfiles bool
	}{
		{"DIR", []string{dir}, false},
		{"DIR then flags", []string{dir, "--parse-workers", "2"}, false},
		{"serve DIR", []string{"serve", dir}, false},
		{"--root", []string{"--root", dir}, false},
		{"--dotfiles", []string{"--dotfiles", dir}, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := startBinary(t, tc.args...)
			if !strings.Contains(p.banner, "root="+dir) {
				t.Errorf("banner lacks root=%s:\n%s", dir, p.banner)
			}
			base := "http://" + p.addr
			// The tree owns every path: /echo/hi is a missing file of it.
			for path, want := range map[string]int{"/": 200, "/sub": 200, "/echo/hi": 404, "/missing": 404} {
				resp, err := http.Get(base + path) // follows the /sub → /sub/ redirect
				if err != nil {
					t.Fatal(err)
				}
				resp.Body.Close()
				if resp.StatusCode != want {
					t.Errorf("GET %s: %d, want %d", path, resp.StatusCode, want)
				}
			}
			resp, err := http.Get(base + "/.env")
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if want := map[bool]int{false: 404, true: 200}[tc.dotfiles]; resp.StatusCode != want {
				t.Errorf("GET /.env: %d, want %d", resp.StatusCode, want)
			}
			p.cmd.Process.Signal(syscall.SIGTERM)
			if err := p.waitExit(t, 5*time.Second); err != nil {
				t.Fatalf("exit: %v", err)
			}
		})
	}
}

// The binary streams uploads to disk: a body larger than the buffered
// limit arrives whole, and so does a chunked one.
func TestUploadThroughBinary(t *testing.T) {
	dir := t.TempDir()
	p := startBinary(t, "--directory", dir)
	body := bytes.Repeat([]byte("0123456789abcdef"), 1<<16) // 1 MiB
	for _, tc := range []struct {
		name    string
		length  int64
		request io.Reader
	}{
		{"content-length", int64(len(body)), bytes.NewReader(body)},
		{"chunked", -1, io.MultiReader(bytes.NewReader(body))}, // unknown length: net/http sends it chunked
	} {
		req, _ := http.NewRequest("POST", "http://"+p.addr+"/files/"+tc.name, tc.request)
		req.ContentLength = tc.length
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 201 {
			t.Fatalf("%s: status %d", tc.name, resp.StatusCode)
		}
		if got, _ := os.ReadFile(filepath.Join(dir, tc.name)); !bytes.Equal(got, body) {
			t.Fatalf("%s: file holds %d bytes", tc.name, len(got))
		}
	}
	p.cmd.Process.Signal(syscall.SIGTERM)
	p.waitExit(t, 5*time.Second)
}

var adminListening = regexp.MustCompile(`msg="admin listening" addr=(\S+)`)

// The admin listener serves /metrics next to the main port, and the access
// log gets one line per request.
func TestAdminListenerAndAccessLog(t *testing.T) {
	accessLog := filepath.Join(t.TempDir(), "access.log")
	p := startBinary(t, "--admin-addr", "127.0.0.1:0", "--access-log", accessLog)
	var admin string
	for deadline := time.Now().Add(5 * time.Second); admin == ""; time.Sleep(10 * time.Millisecond) {
		if m := adminListening.FindStringSubmatch(p.log.String()); m != nil {
			admin = m[1]
		} else if time.Now().After(deadline) {
			t.Fatalf("no admin listening line; log:\n%s", p.log)
		}
	}
	resp, err := http.Get("http://" + p.addr + "/echo/logged")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	// The write stage counts a response once it is written, which can be
	// just after the client has it: look again for a moment.
	want := []byte(`pipehttp_route_responses_total{code="2xx",route="/echo"} 1`)
	var body []byte
	for deadline := time.Now().Add(2 * time.Second); ; {
		resp, err = http.Get("http://" + admin + "/metrics")
		if err != nil {
			t.Fatal(err)
		}
		body, _ = io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode == 200 && bytes.Contains(body, want) || time.Now().After(deadline) {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if resp.StatusCode != 200 || !bytes.Contains(body, want) {
		t.Errorf("/metrics: %d\n%s", resp.StatusCode, body)
	}
	p.cmd.Process.Signal(syscall.SIGTERM)
	if err := p.waitExit(t, 5*time.Second); err != nil {
		t.Fatalf("exit: %v", err)
	}
	logged, err := os.ReadFile(accessLog)
	if err != nil {
		t.Fatal(err)
	}
	if !regexp.MustCompile(`msg=request remote=127\.0\.0\.1:\d+ method=GET target=/echo/logged proto=HTTP/1\.1 status=200 bytes=`).Match(logged) ||
		!bytes.Contains(logged, []byte(`user_agent=Go-http-client/1.1`)) {
		t.Errorf("access log:\n%s", logged)
	}
}

// The banner gives the URLs to open: the public one (localhost for all
// interfaces) and the dashboard's.
func TestBannerURLs(t *testing.T) {
	p := startBinary(t, "--admin-addr", "127.0.0.1:0")
	admin := adminOf(t, p)
	for _, want := range []string{"url=http://" + p.addr + "/", "dashboard=http://" + admin + "/debug/pipeline"} {
		if !strings.Contains(p.banner, want) {
			t.Errorf("banner lacks %s:\n%s", want, p.banner)
		}
	}
	stop(t, p)
	all := launch(t, exec.Command(binary, "--port", "0", "--admin-addr", ""))
	_, port, _ := strings.Cut(all.addr, "]:")
	if !strings.Contains(all.banner, "url=http://localhost:"+port+"/ dashboard=off") {
		t.Errorf("all interfaces, no admin listener:\n%s", all.banner)
	}
	stop(t, all)
}

// --help starts with the usage lines for both forms of the command.
func TestHelpUsage(t *testing.T) {
	out, err := exec.Command(binary, "--help").CombinedOutput()
	if err != nil {
		t.Fatalf("--help: %v\n%s", err, out)
	}
	for _, want := range []string{"usage: pipehttp [flags] [DIR]\n", "       pipehttp [flags] serve [DIR]\n", "-drain-delay", "-reuse-port", "-access-log-format"} {
		if !strings.Contains(string(out), want) {
			t.Errorf("--help lacks %q:\n%s", want, out)
		}
	}
}

// A second pipehttp on the host finds the default admin address taken: it
// says so in one line and serves without it. An explicit --admin-addr
// that is taken is an error.
func TestDefaultAdminAddressTaken(t *testing.T) {
	const defaultAdmin = "127.0.0.1:9421"
	if ln, err := net.Listen("tcp", defaultAdmin); err == nil {
		defer ln.Close() // we are the first instance; otherwise someone else is
	}
	cmd := exec.Command(binary, "--host", "127.0.0.1", "--port", "0") // default --admin-addr
	p := launch(t, cmd)
	if got := statusOn(p.addr, "/echo/second"); got != 200 {
		t.Errorf("second instance: %d", got)
	}
	var notices []string
	for _, line := range strings.Split(p.log.String(), "\n") {
		if strings.Contains(line, `msg="admin`) {
			notices = append(notices, line)
		}
	}
	if len(notices) != 1 || !strings.Contains(notices[0], `msg="admin listener off: its default address is in use`) || strings.Contains(p.log.String(), `msg="admin listening"`) {
		t.Errorf("want one notice line about the taken default address:\n%s", p.log)
	}
	stop(t, p)

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second) // should it start after all
	defer cancel()
	explicit := exec.CommandContext(ctx, binary, "--host", "127.0.0.1", "--port", "0", "--admin-addr", defaultAdmin)
	explicit.WaitDelay = time.Second
	out, err := explicit.CombinedOutput()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != 1 || !strings.Contains(string(out), "address already in use") {
		t.Errorf("explicit --admin-addr that is taken: %v\n%s", err, out)
	}
}

// --access-log-format combined writes the Combined Log Format.
func TestCombinedAccessLog(t *testing.T) {
	accessLog := filepath.Join(t.TempDir(), "access.log")
	p := startBinary(t, "--access-log", accessLog, "--access-log-format", "combined")
	c, err := net.Dial("tcp", p.addr)
	if err != nil {
		t.Fatal(err)
	}
	c.Write([]byte("GET /echo/combined HTTP/1.1\r\nHost: x\r\nUser-Agent: curl/8.5.0\r\nReferer: http://example.test/\r\n\r\n"))
	rawhttp.Read(bufioReader(c), false)
	local := c.LocalAddr().(*net.TCPAddr).IP.String()
	c.Close()
	stop(t, p)
	b, err := os.ReadFile(accessLog)
	if err != nil {
		t.Fatal(err)
	}
	line := regexp.MustCompile(`^` + regexp.QuoteMeta(local) + ` - - \[\d\d/\w{3}/\d{4}:\d\d:\d\d:\d\d [+-]\d{4}\] "GET /echo/combined HTTP/1\.1" 200 8 "http://example\.test/" "curl/8\.5\.0"\n$`)
	if !line.Match(b) {
		t.Errorf("access log:\n%s", b)
	}
}
