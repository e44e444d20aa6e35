package files_test

import (
	"os"
	"path/filepath"
	"testing"

	"pipehttp/files"
)

// TestDirectoryRecreated: a --directory removed and created again while the
// server runs is picked up again without a restart; while it is gone,
// requests get 404, not 500.
func TestDirectoryRecreated(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "store")
	must(t, os.Mkdir(dir, 0o755))
	must(t, os.WriteFile(filepath.Join(dir, "a.txt"), []byte("first"), 0o644))
	store, err := files.Open(dir)
	must(t, err)
	defer store.Close()
	addr := serve(t, &files.Handler{Store: store})
	get := func(name string) (int, string) {
		r := dial(t, addr).Request("GET", "/files/"+name)
		return r.Status, string(r.Body)
	}
	if st, body := get("a.txt"); st != 200 || body != "first" {
		t.Fatalf("before: %d %q", st, body)
	}
	must(t, os.RemoveAll(dir))
	if st, _ := get("a.txt"); st != 404 {
		t.Errorf("while gone: %d, want 404", st)
	}
	must(t, os.Mkdir(dir, 0o755))
	must(t, os.WriteFile(filepath.Join(dir, "a.txt"), []byte("second"), 0o644))
	if st, body := get("a.txt"); st != 200 || body != "second" {
		t.Fatalf("after recreating: %d %q, want the new file", st, body)
	}
	c := dial(t, addr)
	c.Send(formatRequest("PUT", "/files/up.txt", "Content-Length: 3") + "new")
	if r := c.Read(false); r.Status != 201 {
		t.Fatalf("PUT after recreating: %d", r.Status)
	}
	if got, _ := os.ReadFile(filepath.Join(dir, "up.txt")); string(got) != "new" {
		t.Errorf("the upload went elsewhere: %q", got)
	}
	// Recreated once more, and an upload is the first request to notice.
	must(t, os.RemoveAll(dir))
	must(t, os.Mkdir(dir, 0o755))
	c = dial(t, addr)
	c.Send(formatRequest("PUT", "/files/first.txt", "Content-Length: 2") + "ok")
	if r := c.Read(false); r.Status != 201 {
		t.Fatalf("PUT as the first request after recreating: %d", r.Status)
	}
	if got, _ := os.ReadFile(filepath.Join(dir, "first.txt")); string(got) != "ok" {
		t.Errorf("upload: %q", got)
	}
}
