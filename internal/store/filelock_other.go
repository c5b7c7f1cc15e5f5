//go:build !unix

package store

// lockFile and tryLockFile are no-ops where advisory file locks are not
// available; there, only one process should migrate or serve a SQLite
// file at a time.
func lockFile(string) (func(), error) { return func() {}, nil }

func tryLockFile(string) (func(), error) { return func() {}, nil }
