package files

import (
	"errors"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"os"
	"path"
	"strconv"
)

// Upload is a file being written: a temp file in the target's directory,
// made visible only by Commit. Exactly one of Commit or Abort should be
// called; after either, further calls do nothing (Abort) or fail (Write,
// Commit). An Upload is not safe for concurrent use.
//
// The temp file holds an exclusive lock (flock(2); LockFileEx on Windows)
// from creation until it is renamed or removed, so that RemoveStaleUploads, in this process or in
// another pipehttp serving the same directory, never removes a live one.
type Upload struct {
	root *os.Root
	f    *os.File
	name string // target, relative to the store
	tmp  string // temp file, in the target's directory
	done bool
}

// tempAttempts bounds the retries when a temp name is taken; with 64 random
// bits a collision means something is badly wrong.
const tempAttempts = 8

// Create starts an upload to name. The temp file, ".<base>.upload-<16 hex
// digits>" in name's directory, is created with O_EXCL, so it is never
// someone else's file. The directory must exist (fs.ErrNotExist otherwise);
// name must not be a directory (ErrNotRegular) or lead outside the store,
// itself or through a symlink (ErrForbidden). A symlink that stays inside is
// replaced by the new file; its target is left alone.
//
// size, when positive, is the length the body will have: Create reserves
// that much disk space at once (fallocate), so that a full disk or quota is
// an error now — before "100 Continue" is sent and before any byte is
// received — rather than after most of the body has been written.
func (s *Store) Create(name string, size int64) (*Upload, error) {
	if err := checkName(name); err != nil {
		return nil, err
	}
	var u *Upload
	err := s.do(func(root *os.Root) error {
		var err error
		u, err = s.create(root, name)
		return err
	})
	if err != nil {
		return nil, err
	}
	if size > 0 {
		if err := reserve(u.f, size); err != nil {
			u.Abort()
			return nil, fmt.Errorf("create %q: reserve %d bytes: %w", name, size, err)
		}
	}
	return u, nil
}

func (s *Store) create(root *os.Root, name string) (*Upload, error) {
	// Refuse early what rename would refuse late, after the whole body was
	// written (a directory in the way), and refuse what GET would refuse (a
	// name, or a symlink, leading outside the root). Stat follows symlinks
	// inside the root; the rename then replaces the link, not its target.
	if fi, err := root.Stat(name); err == nil && fi.IsDir() {
		return nil, fmt.Errorf("create %q: %w", name, ErrNotRegular)
	} else if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, s.wrap("create", name, err)
	}
	dir, base := path.Split(name)
	for range tempAttempts {
		tmp := dir + tempName(base)
		f, err := root.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
		if errors.Is(err, fs.ErrExist) {
			continue
		}
		if err != nil {
			return nil, s.wrap("create", name, err)
		}
		if afterCreate != nil {
			afterCreate(tmp)
		}
		// The file is new, but between its creation and this lock another
		// pipehttp serving the directory may be sweeping it as stale
		// (RemoveStaleUploads, at its start-up): it holds the lock now, or
		// it held it and removed the file. Either way the file is not ours
		// any more: leave it to the sweep and take another name.
		if held, err := lockTemp(f); err != nil || held {
			f.Close()
			if held {
				continue
			}
			root.Remove(tmp)
			return nil, fmt.Errorf("create %q: lock the temp file: %w", name, err)
		}
		if !stillAt(root, f, tmp) {
			f.Close()
			continue
		}
		return &Upload{root: root, f: f, name: name, tmp: tmp}, nil
	}
	return nil, fmt.Errorf("create %q: no free temp name after %d attempts", name, tempAttempts)
}

// afterCreate, if set, is called between a temp file's creation and its
// lock (tests: a sweep in another process getting in between).
var afterCreate func(tmp string)

// stillAt reports whether f is still the file at name in root.
func stillAt(root *os.Root, f *os.File, name string) bool {
	held, err := f.Stat()
	if err != nil {
		return false
	}
	now, err := root.Lstat(name)
	return err == nil && os.SameFile(held, now)
}

// tempName is the temp file name for an upload to base.
func tempName(base string) string {
	r := strconv.FormatUint(rand.Uint64(), 16)
	for len(r) < 16 {
		r = "0" + r
	}
	return "." + base + uploadMarker + r
}

// Write appends p to the upload.
func (u *Upload) Write(p []byte) (int, error) {
	if u.done {
		return 0, fmt.Errorf("write %q: %w", u.name, os.ErrClosed)
	}
	n, err := u.f.Write(p)
	if err != nil {
		return n, fmt.Errorf("write %q: %w", u.name, err)
	}
	return n, nil
}

// Commit makes the upload visible: fsync the temp file, rename it over the
// target atomically, fsync the directory so the rename itself survives a
// crash, and close it (which releases its lock: only once it is no longer a
// temp file). It reports whether the target was created (true) or replaced
// (false); the rename decides, with RENAME_NOREPLACE, so two uploads racing
// to a new name cannot both say "created".
//
// If any step before the rename fails, the temp file is removed and the
// target is untouched. If only the final directory fsync fails, the new
// file is already in place and the error says so.
func (u *Upload) Commit() (created bool, err error) {
	if u.done {
		return false, fmt.Errorf("commit %q: %w", u.name, os.ErrClosed)
	}
	u.done = true
	defer u.f.Close()
	if err := u.f.Sync(); err != nil {
		u.root.Remove(u.tmp)
		return false, fmt.Errorf("sync %q: %w", u.name, err)
	}
	dirName, base := path.Split(u.name)
	if dirName == "" {
		dirName = "."
	}
	dir, err := u.root.Open(dirName)
	if err != nil {
		u.root.Remove(u.tmp)
		return false, fmt.Errorf("rename %q: open its directory: %w", u.name, err)
	}
	defer dir.Close()
	created, err = renameInto(u.root, dir, dirName, path.Base(u.tmp), base)
	if err != nil {
		u.root.Remove(u.tmp)
		return false, fmt.Errorf("rename %q: %w", u.name, err)
	}
	if err := syncDir(dir); err != nil {
		return created, fmt.Errorf("sync directory of %q (file is in place): %w", u.name, err)
	}
	return created, nil
}

// Abort removes and closes the temp file (removing first, while it is
// still locked). It does nothing after Commit or a previous Abort.
func (u *Upload) Abort() error {
	if u.done {
		return nil
	}
	u.done = true
	err := u.root.Remove(u.tmp)
	u.f.Close() // the file is being thrown away; only removal matters
	if err != nil {
		return fmt.Errorf("abort %q: %w", u.name, err)
	}
	return nil
}
