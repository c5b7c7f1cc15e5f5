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

// OpenListeningThrough opens the PostgreSQL database at rawURL with its
// listener connecting to listenURL instead: a proxy that a test can stall.
func OpenListeningThrough(ctx context.Context, rawURL, listenURL string) (*DB, error) {
	return openPostgres(ctx, rawURL, listenURL)
}
