//go:build !unix

package store

// lockFile is a no-op where advisory file locks are not available; there,
// only one process should migrate a SQLite file at a time.
func lockFile(string) (func(), error) { return func() {}, nil }
