package files

import (
	"errors"
	"io/fs"
	"os"
	"path"

	"golang.org/x/sys/windows"
)

// What the store needs from the system, on Windows. Compiled and vetted by
// CI, never run: no test here runs on Windows. Uploads in particular are
// unproven there: Windows refuses to rename or remove a file that is still
// open unless it was opened for sharing deletion, which Commit and Abort
// (rename or remove, then close) rely on.

// oNoFollow: Windows opens have no such flag (os.Root still confines
// symlinks).
const oNoFollow = 0

// lockTemp takes an upload temp file's exclusive lock without waiting
// (LockFileEx on its first byte). held reports that someone else holds it.
func lockTemp(f *os.File) (held bool, err error) {
	var ol windows.Overlapped
	err = windows.LockFileEx(windows.Handle(f.Fd()), windows.LOCKFILE_EXCLUSIVE_LOCK|windows.LOCKFILE_FAIL_IMMEDIATELY, 0, 1, 0, &ol)
	if errors.Is(err, windows.ERROR_LOCK_VIOLATION) {
		return true, nil
	}
	return false, err
}

// syncDir does nothing: Windows cannot flush a directory handle (NTFS
// journals the rename itself).
func syncDir(*os.File) error { return nil }

// removedDir: Windows does not let an open directory be removed.
func removedDir(os.FileInfo) bool { return false }

// renameInto renames from over to, both in the directory dirName of root,
// and reports whether to was created (asked first, racily).
func renameInto(root *os.Root, _ *os.File, dirName, from, to string) (created bool, err error) {
	target := path.Join(dirName, to)
	_, err = root.Lstat(target)
	created = errors.Is(err, fs.ErrNotExist)
	if err := root.Rename(path.Join(dirName, from), target); err != nil {
		return false, err
	}
	return created, nil
}

// reserve does nothing on Windows: a full disk is found on write.
func reserve(*os.File, int64) error { return nil }
