// Package diskspace tells how much room is left on the file system that
// holds a path, so that readiness can say "disk full" before writes fail.
package diskspace

// Low is the free space under which a file system counts as full: below
// it, SQLite's journal and any upload are bound to fail.
const Low = 8 << 20

// Full reports whether the file system holding path has less than Low
// bytes left for this process. Where it cannot be told, it is not full.
func Full(path string) bool {
	free, ok := available(path)
	return ok && free < Low
}
