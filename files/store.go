package files

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"sync"
	"sync/atomic"
	"syscall"
)

// Store is a directory that files are served from and uploaded to, confined
// with os.Root: no name reaches outside it, whether through "..", an
// absolute path or a symlink. Symlinks that stay inside are followed.
//
// The directory is held open. If it is removed and another one created at
// the same path while the server runs, the handle goes stale: every name
// in it is "not found". A Store notices on such an error (the path now
// names another directory than the handle), opens the path again, and
// retries once; so a recreated --directory is picked up without a restart.
// The check costs two stats, and only on a not-found answer.
//
// A Store is safe for concurrent use. Its methods block on disk I/O.
type Store struct {
	dir  string // as given to Open
	root atomic.Pointer[os.Root]
	// escapes is the error os.Root reports for a name that would leave the
	// root. os does not export it, so Open learns its identity once with a
	// probe that only inspects the name "..".
	escapes error

	mu       sync.Mutex // serializes reopening and Close
	replaced *os.Root   // the root before the last reopen, still open for operations begun on it
}

// Open opens dir, which must exist and be a directory.
func Open(dir string) (*Store, error) {
	root, err := openRoot(dir)
	if err != nil {
		return nil, fmt.Errorf("open store: %w", err)
	}
	s := &Store{dir: dir}
	s.root.Store(root)
	if f, err := root.Open(".."); err == nil {
		f.Close() // os.Root let ".." out: cannot happen
	} else {
		s.escapes = errors.Unwrap(err)
	}
	return s, nil
}

func openRoot(dir string) (*os.Root, error) {
	root, err := os.OpenRoot(dir)
	if err != nil {
		return nil, err
	}
	fi, err := root.Stat(".")
	if err != nil {
		root.Close()
		return nil, err
	}
	if !fi.IsDir() {
		root.Close()
		return nil, fmt.Errorf("%q: %w", dir, ErrNotRegular)
	}
	return root, nil
}

// Dir returns the directory as given to Open.
func (s *Store) Dir() string {
	return s.dir
}

// Close closes the directory. Files already handed out stay open.
func (s *Store) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.replaced != nil {
		s.replaced.Close()
		s.replaced = nil
	}
	return s.root.Load().Close()
}

// do runs op on the current root; if op finds nothing and the root has
// gone stale, it reopens the directory and runs op once more.
func (s *Store) do(op func(root *os.Root) error) error {
	root := s.root.Load()
	err := op(root)
	if err == nil || !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	if fresh := s.reopen(root); fresh != nil {
		return op(fresh)
	}
	return err
}

// reopen replaces old with a fresh handle on the directory's path when the
// path now names another directory than old (or old's was removed), and
// returns the root to retry with: nil when nothing changed or the path is
// not a directory now.
func (s *Store) reopen(old *os.Root) *os.Root {
	s.mu.Lock()
	defer s.mu.Unlock()
	if cur := s.root.Load(); cur != old {
		return cur // another request reopened it already
	}
	now, err := os.Stat(s.dir)
	if err != nil || !now.IsDir() {
		return nil // gone for now: a 404 is the truth
	}
	if held, err := old.Stat("."); err == nil && os.SameFile(held, now) {
		if !removedDir(held) {
			return nil // the same, live directory: the name is simply missing
		}
	}
	fresh, err := openRoot(s.dir)
	if err != nil {
		return nil
	}
	// The handle replaced last time has had a whole generation to finish
	// what it was doing; the one just replaced stays open for requests
	// still running on it.
	if s.replaced != nil {
		s.replaced.Close()
	}
	s.replaced = old
	s.root.Store(fresh)
	return fresh
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
	var f *os.File
	err := s.do(func(root *os.Root) error {
		var err error
		f, err = root.OpenFile(name, os.O_RDONLY|syscall.O_NONBLOCK, 0)
		return err
	})
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
// to one name leave exactly one whole body (the last rename wins). It
// reports whether name was created or replaced.
func (s *Store) Put(name string, body []byte) (created bool, err error) {
	u, err := s.Create(name, int64(len(body)))
	if err != nil {
		return false, err
	}
	if _, err := u.Write(body); err != nil {
		u.Abort()
		return false, err
	}
	return u.Commit() // cleans up after itself on failure
}
