package store

import (
	"sync/atomic"
	"time"
)

const (
	// heartbeatEvery is how often an instance announces a heartbeat to
	// itself through the database.
	heartbeatEvery = 500 * time.Millisecond
	// cacheTrust is how long after sending the newest heartbeat it heard
	// back an instance serves from its caches: the bound on how long a
	// change committed elsewhere can go unseen here.
	cacheTrust = time.Second
)

// freshness records when an instance last heard from the database. The
// database delivers announcements in commit order, so hearing back a
// heartbeat sent at t means every change committed before t has been
// heard and evicted; serving from memory only within cacheTrust of t
// bounds how stale a cache can be, even while its listener connection
// stalls without closing.
type freshness struct {
	base time.Time // for monotonic readings that fit an atomic
	// sent is when the newest heartbeat heard back was sent, since base;
	// 0 while none was heard on the current connection.
	sent atomic.Int64
}

func newFreshness() *freshness { return &freshness{base: time.Now()} }

// now reads the clock heartbeats carry.
func (f *freshness) now() int64 { return int64(time.Since(f.base)) }

// heard records that the heartbeat sent at sent (see now) came back.
func (f *freshness) heard(sent int64) { f.sent.Store(max(sent, 1)) }

// forget turns the caches off until the next heartbeat comes back.
func (f *freshness) forget() { f.sent.Store(0) }

// ok reports whether caches may serve: always for a nil freshness (an
// engine whose changes are all made in this process).
func (f *freshness) ok() bool {
	if f == nil {
		return true
	}
	sent := f.sent.Load()
	return sent != 0 && f.now()-sent < int64(cacheTrust)
}
