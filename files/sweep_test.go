package files_test

import (
	"os"
	"path/filepath"
	"slices"
	"testing"

	"pipehttp/files"
)

func TestIsTempName(t *testing.T) {
	for name, want := range map[string]bool{
		".a.txt.upload-0123456789abcdef": true,
		".a.txt.upload-k3x9":             true, // an earlier version's base-36 suffix
		".a.upload-b.upload-c":           true,
		".upload-":                       false, // no target name
		"a.txt.upload-0123":              false, // not hidden: a user's file
		".a.txt":                         false,
		"":                               false,
	} {
		if got := files.IsTempName(name); got != want {
			t.Errorf("IsTempName(%q) = %v, want %v", name, got, want)
		}
	}
}

// TestRemoveStaleUploads: the start-up sweep removes leftover temp files of
// our own pattern anywhere in the store, leaves a live upload (locked)
// alone, and never touches anything else, lookalikes included.
func TestRemoveStaleUploads(t *testing.T) {
	fx := newFixture(t)
	stale := []string{".a.txt.upload-0123456789abcdef", "sub/.b.txt.upload-k3x9", ".zero.upload-ffffffffffffffff"}
	keep := []string{
		"a.txt.upload-0123456789abcdef",     // not hidden
		".a.txt.upload-0123456789ABCDEF",    // upper case: not ours
		".a.txt.upload-0123456789abcdef0",   // 17 digits: not ours
		".a.txt.upload-0123456789abcde.txt", // a suffix after the digits
		".upload-0123",                      // no target name
		".notes",
	}
	for _, n := range append(slices.Clone(stale), keep...) {
		must(t, os.WriteFile(filepath.Join(fx.dir, n), []byte("left over"), 0o644))
	}
	must(t, os.Mkdir(filepath.Join(fx.dir, ".d.upload-0123456789abcdef"), 0o755)) // a directory of that name: not a file of ours
	must(t, os.Symlink("a.txt", filepath.Join(fx.dir, ".l.upload-0123456789abcdef")))
	keep = append(keep, ".d.upload-0123456789abcdef", ".l.upload-0123456789abcdef")

	live, err := fx.store.Create("live.txt", 0)
	must(t, err)
	if _, err := live.Write([]byte("in progress")); err != nil {
		t.Fatal(err)
	}
	// Another process's lock would look the same: flock locks belong to the
	// open file, so the sweep's own open cannot take this one.
	n, err := fx.store.RemoveStaleUploads()
	must(t, err)
	if n != len(stale) {
		t.Errorf("removed %d, want %d", n, len(stale))
	}
	for _, s := range stale {
		if _, err := os.Lstat(filepath.Join(fx.dir, s)); err == nil {
			t.Errorf("stale %s is still there", s)
		}
	}
	for _, k := range keep {
		if _, err := os.Lstat(filepath.Join(fx.dir, k)); err != nil {
			t.Errorf("%s was removed: %v", k, err)
		}
	}
	created, err := live.Commit()
	must(t, err)
	if got, _ := os.ReadFile(filepath.Join(fx.dir, "live.txt")); !created || string(got) != "in progress" {
		t.Errorf("the live upload was disturbed: created %v, file %q", created, got)
	}
	fx.checkSentinel(t)
}

// Two pipehttp processes serving one directory: one starts (and sweeps)
// while the other creates an upload's temp file. Whether the sweep gets
// between the file's creation and its lock and removes it, or holds its
// lock at that instant, the upload takes another temp name and ends whole.
//
// Before (issue 12's restart tests): the upload went on in the removed
// file and its commit failed (rename: no such file), a PUT answered 404.
func TestSweepBetweenCreateAndLock(t *testing.T) {
	for _, tc := range []struct {
		name  string
		sweep func(t *testing.T, other *files.Store, tmp string) (release func())
	}{
		{"removed by the sweep", func(t *testing.T, other *files.Store, tmp string) func() {
			n, err := other.RemoveStaleUploads()
			if err != nil || n != 1 {
				t.Errorf("the other store's sweep removed %d (%v), want the new temp file", n, err)
			}
			return func() {}
		}},
		{"locked by the sweep", func(t *testing.T, _ *files.Store, tmp string) func() {
			f, err := os.Open(tmp)
			must(t, err)
			lockFile(t, f)
			return func() { os.Remove(tmp); f.Close() } // what the sweep does next
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fx := newFixture(t)
			other, err := files.Open(fx.dir)
			must(t, err)
			defer other.Close()
			var release func()
			files.SetAfterCreate(func(tmp string) {
				if release == nil {
					release = tc.sweep(t, other, filepath.Join(fx.dir, tmp))
				}
			})
			defer files.SetAfterCreate(nil)
			up, err := fx.store.Create("f.txt", 0)
			must(t, err)
			release()
			if _, err := up.Write([]byte("whole")); err != nil {
				t.Fatal(err)
			}
			if _, err := up.Commit(); err != nil {
				t.Fatalf("commit: %v", err)
			}
			if b, err := os.ReadFile(filepath.Join(fx.dir, "f.txt")); err != nil || string(b) != "whole" {
				t.Fatalf("f.txt: %q, %v", b, err)
			}
		})
	}
}
