// Package files serves and stores the files behind /files/{name}.
//
// A [Store] is one directory, opened with [os.OpenRoot] so that no name can
// reach outside it: not "..", not an absolute path, not a symlink pointing
// elsewhere. Uploads are atomic (a temp file in the target's directory,
// fsync, rename), so a reader sees either the old file or the whole new one,
// and a failed upload leaves nothing behind. Temp files are never served
// or uploaded to ([IsTempName]), each is locked while its upload lives, and
// [Store.RemoveStaleUploads] clears the ones a crash left behind. A
// directory removed and recreated while running is reopened.
//
// A [Handler] turns GET, HEAD, POST and PUT requests into Store calls —
// conditional and range requests by package content, as the static
// handler answers them — and maps every error to a status in one table
// ([Status]): a full disk is 507, a read-only filesystem 403.
//
// Everything here is synchronous and blocks on disk I/O; the pipeline runs
// it on its fixed file-I/O pool so that a slow disk cannot stall the cheap
// endpoints. Nothing here starts a goroutine.
package files
