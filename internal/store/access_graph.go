package store

import (
	"context"
	"database/sql"
	"regexp"
	"sync"
	"sync/atomic"
	"time"
)

// accessGraph answers permission checks (FindItemChain) and the access
// summaries of lists (ListAccessChains) from memory: a snapshot of every
// item's place, owner, name, workspace level and publication, every share,
// every role and each workspace's publishing, read in one consistent
// transaction. A check then walks the item's folders in memory instead of
// asking the database, which on PostgreSQL costs more CPU than everything
// else a check does.
//
// The snapshot is all or nothing: any change to items, trees, shares or
// members — this instance's own when it commits, other instances' when the
// database announces it (see accessChannel) — makes it stale, and a stale
// snapshot is never used. Checks then read the database, as they do while
// the instance has not heard from it lately (see freshness), and a new
// snapshot is read in the background once the checks answered from the
// database since would have paid for it.
type accessGraph struct {
	fresh *freshness // nil: always fresh

	mu       sync.Mutex
	on       bool   // off while announcements cannot be heard
	epoch    uint64 // moves on with every change
	cur      *accessSnapshot
	building bool
	// missed counts the checks read from the database since the snapshot
	// went stale; a new one is built when they reach its cost.
	missed   int
	lastSize int  // items in the last snapshot built
	tried    bool // a first read ended, kept or not
	hits     int  // for tests
}

// buildCostInChecks is about how many single checks from the database
// cost as much as reading one snapshot item.
const buildCostInChecks = 100

// maxGraphItems bounds the memory a snapshot may take (about 200 bytes an
// item): a larger database is checked from the database only.
const maxGraphItems = 1_000_000

func newAccessGraph(fresh *freshness) *accessGraph { return &accessGraph{fresh: fresh} }

// reset drops the snapshot and turns the graph on or off.
func (g *accessGraph) reset(on bool) {
	if g == nil {
		return
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	g.epoch++
	g.on = on
	g.cur = nil
}

// changed makes the snapshot stale: something it holds was changed.
func (g *accessGraph) changed() {
	if g == nil {
		return
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	g.epoch++
	g.cur = nil
}

// snapshot returns the snapshot if it may answer, or nil after starting,
// when worth it, to read a new one from db.
func (g *accessGraph) snapshot(db *sql.DB, d Dialect) *accessSnapshot {
	if g == nil || db == nil {
		return nil
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.cur != nil && g.on && g.cur.epoch == g.epoch && g.fresh.ok() {
		g.hits++
		return g.cur
	}
	g.missed++
	if g.on && !g.building && g.missed*buildCostInChecks > g.lastSize {
		g.startBuild(db, d)
	}
	return nil
}

// prepare starts reading a snapshot now if none is held or being read,
// rather than at a check that finds none.
func (g *accessGraph) prepare(db *sql.DB, d Dialect) {
	if g == nil || db == nil {
		return
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.on && g.cur == nil && !g.building {
		g.startBuild(db, d)
	}
}

// startBuild reads a snapshot in the background; g.mu is held.
func (g *accessGraph) startBuild(db *sql.DB, d Dialect) {
	g.building, g.missed = true, 0
	go g.build(db, d, g.epoch)
}

// build reads a snapshot and keeps it unless something changed since epoch.
func (g *accessGraph) build(db *sql.DB, d Dialect, epoch uint64) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	s, err := readAccessSnapshot(ctx, db, d)
	g.mu.Lock()
	defer g.mu.Unlock()
	g.building, g.tried = false, true
	if err != nil {
		// Checks keep reading the database; the next attempt waits for as
		// many of them as a large snapshot would cost.
		g.lastSize = maxGraphItems
		return
	}
	g.lastSize = len(s.nodes)
	if g.on && g.epoch == epoch {
		s.epoch = epoch
		g.cur = s
	}
}

// warm reports whether a first read of a snapshot ended (whether it was
// kept or not), or whether there is no graph to read.
func (g *accessGraph) warm() bool {
	if g == nil {
		return true
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.tried
}

func (g *accessGraph) hitCount() int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.hits
}

// snapshot is the access snapshot when q may answer from it: on the read
// pool, outside transactions, which must see their own writes.
func (q *Queries) snapshot() *accessSnapshot {
	if q.q != nil {
		return nil
	}
	return q.access.snapshot(q.pool.db, q.d)
}

// changesAccess matches the statements that change what a snapshot holds:
// writes to items, trees, shares and members, a workspace's settings, and
// deletions that cascade to them.
var changesAccess = regexp.MustCompile(`(?is)\b(?:(?:INSERT\s+INTO|UPDATE|DELETE\s+FROM)\s+(?:items|item_tree|item_shares|members)|UPDATE\s+workspaces|DELETE\s+FROM\s+(?:workspaces|users))\b`)

// accessStatements remembers, per statement text, whether it matches
// changesAccess: most statements are constants, matched once. Past
// maxRememberedStatements (statements built from their arguments) the
// rest are matched each time.
var (
	accessStatements     sync.Map // string → bool
	rememberedStatements atomic.Int32
)

const maxRememberedStatements = 10_000

// changesAccessData reports whether query is a statement that changes
// what a snapshot holds (see changesAccess).
func changesAccessData(query string) bool {
	changes, ok := accessStatements.Load(query)
	if !ok {
		changes = changesAccess.MatchString(query)
		if rememberedStatements.Add(1) <= maxRememberedStatements {
			accessStatements.Store(query, changes)
		}
	}
	return changes.(bool)
}

// wrote notes that query ran: a statement that changes access makes the
// snapshot stale once it commits (at once outside a transaction).
func (q *Queries) wrote(query string) {
	if q.access == nil || !changesAccessData(query) {
		return
	}
	if q.accessTouched != nil {
		if *q.accessTouched {
			return
		}
		*q.accessTouched = true
	}
	q.afterCommit(q.access.changed)
}
