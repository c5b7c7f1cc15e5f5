package store

import (
	"context"
	"database/sql"
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
