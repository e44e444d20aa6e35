package files

import (
	"errors"
	"io/fs"
	"syscall"
)

// Errors of this package. Store and Handler wrap them (and the os errors
// they meet) with the operation and the name; compare with errors.Is.
var (
	// ErrBadName means the percent-encoding in the request path is invalid.
	ErrBadName = errors.New("files: malformed percent-encoding")
	// ErrForbidden means the name is refused: it would leave the store's
	// directory (.., an absolute path, a symlink pointing outside), contains
	// a NUL byte, or names an upload in progress.
	ErrForbidden = errors.New("files: name refused")
	// ErrNotRegular means the name is a directory, a device, a FIFO or
	// anything else that is not a regular file.
	ErrNotRegular = errors.New("files: not a regular file")
	// ErrLengthRequired means an upload declared no length: neither
	// Content-Length nor chunked. RFC 9112 §6.3 reads that as an empty body,
	// but an upload endpoint would then replace a file with nothing because
	// a client forgot a header; "Content-Length: 0" stores an empty file.
	ErrLengthRequired = errors.New("files: upload without Content-Length")
)

// statusTable is the one place errors become statuses; the first match
// wins. Anything not listed is a 500.
//
// A directory (or other non-regular file) is 403 for every method, as nginx
// answers a directory without an index: the name exists but is not
// something this server will read or overwrite. One status for all methods
// keeps this a single table.
var statusTable = []struct {
	err    error
	status int
}{
	{ErrBadName, 400},
	{ErrForbidden, 403},
	{ErrNotRegular, 403},
	{ErrLengthRequired, 411},
	{fs.ErrPermission, 403},     // EACCES, EPERM
	{syscall.EROFS, 403},        // a read-only filesystem: as permanent as a permission
	{syscall.EISDIR, 403},       // rename over a directory
	{syscall.ENOSPC, 507},       // disk full (RFC 4918 §11.5: the server cannot store the representation)
	{syscall.EDQUOT, 507},       // over quota
	{fs.ErrNotExist, 404},       // ENOENT: no such file, or no such directory to upload into
	{syscall.ENOTDIR, 404},      // "a.txt/b": a path through a file
	{syscall.ENAMETOOLONG, 414}, // the name cannot exist
}

// Status returns the response status for an error returned by this package:
// 400 malformed name; 411 upload without a length; 403 refused name,
// non-regular file, permission denied or read-only filesystem (the request
// would fail again unchanged, as for a permission); 404 not found; 414 name
// too long; 507 Insufficient Storage for a full disk or quota (ENOSPC,
// EDQUOT); 500 anything else (whose text is never shown to the client, and
// which the caller logs through OnError).
func Status(err error) int {
	for _, e := range statusTable {
		if errors.Is(err, e.err) {
			return e.status
		}
	}
	return 500
}
