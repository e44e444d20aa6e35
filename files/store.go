package files

import (
	"errors"
	"fmt"
	"os"
	"syscall"
)

// Store is a directory that files are served from and uploaded to, confined
// with os.Root: no name reaches outside it, whether through "..", an
// absolute path or a symlink. Symlinks that stay inside are followed.
//
// A Store is safe for concurrent use. Its methods block on disk I/O.
type Store struct {
	root *os.Root
	// escapes is the error os.Root reports for a name that would leave the
	// root. os does not export it, so Open learns its identity once with a
	// probe that only inspects the name "..".
	escapes error
}

// Open opens dir, which must exist and be a directory.
func Open(dir string) (*Store, error) {
	root, err := os.OpenRoot(dir)
	if err != nil {
		return nil, fmt.Errorf("open store: %w", err)
	}
	fi, err := root.Stat(".")
	if err != nil {
		root.Close()
		return nil, fmt.Errorf("open store: %w", err)
	}
	if !fi.IsDir() {
		root.Close()
		return nil, fmt.Errorf("open store %q: %w", dir, ErrNotRegular)
	}
	s := &Store{root: root}
	if f, err := root.Open(".."); err == nil {
		f.Close() // os.Root let ".." out: cannot happen
	} else {
		s.escapes = errors.Unwrap(err)
	}
	return s, nil
}

// Dir returns the directory as given to Open.
func (s *Store) Dir() string {
	return s.root.Name()
}

// Close closes the directory. Files already handed out stay open.
func (s *Store) Close() error {
	return s.root.Close()
}

// wrap adds the operation and name to err, and marks an escape attempt
// caught by os.Root as ErrForbidden.
func (s *Store) wrap(op, name string, err error) error {
	if s.escapes != nil && errors.Is(err, s.escapes) {
		return fmt.Errorf("%s %q: %w: %w", op, name, ErrForbidden, err)
	}
	return fmt.Errorf("%s %q: %w", op, name, err)
}

// Get opens name for reading. It must be a regular file (ErrNotRegular
// otherwise); the caller closes it.
//
// The file is opened non-blocking, so that a FIFO planted in the directory
// is refused at once instead of hanging the file worker until a writer
// appears; for a regular file that flag changes nothing.
func (s *Store) Get(name string) (*os.File, os.FileInfo, error) {
	if err := checkName(name); err != nil {
		return nil, nil, err
	}
	f, err := s.root.OpenFile(name, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		return nil, nil, s.wrap("open", name, err)
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, nil, s.wrap("stat", name, err)
	}
	if !fi.Mode().IsRegular() {
		f.Close()
		return nil, nil, fmt.Errorf("open %q: %w", name, ErrNotRegular)
	}
	return f, fi, nil
}

// Put writes body to name atomically: Create, Write, Commit, and Abort on
// any error. Readers see the old file or the whole new one; concurrent Puts
// to one name leave exactly one whole body (the last rename wins).
func (s *Store) Put(name string, body []byte) error {
	u, err := s.Create(name)
	if err != nil {
		return err
	}
	if _, err := u.Write(body); err != nil {
		u.Abort()
		return err
	}
	return u.Commit() // cleans up after itself on failure
}
