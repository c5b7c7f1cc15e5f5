package store

import (
	"context"
	"database/sql"
	"time"

	"troupe/internal/troupe"
)

// SessionCacheHits counts the sessions served from the cache.
func (db *DB) SessionCacheHits() int { return db.sessions.hitCount() }

// PublicCacheHits counts the public pages served from the cache.
func (db *DB) PublicCacheHits() int { return db.public.hitCount() }

// Reader returns the pool that reads outside transactions run on.
func (db *DB) Reader() *sql.DB { return db.read }

// MigrateTo applies the migrations up to version alone, for tests of a
// migration's data changes.
func (db *DB) MigrateTo(ctx context.Context, version int64) error {
	p, err := db.migrations()
	if err != nil {
		return err
	}
	_, err = p.UpTo(ctx, version)
	return err
}

// AccessGraphHits counts the checks answered from the access snapshot.
func (db *DB) AccessGraphHits() int { return db.access.hitCount() }

// ChainFromMemory is FindItemChain from the access snapshot alone; ok is
// false while there is none to answer (one is then being read).
func (db *DB) ChainFromMemory(id, actorID, userID string) (ItemChain, bool) {
	s := db.access.snapshot(db.read, db.dialect)
	if s == nil {
		return ItemChain{}, false
	}
	return s.chain(id, actorID, userID)
}

// ChainFromDatabase is FindItemChain read from the database alone.
func (db *DB) ChainFromDatabase(ctx context.Context, id, actorID, userID string) (ItemChain, error) {
	q := db.Read()
	q.access = nil
	return q.FindItemChain(ctx, id, actorID, userID)
}

// ChainsFromMemory is ListAccessChains' reading from the access snapshot
// alone.
func (db *DB) ChainsFromMemory(ids []string) (map[string]AccessChain, map[string]map[string]troupe.Level, bool) {
	s := db.access.snapshot(db.read, db.dialect)
	if s == nil {
		return nil, nil, false
	}
	return s.accessChains(ids)
}

// ChainsFromDatabase is ListAccessChains' reading from the database.
func (db *DB) ChainsFromDatabase(ctx context.Context, ids []string) (map[string]AccessChain, map[string]map[string]troupe.Level, error) {
	return db.Read().readAccessChains(ctx, ids)
}

// VisibleFromMemory is ListVisible's page decided by the access snapshot;
// ok is false while there is none to answer.
func (db *DB) VisibleFromMemory(ctx context.Context, v Viewer, query string, f ItemFilter) ([]ItemRow, string, bool, error) {
	s := db.access.snapshot(db.read, db.dialect)
	if s == nil {
		return nil, "", false, nil
	}
	return db.Read().visiblePage(ctx, s, v, query, f)
}

// VisibleFromDatabase is ListVisible's page decided by the database.
func (db *DB) VisibleFromDatabase(ctx context.Context, v Viewer, query string, f ItemFilter) ([]ItemRow, string, error) {
	return db.Read().readVisible(ctx, v, query, f)
}

// AccessSnapshotHeld says whether a snapshot that may answer is held,
// without asking for one (which would start reading one).
func (db *DB) AccessSnapshotHeld() bool {
	g := db.access
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.cur != nil && g.on && g.cur.epoch == g.epoch
}

// HoldAccessReads makes the access graph behave as if a snapshot were
// being read, so that none is started.
func (db *DB) HoldAccessReads() {
	db.access.mu.Lock()
	defer db.access.mu.Unlock()
	db.access.building = true
}

// ReleaseAccessReads undoes HoldAccessReads.
func (db *DB) ReleaseAccessReads() {
	db.access.mu.Lock()
	defer db.access.mu.Unlock()
	db.access.building = false
}

// AgeWarmUp moves the moment ReadAccessEarly was called d into the past.
func (db *DB) AgeWarmUp(d time.Duration) { db.earlyAt.Add(-int64(d)) }
