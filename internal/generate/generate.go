// Package generate builds a workspace of a chosen size from a seed —
// members with roles, a folder tree, items of every kind, shares and
// general access — straight into the database, and can export what it
// made as JSON lines so that the same data can be loaded into another
// authorization system and the answers compared. The same seed and
// options give the same workspace, ids included.
package generate

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"time"

	"troupe/internal/store"
	"troupe/internal/troupe"
)

// Options size the workspace.
type Options struct {
	Seed    uint64
	Members int
	Items   int
	// Depth is the depth of one chain of nested folders that the tree is
	// guaranteed to have (the rest of the tree grows at random under it).
	Depth int
	// BigFolder is the number of items put directly in one folder.
	BigFolder int
	// HeavySharers members receive SharesEach shares each; the others a few.
	HeavySharers int
	SharesEach   int
	// PasswordHash is every generated member's password, already hashed.
	PasswordHash string
}

// Defaults are the sizes of the benchmark workspace.
var Defaults = Options{Seed: 1, Members: 10_000, Items: 100_000, Depth: 6, BigFolder: 500, HeavySharers: 100, SharesEach: 50}

// Result names what a benchmark needs to know about the workspace.
type Result struct {
	WorkspaceID string `json:"workspace_id"`
	AdminEmail  string `json:"admin_email"`
	// HeavyEmail is a Creator with SharesEach shares, one of them on the
	// big folder.
	HeavyEmail  string `json:"heavy_email"`
	HeavyUserID string `json:"heavy_user_id"`
	BigFolderID string `json:"big_folder_id"`
	Members     int    `json:"members"`
	Items       int    `json:"items"`
	Folders     int    `json:"folders"`
	MaxDepth    int    `json:"max_depth"`
	Shares      int    `json:"shares"`
	TreeRows    int    `json:"tree_rows"`
}

// Record is one line of the export. Type is "workspace", "member",
// "item" or "share"; the other fields are set as the type needs.
type Record struct {
	Type           string `json:"type"`
	ID             string `json:"id,omitempty"`
	Name           string `json:"name,omitempty"`
	Email          string `json:"email,omitempty"`
	Role           string `json:"role,omitempty"`
	Kind           string `json:"kind,omitempty"`
	ParentID       string `json:"parent_id,omitempty"`
	OwnerID        string `json:"owner_id,omitempty"`
	GeneralAccess  string `json:"general_access,omitempty"`
	WorkspaceLevel string `json:"workspace_level,omitempty"`
	ItemID         string `json:"item_id,omitempty"`
	UserID         string `json:"user_id,omitempty"`
	Level          string `json:"level,omitempty"`
}

// words make searchable names.
var words = []string{"launch", "teaser", "intro", "onboarding", "pitch", "demo", "recap", "keynote", "tutorial", "promo",
	"aurora", "harbor", "summit", "meadow", "cobalt", "ember", "falcon", "glacier", "horizon", "juniper",
	"kestrel", "lumen", "mosaic", "nimbus", "orchid", "prairie", "quartz", "raven", "sierra", "tundra"}

type item struct {
	created, updated  int64
	id, parent, owner string
	kind              troupe.Kind
	name              string
	workspace         troupe.Level
	ancestors         []string // nearest first
}

