package store

import (
	"context"
	"path/filepath"
	"sync"
	"time"
)

const (
	publicCacheAge  = 5 * time.Minute
	publicCacheSize = 10_000
)

// publicCache keeps the published videos an instance has read, by slug:
// a public page, its media and its captions are each a request, and a
// player makes many. It is on for SQLite, whose one serving process makes
// every change itself, and on PostgreSQL while the listener hears the
// trigger that announces every change to a published video (see
// publicChannel) and its heartbeats (see freshness).
type publicCache struct {
	*exactCache[PublicVideo]
}

func newPublicCache(fresh *freshness) publicCache {
	return publicCache{newExactCache[PublicVideo](fresh, publicCacheAge, publicCacheSize)}
}

// sqliteCaches holds the caches of each SQLite file, shared by every
// handle this process opens on it, so that a change made through any of
// them evicts for all. Only one process serves a SQLite file (see
// DB.ClaimServing), and it makes every change itself.
var sqliteCaches sync.Map // absolute path → *fileCaches

type fileCaches struct {
	public   publicCache
	sessions sessionCache
	access   *accessGraph
}

// sqliteCachesOf returns the caches of the SQLite file at path, on.
func sqliteCachesOf(path string) *fileCaches {
	if abs, err := filepath.Abs(path); err == nil {
		path = abs
	}
	c := &fileCaches{public: newPublicCache(nil), sessions: newSessionCache(nil), access: newAccessGraph(nil)}
	c.public.reset(true)
	c.sessions.reset(true)
	c.access.reset(true)
	shared, _ := sqliteCaches.LoadOrStore(path, c)
	return shared.(*fileCaches)
}

func (c publicCache) forgetItem(id string) {
	c.forget(func(_ string, v PublicVideo) bool { return v.ItemID == id })
}

func (c publicCache) forgetAll() {
	c.forget(func(string, PublicVideo) bool { return true })
}

// publicChanged evicts, once q's transaction commits, the public page of
// item id, or every public page when id is "" (a change to a subtree or
// to a workspace's settings).
func (q *Queries) publicChanged(id string) {
	if id == "" {
		q.afterCommit(q.public.forgetAll)
		return
	}
	q.afterCommit(func() { q.public.forgetItem(id) })
}

// FindPublicVideo is Queries.FindPublicVideo through the public page
// cache. The result is shared: callers must not change it.
func (db *DB) FindPublicVideo(ctx context.Context, slug string) (PublicVideo, error) {
	v, gen, ok := db.public.get(slug)
	if ok {
		return v, nil
	}
	v, err := db.Read().FindPublicVideo(ctx, slug)
	if err == nil {
		db.public.put(gen, slug, v)
	}
	return v, err
}
