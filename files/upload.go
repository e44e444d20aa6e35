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

// Create starts an upload to name. The temp file, ".<base>.upload-<random>"
// in name's directory, is created with O_EXCL, so it is never someone
// else's file. The directory must exist (fs.ErrNotExist otherwise); name
// must not be a directory (ErrNotRegular) or lead outside the store, itself
// or through a symlink (ErrForbidden). A symlink that stays inside is
// replaced by the new file; its target is left alone.
func (s *Store) Create(name string) (*Upload, error) {
	if err := checkName(name); err != nil {
		return nil, err
	}
	// Refuse early what rename would refuse late, after the whole body was
	// written (a directory in the way), and refuse what GET would refuse (a
	// name, or a symlink, leading outside the root). Stat follows symlinks
	// inside the root; the rename then replaces the link, not its target.
	if fi, err := s.root.Stat(name); err == nil && fi.IsDir() {
		return nil, fmt.Errorf("create %q: %w", name, ErrNotRegular)
	} else if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, s.wrap("create", name, err)
	}
	dir, base := path.Split(name)
	for range tempAttempts {
		tmp := dir + "." + base + uploadMarker + strconv.FormatUint(rand.Uint64(), 36)
		f, err := s.root.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
		if errors.Is(err, fs.ErrExist) {
			continue
		}
		if err != nil {
			return nil, s.wrap("create", name, err)
		}
		return &Upload{root: s.root, f: f, name: name, tmp: tmp}, nil
	}
	return nil, fmt.Errorf("create %q: no free temp name after %d attempts", name, tempAttempts)
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

// Commit makes the upload visible: fsync the temp file, close it, rename it
// over the target atomically, and fsync the directory so the rename itself
// survives a crash. If any step before the rename fails, the temp file is
// removed and the target is untouched. If only the final directory fsync
// fails, the new file is already in place and the error says so.
func (u *Upload) Commit() error {
	if u.done {
		return fmt.Errorf("commit %q: %w", u.name, os.ErrClosed)
	}
	u.done = true
	if err := u.f.Sync(); err != nil {
		u.f.Close()
		u.root.Remove(u.tmp)
		return fmt.Errorf("sync %q: %w", u.name, err)
	}
	if err := u.f.Close(); err != nil {
		u.root.Remove(u.tmp)
		return fmt.Errorf("close %q: %w", u.name, err)
	}
	if err := u.root.Rename(u.tmp, u.name); err != nil {
		u.root.Remove(u.tmp)
		return fmt.Errorf("rename %q: %w", u.name, err)
	}
	if err := syncDir(u.root, path.Dir(u.name)); err != nil {
		return fmt.Errorf("sync directory of %q (file is in place): %w", u.name, err)
	}
	return nil
}

// Abort closes and removes the temp file. It does nothing after Commit or a
// previous Abort.
func (u *Upload) Abort() error {
	if u.done {
		return nil
	}
	u.done = true
	u.f.Close() // the file is being thrown away; only removal matters
	if err := u.root.Remove(u.tmp); err != nil {
		return fmt.Errorf("abort %q: %w", u.name, err)
	}
	return nil
}

func syncDir(root *os.Root, dir string) error {
	d, err := root.Open(dir)
	if err != nil {
		return err
	}
	err = d.Sync()
	if cerr := d.Close(); err == nil {
		err = cerr
	}
	return err
}