// Generate writes the workspace into db and, when export is not nil, its
// content as JSON lines.
func Generate(ctx context.Context, db *store.DB, opt Options, export io.Writer) (Result, error) {
	if opt.Members < 2 || opt.Items < opt.Depth+opt.BigFolder+1 || opt.Depth < 1 {
		return Result{}, fmt.Errorf("generate: need at least 2 members and more items than depth + big folder")
	}
	rng := rand.New(rand.NewPCG(opt.Seed, 0x7120_0be))
	newID := func() string {
		return fmt.Sprintf("%08x-%04x-7%03x-%04x-%012x", rng.Uint32(), rng.Uint32()&0xffff, rng.Uint32()&0xfff,
			0x8000|rng.Uint32()&0x3fff, rng.Uint64()&0xffffffffffff)
	}
	now := time.Now().UTC()
	wsID := newID()
	tag := wsID[:8]
	res := Result{WorkspaceID: wsID, Members: opt.Members, Items: opt.Items}
	enc := json.NewEncoder(io.Discard)
	if export != nil {
		enc = json.NewEncoder(export)
	}

	// Members: the first is a Super Admin, the second the heavy sharer.
	type member struct {
		id, email string
		role      troupe.Role
	}
	members := make([]member, opt.Members)
	var creators []int
	for i := range members {
		role := troupe.RoleViewer
		switch r := rng.IntN(100); {
		case i == 0 || r < 1:
			role = troupe.RoleSuperAdmin
		case i == 1 || r < 11+50:
			role = troupe.RoleCreator
			if r >= 1 && r < 11 {
				role = troupe.RoleDeveloper
			}
		}
		members[i] = member{id: newID(), email: fmt.Sprintf("m%05d.%s@generated.troupe.test", i, tag), role: role}
		if role.CanCreateContent() {
			creators = append(creators, i)
		}
	}
	res.AdminEmail, res.HeavyEmail, res.HeavyUserID = members[0].email, members[1].email, members[1].id

	// The tree: a chain of Depth folders, the big folder, then folders
	// under random folders, then the other items.
	folders := max(opt.Depth+1, opt.Items*15/100)
	items := make([]*item, 0, opt.Items)
	byID := map[string]*item{}
	var folderList []*item
	add := func(kind troupe.Kind, parent *item) *item {
		it := &item{id: newID(), kind: kind, owner: members[creators[rng.IntN(len(creators))]].id}
		// Made over the past year, some edited since.
		it.created = now.Add(-time.Duration(rng.Int64N(int64(365 * 24 * time.Hour)))).UnixMilli()
		it.updated = it.created
		if rng.IntN(3) == 0 {
			it.updated += rng.Int64N(now.UnixMilli() - it.created + 1)
		}
		it.name = fmt.Sprintf("%s %s %d", words[rng.IntN(len(words))], kind, len(items))
		if parent != nil {
			it.parent = parent.id
			it.ancestors = append([]string{parent.id}, parent.ancestors...)
		}
		switch r := rng.IntN(100); {
		case r < 2:
			it.workspace = troupe.LevelEdit
		case r < 10:
			it.workspace = troupe.LevelView
		}
		items = append(items, it)
		byID[it.id] = it
		if kind == troupe.KindFolder {
			folderList = append(folderList, it)
		}
		return it
	}
	var chain *item
	for range opt.Depth {
		chain = add(troupe.KindFolder, chain)
	}
	big := add(troupe.KindFolder, nil)
	big.workspace = troupe.LevelNone
	res.BigFolderID = big.id
	for len(folderList) < folders {
		var parent *item
		if rng.IntN(10) < 7 {
			parent = folderList[rng.IntN(len(folderList))]
			if parent == big {
				parent = nil
			}
		}
		add(troupe.KindFolder, parent)
	}
	kinds := []troupe.Kind{troupe.KindDraft, troupe.KindDraft, troupe.KindVideo, troupe.KindVideo, troupe.KindAvatar, troupe.KindVoice}
	for i := 0; len(items) < opt.Items; i++ {
		parent := big
		if i >= opt.BigFolder {
			parent = nil
			if rng.IntN(10) > 0 {
				for parent = folderList[rng.IntN(len(folderList))]; parent == big; parent = folderList[rng.IntN(len(folderList))] {
				}
			}
		}
		add(kinds[rng.IntN(len(kinds))], parent)
	}

	// Shares: the heavy sharers get SharesEach, the first of them one on
	// the big folder; everyone else up to three.
	type share struct {
		item, user string
		level      troupe.Level
	}
	var shares []share
	seen := map[[2]string]bool{}
	give := func(it *item, u string) {
		key := [2]string{it.id, u}
		if seen[key] || it.owner == u {
			return
		}
		seen[key] = true
		level := troupe.LevelView
		if rng.IntN(10) < 3 {
			level = troupe.LevelEdit
		}
		shares = append(shares, share{it.id, u, level})
	}
	give(big, members[1].id)
	for i := 1; i < len(members); i++ {
		n := rng.IntN(4)
		if i <= opt.HeavySharers {
			n = opt.SharesEach
			if i == 1 {
				n--
			}
		}
		for range n {
			give(items[rng.IntN(len(items))], members[i].id)
		}
	}

	// Write everything in one transaction.
	err := db.Tx(ctx, func(tx *store.Tx) error {
		w := troupe.Workspace{ID: wsID, Name: fmt.Sprintf("Generated %d", opt.Seed), Settings: troupe.DefaultSettings,
			Plan: "Generated", Seats: opt.Members}
		if err := tx.CreateWorkspace(ctx, w, now); err != nil {
			return err
		}
		if err := enc.Encode(Record{Type: "workspace", ID: wsID, Name: w.Name}); err != nil {
			return err
		}
		var users, memberRows [][]any
		for i, m := range members {
			name := fmt.Sprintf("Member %d", i)
			users = append(users, []any{m.id, m.email, troupe.NormalizeEmail(m.email), name, opt.PasswordHash, now.UnixMilli(),
				"", true, now.UnixMilli(), now.UnixMilli()})
			memberRows = append(memberRows, []any{wsID, m.id, string(m.role), now.UnixMilli() + int64(i), troupe.NormalizeEmail(m.email)})
			if err := enc.Encode(Record{Type: "member", ID: m.id, Email: m.email, Name: name, Role: string(m.role)}); err != nil {
				return err
			}
		}
		if err := tx.BulkInsert(ctx, "users", []string{"id", "email", "email_norm", "name", "password_hash", "email_verified_at",
			"locale", "discoverable", "created_at", "updated_at"}, users); err != nil {
			return err
		}
		if err := tx.BulkInsert(ctx, "members", []string{"workspace_id", "user_id", "role", "joined_at", "email_norm"}, memberRows); err != nil {
			return err
		}
		var itemRows, treeRows [][]any
		for _, it := range items {
			var parent any
			if it.parent != "" {
				parent = it.parent
			}
			itemRows = append(itemRows, []any{it.id, wsID, string(it.kind), it.name, troupe.NormalizeName(it.name), parent,
				it.owner, int(it.workspace), it.created, it.updated})
			treeRows = append(treeRows, []any{it.id, it.id, 0})
			for d, a := range it.ancestors {
				treeRows = append(treeRows, []any{a, it.id, d + 1})
			}
			if len(it.ancestors) > res.MaxDepth {
				res.MaxDepth = len(it.ancestors)
			}
			if it.kind == troupe.KindFolder {
				res.Folders++
			}
			rec := Record{Type: "item", ID: it.id, Name: it.name, Kind: string(it.kind), ParentID: it.parent, OwnerID: it.owner,
				GeneralAccess: troupe.GeneralAccess(it.workspace)}
			if it.workspace != troupe.LevelNone {
				rec.WorkspaceLevel = it.workspace.String()
			}
			if err := enc.Encode(rec); err != nil {
				return err
			}
		}
		if err := tx.BulkInsert(ctx, "items", []string{"id", "workspace_id", "kind", "name", "name_norm", "parent_id", "owner_id",
			"workspace_level", "created_at", "updated_at"}, itemRows); err != nil {
			return err
		}
		if err := tx.BulkInsert(ctx, "item_tree", []string{"ancestor_id", "descendant_id", "depth"}, treeRows); err != nil {
			return err
		}
		res.TreeRows = len(treeRows)
		var shareRows [][]any
		for _, s := range shares {
			shareRows = append(shareRows, []any{s.item, s.user, int(s.level), now.UnixMilli()})
			if err := enc.Encode(Record{Type: "share", ItemID: s.item, UserID: s.user, Level: s.level.String()}); err != nil {
				return err
			}
		}
		res.Shares = len(shares)
		return tx.BulkInsert(ctx, "item_shares", []string{"item_id", "user_id", "level", "created_at"}, shareRows)
	})
	if err != nil {
		return Result{}, fmt.Errorf("generate: %w", err)
	}
	if err := db.Analyze(ctx); err != nil {
		return Result{}, fmt.Errorf("generate: analyze: %w", err)
	}
	return res, nil
}
