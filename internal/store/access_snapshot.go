package store

import (
	"context"
	"database/sql"
	"hash/maphash"
	"slices"
	"strings"

	"troupe/internal/troupe"
)

// accessSnapshot is one consistent reading of everything access depends
// on (see accessGraph). Its nodes, shares and index hold no pointers —
// texts are spans of one string, users and workspaces are numbers — so
// the garbage collector never walks its hundreds of thousands of entries,
// and lookups compare numbers rather than ids.
type accessSnapshot struct {
	epoch uint64
	text  string // every item's id and name, end to end
	nodes []accessNode
	// index finds an item by id: open addressing over nodes, each slot a
	// node's position plus one (0: empty).
	index  []int32
	seed   maphash.Seed
	shares []userLevel // by node: nodes[i].shares spans them
	// users numbers the owners and the people shared with; userIDs and
	// workspaces turn numbers back into ids, kinds into kinds.
	users      map[string]int32
	userIDs    []string
	workspaces []string
	kinds      []troupe.Kind
	roles      map[roleKey]troupe.Role
	// publishing says, by workspace, whether its videos may be public.
	publishing map[string]bool
}

// span is a part of accessSnapshot.text, or of shares.
type span struct{ from, to int32 }

type accessNode struct {
	id, name           span
	shares             span
	parent             int32 // -1 at the root
	owner              int32 // in users
	workspace          int32 // in workspaces
	level              troupe.Level
	kind               uint8 // in kinds
	trashed, published bool
}

type userLevel struct {
	user  int32 // in users
	level troupe.Level
}

type roleKey struct{ workspace, user string }

// str is the text a span names.
func (s *accessSnapshot) str(sp span) string { return s.text[sp.from:sp.to] }

// find is the node of item id.
func (s *accessSnapshot) find(id string) (int32, bool) {
	mask := uint64(len(s.index) - 1)
	for slot := maphash.String(s.seed, id) & mask; ; slot = (slot + 1) & mask {
		k := s.index[slot]
		if k == 0 {
			return 0, false
		}
		if s.str(s.nodes[k-1].id) == id {
			return k - 1, true
		}
	}
}

// userRef is the number of user, -1 when the snapshot names them nowhere.
func (s *accessSnapshot) userRef(user string) int32 {
	if r, ok := s.users[user]; ok {
		return r
	}
	return -1
}

// sharesOf are the shares on node i.
func (s *accessSnapshot) sharesOf(i int32) []userLevel {
	sp := s.nodes[i].shares
	return s.shares[sp.from:sp.to]
}

// shareOf is the level item is shared with user (numbered) at, if it is.
func (s *accessSnapshot) shareOf(item, user int32) (troupe.Level, bool) {
	for _, sh := range s.sharesOf(item) {
		if sh.user == user {
			return sh.level, true
		}
	}
	return troupe.LevelNone, false
}

// errGraphTooLarge stops reading a snapshot past maxGraphItems.
var errGraphTooLarge = troupe.Errorf(troupe.CodeInternal, "too many items to check from memory")

// snapshotBuilder numbers what a snapshot names while it is read.
type snapshotBuilder struct {
	s          *accessSnapshot
	text       strings.Builder
	workspaces map[string]int32
	kinds      map[troupe.Kind]uint8
}

func (b *snapshotBuilder) span(v string) span {
	from := int32(b.text.Len())
	b.text.WriteString(v)
	return span{from, int32(b.text.Len())}
}

func (b *snapshotBuilder) user(id string) int32 {
	return number(b.s.users, &b.s.userIDs, id)
}

func (b *snapshotBuilder) workspace(id string) int32 {
	return number(b.workspaces, &b.s.workspaces, id)
}

func (b *snapshotBuilder) kind(k troupe.Kind) uint8 {
	return number(b.kinds, &b.s.kinds, k)
}

// number is v's number in numbers, given the next one (its place in list,
// where v is added) the first time.
func number[V comparable, N int32 | uint8](numbers map[V]N, list *[]V, v V) N {
	if n, ok := numbers[v]; ok {
		return n
	}
	n := N(len(*list))
	numbers[v] = n
	*list = append(*list, v)
	return n
}

