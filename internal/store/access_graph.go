package store

import (
	"context"
	"database/sql"
	"regexp"
	"sync"
	"sync/atomic"
	"time"

	"troupe/internal/troupe"
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
	lastSize int // items in the last snapshot built
	hits     int // for tests
}

// buildCostInChecks is about how many single checks from the database
// cost as much as reading one snapshot item.
const buildCostInChecks = 100

// maxGraphItems bounds the memory a snapshot may take (about 200 bytes an
// item): a larger database is checked from the database only.
const maxGraphItems = 1_000_000

type accessSnapshot struct {
	epoch uint64
	items map[string]int32 // id → index in nodes
	nodes []accessNode
	// users numbers the owners and the people shared with, so that lists
	// compare numbers rather than ids.
	users map[string]int32
	roles map[roleKey]troupe.Role
	// publishing says, by workspace, whether its videos may be public.
	publishing map[string]bool
}

type accessNode struct {
	id, workspace, owner, name string
	kind                       troupe.Kind
	parent                     int32 // -1 at the root
	ownerRef                   int32 // owner in users
	level                      troupe.Level
	trashed, folder, published bool
	shares                     []userLevel
}

type userLevel struct {
	user  string
	ref   int32 // user in users
	level troupe.Level
}

type roleKey struct{ workspace, user string }

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
		g.building, g.missed = true, 0
		epoch := g.epoch
		go g.build(db, d, epoch)
	}
	return nil
}

// build reads a snapshot and keeps it unless something changed since epoch.
func (g *accessGraph) build(db *sql.DB, d Dialect, epoch uint64) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	s, err := readAccessSnapshot(ctx, db, d)
	g.mu.Lock()
	defer g.mu.Unlock()
	g.building = false
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

func (g *accessGraph) hitCount() int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.hits
}

// errGraphTooLarge stops reading a snapshot past maxGraphItems.
var errGraphTooLarge = troupe.Errorf(troupe.CodeInternal, "too many items to check from memory")

