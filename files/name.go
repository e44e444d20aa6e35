package files

import (
	"fmt"
	"io/fs"
	"path"
	"strings"

	"pipehttp/parser"
)

// decodeName percent-decodes the escaped name from the request path exactly
// once (parser.Unescape).
func decodeName(escaped []byte) (string, error) {
	name, err := parser.Unescape(escaped)
	if err != nil {
		return "", fmt.Errorf("name: %w: %w", ErrBadName, err)
	}
	return name, nil
}

// checkName rejects names the store never opens, before the filesystem sees
// them. Escapes (.., absolute paths, symlinks) are left to os.Root, which
// resolves them safely; this only catches what os.Root would accept but we
// do not want.
func checkName(name string) error {
	if name == "" {
		return fmt.Errorf("empty name: %w", fs.ErrNotExist)
	}
	if strings.IndexByte(name, 0) >= 0 {
		return fmt.Errorf("name %q: NUL byte: %w", name, ErrForbidden)
	}
	base := path.Base(name)
	if strings.HasSuffix(name, "/") || base == "." || base == ".." {
		return fmt.Errorf("name %q names a directory: %w", name, ErrNotRegular)
	}
	if IsTempName(base) {
		return fmt.Errorf("name %q is an upload in progress: %w", name, ErrForbidden)
	}
	return nil
}
