//go:build unix && !linux && !darwin

package files

import (
	"os"

	"golang.org/x/sys/unix"
)

// renameNoReplace is not available here: renameInto asks first, racily.
func renameNoReplace(int, string, string) error { return unix.ENOSYS }

// reserve does nothing here: a full disk is found on write (507 then, but
// possibly after 100 Continue).
func reserve(*os.File, int64) error { return nil }
