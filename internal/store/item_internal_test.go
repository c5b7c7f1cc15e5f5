package store

import (
	"path/filepath"
	"strconv"
	"testing"

	"troupe/internal/troupe"
)

// The SQL spells the edit level as a number; it must be the domain's.
func TestLevelEditMatchesTheDomain(t *testing.T) {
	if levelEdit != strconv.Itoa(int(troupe.LevelEdit)) {
		t.Fatalf("levelEdit is %s, troupe.LevelEdit is %d", levelEdit, troupe.LevelEdit)
	}
}

// SQLite reads pages through a memory map: the build must allow it.
func TestSQLiteReadsThroughAMemoryMap(t *testing.T) {
	db, err := Open(t.Context(), filepath.Join(t.TempDir(), "t.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var size int64
	if err := db.read.QueryRowContext(t.Context(), "PRAGMA mmap_size").Scan(&size); err != nil || size != 1<<30 {
		t.Fatalf("mmap_size %d, %v", size, err)
	}
}
