package files

import (
	"fmt"
	"io/fs"
	"path"
	"strings"
)

// decodeName percent-decodes the escaped name from the request path exactly
// once: "%252e" becomes the literal "%2e", never ".". '+' stays '+' (that
// rule is for query strings).
func decodeName(escaped []byte) (string, error) {
	n := 0
	for i := 0; i < len(escaped); i++ {
		if escaped[i] == '%' {
			if i+2 >= len(escaped) || !isHex(escaped[i+1]) || !isHex(escaped[i+2]) {
				return "", fmt.Errorf("name %q: %w", escaped, ErrBadName)
			}
			n++
			i += 2
		}
	}
	if n == 0 {
		return string(escaped), nil
	}
	b := make([]byte, 0, len(escaped)-2*n)
	for i := 0; i < len(escaped); i++ {
		c := escaped[i]
		if c == '%' {
			c = unhex(escaped[i+1])<<4 | unhex(escaped[i+2])
			i += 2
		}
		b = append(b, c)
	}
	return string(b), nil
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

func unhex(c byte) byte {
	switch {
	case c <= '9':
		return c - '0'
	case c <= 'F':
		return c - 'A' + 10
	}
	return c - 'a' + 10
}

// uploadMarker is part of every temp file's name: ".<name>.upload-<random>".
const uploadMarker = ".upload-"

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
	if strings.HasPrefix(base, ".") && strings.Contains(base, uploadMarker) {
		return fmt.Errorf("name %q is an upload in progress: %w", name, ErrForbidden)
	}
	return nil
}
