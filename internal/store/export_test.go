package store

import "database/sql"

// SessionCacheHits counts the sessions served from the cache.
func (db *DB) SessionCacheHits() int { return db.sessions.hitCount() }

// PublicCacheHits counts the public pages served from the cache.
func (db *DB) PublicCacheHits() int { return db.public.hitCount() }

// Reader returns the pool that reads outside transactions run on.
func (db *DB) Reader() *sql.DB { return db.read }