// buildIndex fills the id index: twice as many slots as nodes, at least.
func (s *accessSnapshot) buildIndex() {
	size := 16
	for size < 2*len(s.nodes) {
		size *= 2
	}
	s.index = make([]int32, size)
	s.seed = maphash.MakeSeed()
	mask := uint64(size - 1)
	for i := range s.nodes {
		slot := maphash.String(s.seed, s.str(s.nodes[i].id)) & mask
		for s.index[slot] != 0 {
			slot = (slot + 1) & mask
		}
		s.index[slot] = int32(i) + 1
	}
}

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
	s := &accessSnapshot{users: map[string]int32{}, roles: map[roleKey]troupe.Role{}, publishing: map[string]bool{}}
	b := &snapshotBuilder{s: s, workspaces: map[string]int32{}, kinds: map[troupe.Kind]uint8{}}
	var parents []string
	err = scanAll(ctx, tx, `SELECT id, workspace_id, COALESCE(parent_id, ''), owner_id, name, workspace_level,
		CASE WHEN trashed_at IS NULL THEN 0 ELSE 1 END, kind,
		CASE WHEN COALESCE(public_slug, '') <> '' THEN 1 ELSE 0 END FROM items`, func(rows *sql.Rows) error {
		if len(s.nodes) >= maxGraphItems {
			return errGraphTooLarge
		}
		var n accessNode
		var id, workspace, parent, owner, name string
		var kind troupe.Kind
		if err := rows.Scan(&id, &workspace, &parent, &owner, &name, &n.level, &n.trashed, &kind, &n.published); err != nil {
			return err
		}
		n.id, n.name = b.span(id), b.span(name)
		n.workspace, n.owner, n.kind = b.workspace(workspace), b.user(owner), b.kind(kind)
		s.nodes = append(s.nodes, n)
		parents = append(parents, parent)
		return nil
	})
	if err != nil {
		return nil, err
	}
	s.text = b.text.String()
	s.buildIndex()
	for i, p := range parents {
		s.nodes[i].parent = -1
		if p != "" {
			j, ok := s.find(p)
			if !ok {
				return nil, troupe.Errorf(troupe.CodeInternal, "item %s has no parent %s", s.str(s.nodes[i].id), p)
			}
			s.nodes[i].parent = j
		}
	}
	type nodeShare struct {
		node int32
		userLevel
	}
	var pending []nodeShare
	err = scanAll(ctx, tx, `SELECT item_id, user_id, level FROM item_shares`, func(rows *sql.Rows) error {
		var item, user string
		var level troupe.Level
		if err := rows.Scan(&item, &user, &level); err != nil {
			return err
		}
		if i, ok := s.find(item); ok {
			pending = append(pending, nodeShare{i, userLevel{b.user(user), level}})
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	slices.SortFunc(pending, func(a, b nodeShare) int { return int(a.node) - int(b.node) })
	s.shares = make([]userLevel, len(pending))
	for k, p := range pending {
		s.shares[k] = p.userLevel
		sp := &s.nodes[p.node].shares
		if sp.to == 0 {
			sp.from = int32(k)
		}
		sp.to = int32(k) + 1
	}
	err = scanAll(ctx, tx, `SELECT workspace_id, user_id, role FROM members`, func(rows *sql.Rows) error {
		var k roleKey
		var role troupe.Role
		if err := rows.Scan(&k.workspace, &k.user, &role); err != nil {
			return err
		}
		s.roles[k] = role
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
		s.publishing[id] = on
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
	i, ok := s.find(id)
	if !ok {
		return ItemChain{}, false
	}
	n := &s.nodes[i]
	workspace := s.workspaces[n.workspace]
	c := ItemChain{WorkspaceID: workspace, OwnerID: s.userIDs[n.owner], Trashed: n.trashed,
		ActorRole: s.roles[roleKey{workspace, actorID}], UserRole: s.roles[roleKey{workspace, userID}]}
	user := s.userRef(userID)
	for depth, j := 0, i; j >= 0; depth, j = depth+1, s.nodes[j].parent {
		if depth > len(s.nodes) {
			return ItemChain{}, false // a loop: never in a consistent tree
		}
		a := &s.nodes[j]
		share, shared := s.shareOf(j, user)
		if a.owner == user || shared || a.level > 0 {
			c.Chain = append(c.Chain, AccessSource{ItemID: s.str(a.id), ItemName: s.str(a.name), Depth: depth,
				OwnerID: s.userIDs[a.owner], Share: share, Workspace: a.level})
		}
	}
	return c, true
}

// accessChains is what ListAccessChains reads, from the snapshot: each
// item's steps (the item, then the folders above it, nearest first) and
// the shares on every step, by step id; ok is false when the snapshot
// does not know an item.
func (s *accessSnapshot) accessChains(ids []string) (out map[string]AccessChain, shares map[string]map[string]troupe.Level, ok bool) {
	out = make(map[string]AccessChain, len(ids))
	shares = map[string]map[string]troupe.Level{}
	for _, id := range ids {
		i, known := s.find(id)
		if !known {
			return nil, nil, false
		}
		n := &s.nodes[i]
		c := AccessChain{Public: n.published && !n.trashed && s.publishing[s.workspaces[n.workspace]]}
		steps := 1
		for j := n.parent; j >= 0 && steps <= len(s.nodes); j = s.nodes[j].parent {
			steps++
		}
		c.Steps = make([]troupe.AccessStep, 0, steps)
		for depth, j := 0, i; j >= 0; depth, j = depth+1, s.nodes[j].parent {
			if depth > len(s.nodes) {
				return nil, nil, false
			}
			a := &s.nodes[j]
			if depth > 0 && s.kinds[a.kind] != troupe.KindFolder {
				continue
			}
			stepID := s.str(a.id)
			c.Steps = append(c.Steps, troupe.AccessStep{ID: stepID, Name: s.str(a.name), Depth: depth,
				OwnerID: s.userIDs[a.owner], Workspace: a.level})
			if on := s.sharesOf(j); len(on) > 0 && shares[stepID] == nil {
				m := make(map[string]troupe.Level, len(on))
				for _, sh := range on {
					m[s.userIDs[sh.user]] = sh.level
				}
				shares[stepID] = m
			}
		}
		out[id] = c
	}
	return out, shares, true
}
