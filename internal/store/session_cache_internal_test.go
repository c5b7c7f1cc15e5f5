package store

import (
	"testing"
	"time"
)

func TestSessionCacheDropsReadsOvertakenByAnEviction(t *testing.T) {
	c := newSessionCache()
	now := time.Now()
	s := Session{IDHash: "h", UserID: "u", ExpiresAt: now.Add(time.Hour)}

	_, gen, _ := c.session("h", now)
	c.put(gen, "h", cachedSession{s: s})
	if _, _, ok := c.session("h", now); ok {
		t.Fatal("cached while the listener is off")
	}

	c.reset(true)
	_, gen, _ = c.session("h", now)
	c.forgetUser("someone else") // an eviction while the read was under way
	c.put(gen, "h", cachedSession{s: s})
	if _, _, ok := c.session("h", now); ok {
		t.Fatal("a read that began before an eviction was cached")
	}

	_, gen, _ = c.session("h", now)
	c.put(gen, "h", cachedSession{s: s})
	if _, _, ok := c.session("h", now); !ok {
		t.Fatal("a fresh read was not cached")
	}
	if _, _, ok := c.session("h", now.Add(2*time.Hour)); ok {
		t.Fatal("an expired session came from the cache")
	}
	c.touched("h", now, now.Add(3*time.Hour))
	if _, _, ok := c.session("h", now.Add(2*time.Hour)); !ok {
		t.Fatal("a slid session was not kept")
	}
	c.forgetUser("u")
	if _, _, ok := c.session("h", now); ok {
		t.Fatal("an evicted user's session came from the cache")
	}
}
