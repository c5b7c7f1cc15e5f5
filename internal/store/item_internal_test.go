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

// Every statement that changes what the access snapshot holds makes it
// stale; reads and writes elsewhere leave it be.
func TestChangesAccessMatchesTheWritesThatMatter(t *testing.T) {
	for query, want := range map[string]bool{
		"INSERT INTO items (id) VALUES (?)":                          true,
		"UPDATE items SET name = ? WHERE id = ?":                     true,
		"DELETE FROM item_shares WHERE item_id = ?":                  true,
		"INSERT INTO item_tree (ancestor_id) SELECT ...":             true,
		"update members set role = ?":                                true,
		"UPDATE workspaces SET publishing = ?":                       true,
		"DELETE FROM users WHERE id = ?":                             true,
		"DELETE FROM workspaces WHERE id = ?":                        true,
		"WITH x AS (SELECT 1)\n\tUPDATE\n\titems SET trashed_at = ?": true,
		"SELECT id FROM items WHERE id = ?":                          false,
		"UPDATE users SET name = ?":                                  false,
		"INSERT INTO item_files (item_id, key) VALUES (?, ?)":        false,
		"UPDATE items_archive SET x = 1":                             false,
		"INSERT INTO sessions (id_hash) VALUES (?)":                  false,
	} {
		if got := changesAccess.MatchString(query); got != want {
			t.Errorf("%q: changes access %v, want %v", query, got, want)
		}
	}
}
