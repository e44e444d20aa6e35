//go:build unix

package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// The download and upload tools people use, run for real against the
// binary: curl and wget from the system (CI installs them; without them
// these tests skip, unless PIPEHTTP_REQUIRE_TOOLS=1 asks them to fail).

// tool returns the path of a command, or skips the test.
func tool(t *testing.T, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		if os.Getenv("PIPEHTTP_REQUIRE_TOOLS") == "1" {
			t.Fatalf("%s is required: %v", name, err)
		}
		t.Skipf("%s not installed", name)
	}
	return p
}

// runTool runs a command in dir, bounded in time, and returns its combined
// output and exit code.
func runTool(t *testing.T, dir string, name string, args ...string) (string, int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, tool(t, name), args...)
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return string(out), code
}

func randomBytes(t *testing.T, n int) []byte {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return b
}

func stop(t *testing.T, p *process) {
	t.Helper()
	p.cmd.Process.Signal(syscall.SIGTERM)
	if err := p.waitExit(t, 10*time.Second); err != nil {
		t.Errorf("exit: %v\n%s", err, p.log)
	}
}

// TestResumeDownloads: "curl -C -" and "wget -c" finish a partial download
// with a range request instead of starting again or failing, and leave a
// complete one alone; on /files/ (classic) and on the tree (static).
func TestResumeDownloads(t *testing.T) {
	serveDir := t.TempDir()
	want := randomBytes(t, 3<<20)
	must(t, os.WriteFile(filepath.Join(serveDir, "big.bin"), want, 0o644))
	modes := []struct {
		name string
		args []string
		path string
	}{
		{"classic /files/", []string{"--directory", serveDir}, "/files/big.bin"},
		{"static tree", []string{serveDir}, "/big.bin"},
	}
	for _, m := range modes {
		t.Run(m.name, func(t *testing.T) {
			accessLog := filepath.Join(t.TempDir(), "access.log")
			p := startBinary(t, append(m.args, "--access-log", accessLog)...)
			url := "http://" + p.addr + m.path
			work := t.TempDir()
			for _, tc := range []struct {
				name string
				cmd  func(out string) (string, int)
			}{
				{"curl -C -", func(out string) (string, int) {
					// No --fail: on a complete file the server answers 416, which
					// curl takes as "already downloaded" (exit 0, file untouched).
					return runTool(t, work, "curl", "-sS", "-C", "-", "-o", out, url)
				}},
				{"wget -c", func(out string) (string, int) {
					return runTool(t, work, "wget", "-q", "-c", "-O", out, url)
				}},
			} {
				out := filepath.Join(work, strings.Fields(tc.name)[0]+".bin")
				for _, have := range []int{1 << 20, len(want)} { // a partial file, then a complete one
					must(t, os.WriteFile(out, want[:have], 0o644))
					if msg, code := tc.cmd(out); code != 0 {
						t.Fatalf("%s with %d bytes already: exit %d\n%s", tc.name, have, code, msg)
					}
					if got, _ := os.ReadFile(out); !bytes.Equal(got, want) {
						t.Fatalf("%s with %d bytes already: file has %d bytes, not the whole file", tc.name, have, len(got))
					}
				}
			}
			stop(t, p)
			// Each resume asked for the rest only: a 206, not the whole file again.
			logged, _ := os.ReadFile(accessLog)
			if n := strings.Count(string(logged), "status=206"); n != 2 {
				t.Errorf("%d partial responses, want the two resumes to be 206\n%s", n, logged)
			}
		})
	}
}

