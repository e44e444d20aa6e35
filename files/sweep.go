package files

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"strings"
	"syscall"
)

// uploadMarker is part of every temp file's name: ".<name>.upload-<random>".
const uploadMarker = ".upload-"

// IsTempName reports whether a file name (one path component) looks like
// an upload's temp file: it begins with '.' and holds ".upload-". Such
// names are never served, listed or uploaded to, in any mode and whatever
// the dotfiles setting, so that an upload in progress, or one a crash left
// behind, is never seen half-written. The static handler uses it too.
func IsTempName(base string) bool {
	return len(base) > 1 && base[0] == '.' && strings.Contains(base[1:], uploadMarker)
}

// isOwnTempName is the strict form RemoveStaleUploads deletes by: exactly
// "." + base + ".upload-" + 1 to 16 lowercase base-36 digits (this version
// writes 16 hex digits; earlier ones wrote a base-36 number).
func isOwnTempName(name string) bool {
	i := strings.LastIndex(name, uploadMarker)
	if len(name) < 2 || name[0] != '.' || i < 2 {
		return false
	}
	r := name[i+len(uploadMarker):]
	if len(r) == 0 || len(r) > 16 {
		return false
	}
	for _, c := range []byte(r) {
		if (c < '0' || c > '9') && (c < 'a' || c > 'z') {
			return false
		}
	}
	return true
}

// RemoveStaleUploads removes the temp files that uploads left behind when
// the process died mid-upload, anywhere in the store, and returns how many
// it removed. It removes only regular files whose name is exactly of this
// package's temp pattern, and of those only the ones no live upload holds:
// each live temp file is flock(2)ed by its upload (in this process or in
// another pipehttp serving the same directory), and a file whose lock
// cannot be taken at once is left alone. Symlinks are not followed.
// Directories it cannot read are skipped; the first such error is
// returned with the count.
func (s *Store) RemoveStaleUploads() (int, error) {
	root := s.root.Load()
	removed := 0
	var first error
	err := fs.WalkDir(root.FS(), ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if first == nil {
				first = fmt.Errorf("remove stale uploads: %w", err)
			}
			if d != nil && d.IsDir() {
				return fs.SkipDir
			}
			return nil
		}
		if d.Type().IsRegular() && isOwnTempName(d.Name()) {
			ok, err := removeUnlocked(root, p)
			if err != nil && first == nil {
				first = fmt.Errorf("remove stale upload %q: %w", p, err)
			}
			if ok {
				removed++
			}
		}
		return nil
	})
	if err != nil && first == nil {
		first = err
	}
	return removed, first
}

// removeUnlocked removes the temp file p if no upload holds its lock, and
// only if p is still the file it locked.
func removeUnlocked(root *os.Root, p string) (bool, error) {
	f, err := root.OpenFile(p, os.O_RDONLY|oNoFollow|syscall.O_NONBLOCK, 0)
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil // committed or aborted meanwhile
	}
	if err != nil {
		return false, err
	}
	defer f.Close()
	if held, err := lockTemp(f); err != nil || held {
		return false, err // held: a live upload
	}
	held, err := f.Stat()
	if err != nil {
		return false, err
	}
	now, err := root.Lstat(p)
	if err != nil || !os.SameFile(held, now) || !held.Mode().IsRegular() {
		return false, nil // renamed or replaced meanwhile
	}
	if err := root.Remove(path.Clean(p)); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return false, err
	}
	return true, nil
}
