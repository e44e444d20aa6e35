// Package files serves and stores the files behind /files/{name}.
//
// A [Store] is one directory, opened with [os.OpenRoot] so that no name can
// reach outside it: not "..", not an absolute path, not a symlink pointing
// elsewhere. Uploads are atomic (a temp file in the target's directory,
// fsync, rename), so a reader sees either the old file or the whole new one,
// and a failed upload leaves nothing behind. A [Handler] turns GET, HEAD and
// POST requests into Store calls and maps every error to a status in one
// table ([Status]).
//
// Everything here is synchronous and blocks on disk I/O; the pipeline runs
// it on its fixed file-I/O pool so that a slow disk cannot stall the cheap
// endpoints. Nothing here starts a goroutine.
package files
