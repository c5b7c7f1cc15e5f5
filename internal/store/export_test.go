package store

// SessionCacheHits counts the sessions served from the cache.
func (db *DB) SessionCacheHits() int {
	if db.sessions == nil {
		return 0
	}
	db.sessions.mu.Lock()
	defer db.sessions.mu.Unlock()
	return db.sessions.hits
}
