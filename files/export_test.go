package files

// SetAfterCreate sets the hook called between a temp file's creation and
// its lock; nil removes it.
func SetAfterCreate(f func(tmp string)) { afterCreate = f }