// readAccessSnapshot reads every item, share and role in one read
// transaction, so that the snapshot is a state the database was in.
func readAccessSnapshot(ctx context.Context, db *sql.DB, d Dialect) (*accessSnapshot, error) {
	var opts *sql.TxOptions
	if d == Postgres {
		opts = &sql.TxOptions{Isolation: sql.LevelRepeatableRead, ReadOnly: true}
	}
	tx, err := db.BeginTx(ctx, opts)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback() //nolint:errcheck // read only
	s := &accessSnapshot{items: map[string]int32{}, users: map[string]int32{}, roles: map[roleKey]troupe.Role{}, publishing: map[string]bool{}}
	// The same owner and workspace ids recur on most items: keep one copy.
	intern := map[string]string{}
	same := func(v string) string {
		if w, ok := intern[v]; ok {
			return w
		}
		intern[v] = v
		return v
	}
	parents := []string{}
	err = scanAll(ctx, tx, `SELECT id, workspace_id, COALESCE(parent_id, ''), owner_id, name, workspace_level,
		CASE WHEN trashed_at IS NULL THEN 0 ELSE 1 END, kind,
		CASE WHEN COALESCE(public_slug, '') <> '' THEN 1 ELSE 0 END FROM items`, func(rows *sql.Rows) error {
		if len(s.nodes) >= maxGraphItems {
			return errGraphTooLarge
		}
		var n accessNode
		var parent string
		var kind string
		if err := rows.Scan(&n.id, &n.workspace, &parent, &n.owner, &n.name, &n.level, &n.trashed, &kind, &n.published); err != nil {
			return err
		}
		n.workspace, n.owner, n.kind = same(n.workspace), same(n.owner), troupe.Kind(same(kind))
		n.folder = n.kind == troupe.KindFolder
		n.ownerRef = s.userRef(n.owner)
		s.items[n.id] = int32(len(s.nodes))
		s.nodes = append(s.nodes, n)
		parents = append(parents, parent)
		return nil
	})
	if err != nil {
		return nil, err
	}
	for i, p := range parents {
		s.nodes[i].parent = -1
		if p != "" {
			j, ok := s.items[p]
			if !ok {
				return nil, troupe.Errorf(troupe.CodeInternal, "item %s has no parent %s", s.nodes[i].id, p)
			}
			s.nodes[i].parent = j
		}
	}
	err = scanAll(ctx, tx, `SELECT item_id, user_id, level FROM item_shares`, func(rows *sql.Rows) error {
		var item, user string
		var level troupe.Level
		if err := rows.Scan(&item, &user, &level); err != nil {
			return err
		}
		if i, ok := s.items[item]; ok {
			s.nodes[i].shares = append(s.nodes[i].shares, userLevel{same(user), s.userRef(user), level})
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	err = scanAll(ctx, tx, `SELECT workspace_id, user_id, role FROM members`, func(rows *sql.Rows) error {
		var k roleKey
		var role troupe.Role
		if err := rows.Scan(&k.workspace, &k.user, &role); err != nil {
			return err
		}
		s.roles[roleKey{same(k.workspace), same(k.user)}] = role
		return nil
	})
	if err != nil {
		return nil, err
	}
	err = scanAll(ctx, tx, `SELECT id, CASE WHEN publishing <> 'off' THEN 1 ELSE 0 END FROM workspaces`, func(rows *sql.Rows) error {
		var id string
		var on bool
		if err := rows.Scan(&id, &on); err != nil {
			return err
		}
		s.publishing[same(id)] = on
		return nil
	})
	if err != nil {
		return nil, err
	}
	return s, tx.Commit()
}

func scanAll(ctx context.Context, tx *sql.Tx, query string, each func(*sql.Rows) error) error {
	rows, err := tx.QueryContext(ctx, query)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		if err := each(rows); err != nil {
			return err
		}
	}
	return rows.Err()
}

// chain is FindItemChain from the snapshot; ok is false when the snapshot
// does not know the item (the database then answers).
func (s *accessSnapshot) chain(id, actorID, userID string) (ItemChain, bool) {
	i, ok := s.items[id]
	if !ok {
		return ItemChain{}, false
	}
	n := &s.nodes[i]
	c := ItemChain{WorkspaceID: n.workspace, OwnerID: n.owner, Trashed: n.trashed,
		ActorRole: s.roles[roleKey{n.workspace, actorID}], UserRole: s.roles[roleKey{n.workspace, userID}]}
	for depth, j := 0, i; j >= 0; depth, j = depth+1, s.nodes[j].parent {
		if depth > len(s.nodes) {
			return ItemChain{}, false // a loop: never in a consistent tree
		}
		a := &s.nodes[j]
		share, shared := s.shareOf(j, userID)
		if a.owner == userID || shared || a.level > 0 {
			c.Chain = append(c.Chain, AccessSource{ItemID: a.id, ItemName: a.name, Depth: depth,
				OwnerID: a.owner, Share: share, Workspace: a.level})
		}
	}
	return c, true
}

// snapshot is the access snapshot when q may answer from it: on the read
// pool, outside transactions, which must see their own writes.
func (q *Queries) snapshot() *accessSnapshot {
	if q.q != nil {
		return nil
	}
	return q.access.snapshot(q.pool.db, q.d)
}

// userRef numbers user, the same number each time.
func (s *accessSnapshot) userRef(user string) int32 {
	if r, ok := s.users[user]; ok {
		return r
	}
	r := int32(len(s.users))
	s.users[user] = r
	return r
}

// sharedWith holds when item is shared with the user numbered ref.
func (s *accessSnapshot) sharedWith(item, ref int32) bool {
	for _, sh := range s.nodes[item].shares {
		if sh.ref == ref {
			return true
		}
	}
	return false
}

func (s *accessSnapshot) shareOf(item int32, userID string) (troupe.Level, bool) {
	for _, sh := range s.nodes[item].shares {
		if sh.user == userID {
			return sh.level, true
		}
	}
	return troupe.LevelNone, false
}

// accessChains is what ListAccessChains reads, from the snapshot: each
// item's steps (the item, then the folders above it, nearest first) and
// the shares on every step, by step id; ok is false when the snapshot
// does not know an item.
func (s *accessSnapshot) accessChains(ids []string) (out map[string]AccessChain, shares map[string]map[string]troupe.Level, ok bool) {
	out = make(map[string]AccessChain, len(ids))
	shares = map[string]map[string]troupe.Level{}
	for _, id := range ids {
		i, known := s.items[id]
		if !known {
			return nil, nil, false
		}
		n := &s.nodes[i]
		c := AccessChain{Public: n.published && !n.trashed && s.publishing[n.workspace]}
		for depth, j := 0, i; j >= 0; depth, j = depth+1, s.nodes[j].parent {
			if depth > len(s.nodes) {
				return nil, nil, false
			}
			a := &s.nodes[j]
			if depth > 0 && !a.folder {
				continue
			}
			c.Steps = append(c.Steps, troupe.AccessStep{ID: a.id, Name: a.name, Depth: depth, OwnerID: a.owner, Workspace: a.level})
			if on := a.shares; len(on) > 0 && shares[a.id] == nil {
				m := make(map[string]troupe.Level, len(on))
				for _, sh := range on {
					m[sh.user] = sh.level
				}
				shares[a.id] = m
			}
		}
		out[id] = c
	}
	return out, shares, true
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