// TestCurlUpload: "curl -T" uploads with PUT: 201 when it creates the
// file, 204 when it replaces it; in static mode only with --uploads and
// --directory, and never into the tree.
func TestCurlUpload(t *testing.T) {
	body := randomBytes(t, 2<<20)
	work := t.TempDir()
	src := filepath.Join(work, "src.bin")
	must(t, os.WriteFile(src, body, 0o644))
	put := func(url string) (string, int) {
		out, code := runTool(t, work, "curl", "-sS", "-T", src, "-o", "/dev/null", "-w", "%{http_code}", url)
		if code != 0 {
			t.Fatalf("curl -T: exit %d\n%s", code, out)
		}
		return out, code
	}

	t.Run("classic", func(t *testing.T) {
		dir := t.TempDir()
		p := startBinary(t, "--directory", dir)
		for _, want := range []string{"201", "204"} {
			if got, _ := put("http://" + p.addr + "/files/up.bin"); got != want {
				t.Errorf("curl -T: %s, want %s", got, want)
			}
		}
		if got, _ := os.ReadFile(filepath.Join(dir, "up.bin")); !bytes.Equal(got, body) {
			t.Errorf("stored %d bytes, want %d", len(got), len(body))
		}
		stop(t, p)
	})
	t.Run("static without --uploads", func(t *testing.T) {
		tree, dir := t.TempDir(), t.TempDir()
		for _, args := range [][]string{{tree}, {tree, "--directory", dir}} {
			p := startBinary(t, args...)
			for _, path := range []string{"/files/up.bin", "/up.bin"} {
				if got, _ := put("http://" + p.addr + path); got != "405" {
					t.Errorf("%q: curl -T %s: %s, want 405", args, path, got)
				}
			}
			stop(t, p)
		}
		for _, d := range []string{tree, dir} {
			if entries, _ := os.ReadDir(d); len(entries) != 0 {
				t.Errorf("%s was written: %v", d, entries)
			}
		}
	})
	t.Run("static with --uploads", func(t *testing.T) {
		tree, dir := t.TempDir(), t.TempDir()
		p := startBinary(t, tree, "--directory", dir, "--uploads")
		if got, _ := put("http://" + p.addr + "/files/up.bin"); got != "201" {
			t.Errorf("curl -T /files/: %s, want 201", got)
		}
		if got, _ := put("http://" + p.addr + "/up.bin"); got != "405" {
			t.Errorf("curl -T into the tree: %s, want 405", got)
		}
		if got, _ := os.ReadFile(filepath.Join(dir, "up.bin")); !bytes.Equal(got, body) {
			t.Errorf("stored %d bytes, want %d", len(got), len(body))
		}
		stop(t, p)
	})
}

// TestWgetMirror: "wget -r" mirrors a static tree whole, its own files/
// and echo/ folders included (the tree owns those paths in static mode),
// and gets nothing the tree hides.
func TestWgetMirror(t *testing.T) {
	tree := t.TempDir()
	site := map[string]string{
		"index.html":         `<!doctype html><a href="files/">files</a> <a href="echo/">echo</a> <a href="docs/">docs</a> <a href="user-agent">ua</a>`,
		"files/report.txt":   "the site's own report\n",
		"files/data/x.csv":   "a,b\n1,2\n",
		"echo/index.html":    `<!doctype html><p>the site's echo page</p><a href="hello.txt">hello</a>`,
		"echo/hello.txt":     "hello from the site\n",
		"docs/a.txt":         strings.Repeat("compressible text\n", 500),
		"docs/b b.txt":       "a name with a space",
		"user-agent":         "a file named user-agent",
		".env":               "SECRET=1",
		"docs/.hidden/x.txt": "hidden",
	}
	for name, body := range site {
		must(t, os.MkdirAll(filepath.Join(tree, filepath.Dir(name)), 0o755))
		must(t, os.WriteFile(filepath.Join(tree, name), []byte(body), 0o644))
	}
	p := startBinary(t, tree)
	out := t.TempDir()
	msg, code := runTool(t, out, "wget", "-r", "-np", "-nH", "-e", "robots=off", "--no-verbose", "http://"+p.addr+"/")
	if code != 0 {
		t.Fatalf("wget -r: exit %d\n%s", code, msg)
	}
	stop(t, p)
	for name, body := range site {
		got, err := os.ReadFile(filepath.Join(out, name))
		hidden := strings.HasPrefix(name, ".") || strings.Contains(name, "/.")
		switch {
		case hidden && err == nil:
			t.Errorf("%s was served", name)
		case !hidden && err != nil:
			t.Errorf("%s missing from the mirror: %v", name, err)
		case !hidden && !bytes.Equal(got, []byte(body)) && !strings.HasSuffix(name, ".html"):
			t.Errorf("%s differs: %.40q", name, got)
		}
	}
	// The mirror holds the site and the listings wget saved for folders
	// without an index, nothing else.
	filepath.WalkDir(out, func(p string, d fs.DirEntry, err error) error {
		rel, _ := filepath.Rel(out, p)
		if err == nil && !d.IsDir() && site[rel] == "" && !strings.HasSuffix(rel, "index.html") {
			t.Errorf("unexpected file in the mirror: %s", rel)
		}
		return nil
	})
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
