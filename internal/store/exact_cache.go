package store

import (
	"sync"
	"time"
)

// exactCache keeps rows an instance has read so that most requests skip a
// query, without ever serving a row that changed. Changes evict: an
// instance's own when they commit, other instances' when the database
// announces them (see listener). A read that began before an eviction is
// not stored (the generation moved on), and nothing is served while the
// cache is off, as it is while its announcements cannot be heard, nor while
// its instance has not heard from the database lately (see freshness).
type exactCache[V any] struct {
	mu      sync.Mutex
	on      bool
	fresh   *freshness // nil: always fresh
	gen     uint64
	entries map[string]cacheEntry[V]
	// maxAge bounds how long an entry is trusted without reading it again,
	// should an announcement ever be lost; past maxSize entries the cache
	// starts over.
	maxAge  time.Duration
	maxSize int
	hits    int // for tests
}

type cacheEntry[V any] struct {
	v  V
	at time.Time
}

func newExactCache[V any](fresh *freshness, maxAge time.Duration, maxSize int) *exactCache[V] {
	return &exactCache[V]{fresh: fresh, entries: map[string]cacheEntry[V]{}, maxAge: maxAge, maxSize: maxSize}
}

// get returns the entry under key, if any, and the generation a read from
// the database must present to store its result.
func (c *exactCache[V]) get(key string) (V, uint64, bool) {
	var zero V
	if c == nil {
		return zero, 0, false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.entries[key]
	if ok && c.on && c.fresh.ok() && time.Since(e.at) < c.maxAge {
		c.hits++
		return e.v, c.gen, true
	}
	return zero, c.gen, false
}

// put stores v, read under generation gen, unless something was evicted
// since.
func (c *exactCache[V]) put(gen uint64, key string, v V) {
	if c == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.on || gen != c.gen {
		return
	}
	if len(c.entries) >= c.maxSize {
		clear(c.entries)
	}
	c.entries[key] = cacheEntry[V]{v: v, at: time.Now()}
}

// update changes the entry under key in place, if there is one: for a
// change this instance made and knows the result of.
func (c *exactCache[V]) update(key string, change func(*V)) {
	if c == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if e, ok := c.entries[key]; ok {
		change(&e.v)
		c.entries[key] = e
	}
}

// forget evicts the entries matching drop.
func (c *exactCache[V]) forget(drop func(key string, v V) bool) {
	if c == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen++
	for k, e := range c.entries {
		if drop(k, e.v) {
			delete(c.entries, k)
		}
	}
}

// reset empties the cache and turns it on or off.
func (c *exactCache[V]) reset(on bool) {
	if c == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen++
	c.on = on
	clear(c.entries)
}

func (c *exactCache[V]) hitCount() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.hits
}
