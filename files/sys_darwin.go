package files

import (
	"os"

	"golang.org/x/sys/unix"
)

// renameNoReplace renames from to to in the directory fd, failing with
// EEXIST if to exists (renameatx_np with RENAME_EXCL).
func renameNoReplace(fd int, from, to string) error {
	return unix.RenameatxNp(fd, from, fd, to, unix.RENAME_EXCL)
}

// reserve does nothing on macOS: a full disk is found on write (507 then,
// but possibly after 100 Continue).
func reserve(*os.File, int64) error { return nil }
