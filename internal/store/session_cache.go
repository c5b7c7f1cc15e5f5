package store

import (
	"context"
	"time"
)

const (
	// sessionCacheAge bounds how long a cached session is trusted without
	// reading it again, should a notice ever be lost.
	sessionCacheAge = 5 * time.Minute
	// sessionCacheSize bounds the memory: past it the cache starts over.
	sessionCacheSize = 100_000
)

// sessionCache keeps the sessions an instance has read, so most requests
// skip the session query. Every change evicts: the instance's own when it
// commits (ended sessions, changed accounts), on PostgreSQL other
// instances' too through a trigger's announcements (see authChannel). On
// SQLite the one serving process makes every change itself.
type sessionCache struct {
	*exactCache[cachedSession]
}

type cachedSession struct {
	s Session
	u UserRecord
}

func newSessionCache(fresh *freshness) sessionCache {
	return sessionCache{newExactCache[cachedSession](fresh, sessionCacheAge, sessionCacheSize)}
}

// session returns the cached session idHash if it is still live at now,
// and the generation a read from the database must present to store its
// result.
func (c sessionCache) session(idHash string, now time.Time) (cachedSession, uint64, bool) {
	e, gen, ok := c.get(idHash)
	if ok && !now.Before(e.s.ExpiresAt) {
		return cachedSession{}, gen, false
	}
	return e, gen, ok
}

// touched records a session's slid expiry, so it is not slid again on
// every request.
func (c sessionCache) touched(idHash string, seen, expires time.Time) {
	c.update(idHash, func(e *cachedSession) { e.s.LastSeenAt, e.s.ExpiresAt = seen, expires })
}

func (c sessionCache) forgetUser(userID string) {
	c.forget(func(_ string, e cachedSession) bool { return e.s.UserID == userID })
}

func (c sessionCache) forgetSession(idHash string) {
	c.forget(func(k string, _ cachedSession) bool { return k == idHash })
}

// FindSessionUser returns a live session and its user, or not_found, from
// the session cache when the engine has one.
func (db *DB) FindSessionUser(ctx context.Context, idHash string, now time.Time) (Session, UserRecord, error) {
	e, gen, ok := db.sessions.session(idHash, now)
	if ok {
		return e.s, e.u, nil
	}
	s, u, err := db.Read().FindSessionUser(ctx, idHash, now)
	if err == nil {
		db.sessions.put(gen, idHash, cachedSession{s: s, u: u})
	}
	return s, u, err
}

// SessionTouched tells the cache that session idHash was slid.
func (db *DB) SessionTouched(idHash string, seen, expires time.Time) {
	db.sessions.touched(idHash, seen, expires)
}
