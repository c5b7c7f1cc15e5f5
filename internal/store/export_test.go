package store

// SessionCacheHits counts the sessions served from the cache.
func (db *DB) SessionCacheHits() int { return db.sessions.hitCount() }

// PublicCacheHits counts the public pages served from the cache.
func (db *DB) PublicCacheHits() int { return db.public.hitCount() }
