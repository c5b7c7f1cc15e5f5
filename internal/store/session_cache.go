package store

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
)

// authChannel is the PostgreSQL channel on which a trigger names, at
// commit, every user whose sessions ended or whose account changed.
const authChannel = "troupe_auth"

const (
	// sessionCacheAge bounds how long a cached session is trusted without
	// reading it again, should a notice ever be lost.
	sessionCacheAge = 5 * time.Minute
	// sessionCacheSize bounds the memory: past it the cache starts over.
	sessionCacheSize = 100_000
)

// sessionCache keeps the sessions a PostgreSQL instance has read, so most
// requests skip the session query. It is exact, not eventually right: every
// change is announced by the database (see authChannel) and evicts at once,
// this instance's own changes are evicted when they commit, and nothing is
// cached while the listener is not connected. A read that began before an
// eviction is not cached (the generation moved on).
type sessionCache struct {
	mu      sync.Mutex
	on      bool
	gen     uint64
	entries map[string]cachedSession
	hits    int // for tests
}

type cachedSession struct {
	s  Session
	u  UserRecord
	at time.Time
}

func newSessionCache() *sessionCache {
	return &sessionCache{entries: map[string]cachedSession{}}
}

// get returns the cached session idHash if it is still live at now, and
// the generation a read from the database must present to store its result.
func (c *sessionCache) get(idHash string, now time.Time) (cachedSession, uint64, bool) {
	if c == nil {
		return cachedSession{}, 0, false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.entries[idHash]
	if ok && c.on && now.Before(e.s.ExpiresAt) && time.Since(e.at) < sessionCacheAge {
		c.hits++
		return e, c.gen, true
	}
	return cachedSession{}, c.gen, false
}

// put caches a session read under generation gen, unless something was
// evicted since.
func (c *sessionCache) put(gen uint64, s Session, u UserRecord) {
	if c == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.on || gen != c.gen {
		return
	}
	if len(c.entries) >= sessionCacheSize {
		clear(c.entries)
	}
	c.entries[s.IDHash] = cachedSession{s: s, u: u, at: time.Now()}
}

// touched records a session's slid expiry, so it is not slid again on
// every request.
func (c *sessionCache) touched(idHash string, seen, expires time.Time) {
	if c == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if e, ok := c.entries[idHash]; ok {
		e.s.LastSeenAt, e.s.ExpiresAt = seen, expires
		c.entries[idHash] = e
	}
}

// forget evicts the sessions matching drop.
func (c *sessionCache) forget(drop func(idHash string, e cachedSession) bool) {
	if c == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen++
	for k, e := range c.entries {
		if drop(k, e) {
			delete(c.entries, k)
		}
	}
}

func (c *sessionCache) forgetUser(userID string) {
	c.forget(func(_ string, e cachedSession) bool { return e.s.UserID == userID })
}

func (c *sessionCache) forgetSession(idHash string) {
	c.forget(func(k string, _ cachedSession) bool { return k == idHash })
}

// reset empties the cache and turns it on or off.
func (c *sessionCache) reset(on bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen++
	c.on = on
	clear(c.entries)
}

// listen keeps a connection listening on authChannel until ctx ends,
// reconnecting after failures; the cache is on only while it listens.
func (c *sessionCache) listen(ctx context.Context, dsn string) {
	backoff := time.Second
	for {
		err := c.listenOnce(ctx, dsn)
		c.reset(false)
		if ctx.Err() != nil {
			return
		}
		slog.Warn("session cache listener stopped; sessions are read from the database until it reconnects", "error", err)
		select {
		case <-ctx.Done():
			return
		case <-time.After(backoff):
		}
		backoff = min(2*backoff, 30*time.Second)
	}
}

func (c *sessionCache) listenOnce(ctx context.Context, dsn string) error {
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		return err
	}
	defer conn.Close(context.WithoutCancel(ctx))
	if _, err := conn.Exec(ctx, "LISTEN "+authChannel); err != nil {
		return err
	}
	// Changes committed before LISTEN took effect are not announced:
	// start from nothing.
	c.reset(true)
	for {
		n, err := conn.WaitForNotification(ctx)
		if err != nil {
			return err
		}
		c.forgetUser(n.Payload)
	}
}

// FindSessionUser returns a live session and its user, or not_found, from
// the session cache when the engine has one.
func (db *DB) FindSessionUser(ctx context.Context, idHash string, now time.Time) (Session, UserRecord, error) {
	e, gen, ok := db.sessions.get(idHash, now)
	if ok {
		return e.s, e.u, nil
	}
	s, u, err := db.Read().FindSessionUser(ctx, idHash, now)
	if err == nil {
		db.sessions.put(gen, s, u)
	}
	return s, u, err
}

// SessionTouched tells the cache that session idHash was slid.
func (db *DB) SessionTouched(idHash string, seen, expires time.Time) {
	db.sessions.touched(idHash, seen, expires)
}

// afterCommit runs fn once the transaction q runs in commits, or at once
// outside a transaction.
func (q *Queries) afterCommit(fn func()) {
	if q.committed == nil {
		fn()
		return
	}
	*q.committed = append(*q.committed, fn)
}
