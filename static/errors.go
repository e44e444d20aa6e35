package static

import (
	"errors"
	"io/fs"
	"syscall"
)

// Errors of this package. The handler wraps them (and the os errors it
// meets) with the operation and the name; compare with errors.Is.
var (
	// ErrBadPath means the request path is not one this server can name a
	// file with: invalid percent-encoding, a NUL byte, or not absolute.
	ErrBadPath = errors.New("static: malformed path")
	// ErrForbidden means the path is refused: a dot-segment ("." or ".."),
	// or a name that would leave the root (an escaping symlink).
	ErrForbidden = errors.New("static: path refused")
	// ErrHidden means the path names a dotfile, or passes through a dot
	// directory, and Config.Dotfiles is off. It answers 404, not 403, so
	// that hidden files cannot be told apart from missing ones.
	ErrHidden = errors.New("static: hidden name")
	// ErrNotRegular means the name is neither a regular file nor a
	// directory (a FIFO, a device, a socket).
	ErrNotRegular = errors.New("static: not a regular file")
)

// statusTable is the one place errors become statuses; the first match
// wins. Anything not listed is a 500.
var statusTable = []struct {
	err    error
	status int
}{
	{ErrBadPath, 400},
	{ErrHidden, 404},
	{ErrForbidden, 403},
	{ErrNotRegular, 403},
	{fs.ErrPermission, 403},     // EACCES, EPERM
	{syscall.ELOOP, 403},        // a symlink loop
	{fs.ErrNotExist, 404},       // ENOENT
	{syscall.ENOTDIR, 404},      // "a.txt/b", or "a.txt/"
	{syscall.ENAMETOOLONG, 414}, // the name cannot exist
}

// Status returns the response status for an error returned by this
// package: 400 malformed path; 403 refused path, non-regular file,
// permission denied or symlink loop; 404 not found or hidden; 414 name too
// long; 500 anything else (whose text is never shown to the client).
func Status(err error) int {
	for _, e := range statusTable {
		if errors.Is(err, e.err) {
			return e.status
		}
	}
	return 500
}
