//go:build unix

package files

import (
	"errors"
	"os"
	"syscall"

	"golang.org/x/sys/unix"
)

// What the store needs from the system, on unix (sys_windows.go for
// Windows; sys_linux.go and sys_darwin.go for the rename that refuses to
// replace).

// oNoFollow makes an open fail on a symlink.
const oNoFollow = syscall.O_NOFOLLOW

// lockTemp takes an upload temp file's exclusive lock without waiting
// (flock(2)). held reports that someone else holds it.
func lockTemp(f *os.File) (held bool, err error) {
	err = unix.Flock(int(f.Fd()), unix.LOCK_EX|unix.LOCK_NB)
	if errors.Is(err, unix.EWOULDBLOCK) {
		return true, nil
	}
	return false, err
}

// syncDir makes a rename in dir durable.
func syncDir(dir *os.File) error { return dir.Sync() }

// removedDir reports whether the directory fi describes has been removed
// (no links left), though still open.
func removedDir(fi os.FileInfo) bool {
	st, ok := fi.Sys().(*syscall.Stat_t)
	return ok && st.Nlink == 0
}

// renameInto renames from over to, both names in dir, and reports whether
// to was created. Both are single path components, so nothing here can
// leave dir, and a symlink named to is replaced, not followed.
func renameInto(_ *os.Root, dir *os.File, _, from, to string) (created bool, err error) {
	fd := int(dir.Fd())
	err = renameNoReplace(fd, from, to)
	switch {
	case err == nil:
		return true, nil
	case errors.Is(err, unix.EEXIST):
		// Replacing: the common case for an upload over a file.
	case errors.Is(err, unix.EINVAL), errors.Is(err, unix.ENOSYS), errors.Is(err, unix.ENOTSUP), errors.Is(err, unix.EOPNOTSUPP):
		// No rename that refuses to replace, here or on this filesystem:
		// ask first, racily.
		var st unix.Stat_t
		created = errors.Is(unix.Fstatat(fd, to, &st, unix.AT_SYMLINK_NOFOLLOW), unix.ENOENT)
	default:
		return false, &os.LinkError{Op: "rename", Old: from, New: to, Err: err}
	}
	if err := unix.Renameat(fd, from, fd, to); err != nil {
		return false, &os.LinkError{Op: "rename", Old: from, New: to, Err: err}
	}
	return created, nil
}
