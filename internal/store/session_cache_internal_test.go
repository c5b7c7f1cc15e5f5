package store

import (
	"testing"
	"time"
)

func TestSessionCacheDropsReadsOvertakenByAnEviction(t *testing.T) {
	c := newSessionCache(nil)
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

// TestCachesServeOnlyWithinASecondOfAHeartbeat: a cache with a freshness
// serves nothing before a heartbeat came back, and nothing once the newest
// one heard was sent more than cacheTrust ago.
func TestCachesServeOnlyWithinASecondOfAHeartbeat(t *testing.T) {
	f := &freshness{base: time.Now().Add(-time.Hour)}
	c := newSessionCache(f)
	c.reset(true)
	now := time.Now()
	_, gen, _ := c.session("h", now)
	c.put(gen, "h", cachedSession{s: Session{IDHash: "h", UserID: "u", ExpiresAt: now.Add(time.Hour)}})
	if _, _, ok := c.session("h", now); ok {
		t.Fatal("served before any heartbeat came back")
	}
	f.heard(f.now())
	if _, _, ok := c.session("h", now); !ok {
		t.Fatal("not served just after a heartbeat came back")
	}
	f.heard(f.now() - int64(cacheTrust) - 1)
	if _, _, ok := c.session("h", now); ok {
		t.Fatal("served though the newest heartbeat heard was sent over a second ago")
	}
	f.heard(f.now())
	f.forget()
	if _, _, ok := c.session("h", now); ok {
		t.Fatal("served after the listener reconnected, before a heartbeat came back")
	}
}
