package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"math/rand/v2"
	"net/url"
	"slices"
	"testing"

	"troupe/internal/troupe"
)

// accessModel is PRODUCT §6 written plainly: a map of items with their
// parents, owners, shares and workspace levels, and the roles of members.
type accessModel struct {
	items map[string]*modelItem
	ids   []string
	roles map[string]troupe.Role // absent: not a member
}

type modelItem struct {
	id, name, parent, owner string
	folder                  bool
	workspace               troupe.Level
	shares                  map[string]troupe.Level
	trashed                 bool // put in the trash itself
}

func (m *accessModel) inTrash(id string) bool {
	for it := m.items[id]; it != nil; it = m.items[it.parent] {
		if it.trashed {
			return true
		}
	}
	return false
}

// level is the access of user u to item id as PRODUCT §6 states it.
func (m *accessModel) level(u, id string) troupe.Level {
	role, ok := m.roles[u]
	if !ok {
		return troupe.LevelNone
	}
	grant := troupe.LevelNone
	for it := m.items[id]; it != nil; it = m.items[it.parent] {
		if it.owner == u {
			grant = troupe.LevelEdit
		}
		grant = max(grant, it.shares[u], it.workspace)
	}
	level := grant
	switch role {
	case troupe.RoleSuperAdmin:
		level = troupe.LevelEdit
	case troupe.RoleViewer:
		level = min(level, troupe.LevelComment)
	}
	if m.inTrash(id) && !m.canDelete(u, id) {
		return troupe.LevelNone
	}
	return level
}

func (m *accessModel) creates(u string) bool {
	r := m.roles[u]
	return r == troupe.RoleSuperAdmin || r == troupe.RoleDeveloper || r == troupe.RoleCreator
}

func (m *accessModel) canEdit(u, id string) bool {
	return m.creates(u) && m.level(u, id) == troupe.LevelEdit
}

func (m *accessModel) canDelete(u, id string) bool {
	return m.roles[u] == troupe.RoleSuperAdmin || (m.items[id].owner == u && m.creates(u))
}

// visible reports whether u may see id in lists: viewable and not in the trash.
func (m *accessModel) visible(u, id string) bool {
	return !m.inTrash(id) && m.level(u, id) > troupe.LevelNone
}

func (m *accessModel) inside(id, ancestor string) bool {
	for it := m.items[id]; it != nil; it = m.items[it.parent] {
		if it.id == ancestor {
			return true
		}
	}
	return false
}

// A seeded, reproducible random walk over the API — creations, shares,
// moves, role changes, trash, removals — after which every (user, item)
// pair's permissions and every list agree with the model, on both engines.
func TestAccessMatchesModel(t *testing.T) {
	forEngine(t, func(t *testing.T, s *testServer) {
		admin, adminID := s.signedIn(t, "admin@acme.com")
		clients := map[string]*apiClient{adminID: admin}
		users := []string{adminID}
		for i := range 6 {
			c, id := s.signedIn(t, fmt.Sprintf("m%d@acme.com", i))
			clients[id] = c
			users = append(users, id)
		}
		for _, seed := range []uint64{1, 2, 3, 4} {
			t.Run(fmt.Sprintf("seed %d", seed), func(t *testing.T) {
				runAccessModel(t, seed, clients, users)
			})
		}
	})
}

// runAccessModel plays one seed in a new workspace of users, whose first
// is its Super Admin; the others join through the invite link, with
// random roles.
func runAccessModel(t *testing.T, seed uint64, clients map[string]*apiClient, users []string) {
	rng := rand.New(rand.NewPCG(seed, 42))
	adminID := users[0]
	admin := clients[adminID]
	ws := admin.do("POST", "/api/v1/workspaces", map[string]string{"name": "Model"}).want(t, 201).json(t)["id"].(string)
	m := &accessModel{items: map[string]*modelItem{}, roles: map[string]troupe.Role{adminID: troupe.RoleSuperAdmin}}
	link := admin.do("PUT", "/api/v1/workspaces/"+ws+"/invite-link", map[string]string{"role": "creator"}).want(t, 200).json(t)["token"].(string)
	roles := []troupe.Role{troupe.RoleDeveloper, troupe.RoleCreator, troupe.RoleViewer, troupe.RoleSuperAdmin}
	for _, u := range users[1:] {
		clients[u].do("POST", "/api/v1/join/"+link, nil).want(t, 200)
		role := roles[rng.IntN(len(roles))]
		admin.do("PATCH", "/api/v1/workspaces/"+ws+"/members/"+u, map[string]string{"role": string(role)}).want(t, 200)
		m.roles[u] = role
	}
	pick := func(xs []string) string { return xs[rng.IntN(len(xs))] }
	members := func() []string {
		var out []string
		for _, u := range users {
			if _, ok := m.roles[u]; ok {
				out = append(out, u)
			}
		}
		return out
	}
	levels := []string{"view", "comment", "edit"}
	// somewhere picks a folder actor may fill most of the time (random
	// items otherwise, to exercise refusals), or the root.
	somewhere := func(actor string) string {
		if len(m.ids) == 0 || rng.IntN(5) == 0 {
			return ""
		}
		var ok []string
		for _, id := range m.ids {
			if m.items[id].folder && !m.inTrash(id) && m.canEdit(actor, id) {
				ok = append(ok, id)
			}
		}
		if len(ok) > 0 && rng.IntN(4) > 0 {
			return pick(ok)
		}
		return pick(m.ids)
	}
	expect := func(op string, want bool, res response) bool {
		t.Helper()
		ok := res.status < 300
		if ok != want {
			t.Fatalf("seed %d: %s: status %d, the model says allowed=%v\n%s", seed, op, res.status, want, res.body)
		}
		return ok
	}

	for step := 0; step < 300; step++ {
		actor := pick(members())
		c := clients[actor]
		switch op := rng.IntN(20); {
		case op < 8 || len(m.ids) < 3: // create
			parent := somewhere(actor)
			folder := rng.IntN(2) == 0
			kind := map[bool]string{true: "folders", false: "drafts"}[folder]
			want := m.creates(actor) && (parent == "" || (m.items[parent].folder && !m.inTrash(parent) && m.canEdit(actor, parent)))
			body := map[string]any{"name": fmt.Sprintf("item %d", step)}
			if parent != "" {
				body["parent_id"] = parent
			}
			res := c.do("POST", "/api/v1/workspaces/"+ws+"/"+kind, body)
			if expect(fmt.Sprintf("create in %q by %s", parent, m.roles[actor]), want, res) {
				id := idOf(t, res)
				m.items[id] = &modelItem{id: id, name: body["name"].(string), parent: parent, owner: actor, folder: folder, shares: map[string]troupe.Level{}}
				m.ids = append(m.ids, id)
			}
		case op < 11: // share
			id := pick(m.ids)
			in := map[string]any{"general_access": "restricted"}
			workspace := troupe.LevelNone
			if rng.IntN(3) == 0 {
				lvl := pick(levels)
				in["general_access"], in["workspace_level"] = "workspace", lvl
				workspace, _ = troupe.ParseLevel(lvl)
			}
			shares := map[string]troupe.Level{}
			var list []map[string]string
			for range rng.IntN(3) {
				u, lvl := pick(members()), pick(levels)
				if _, dup := shares[u]; dup {
					continue
				}
				shares[u], _ = troupe.ParseLevel(lvl)
				list = append(list, map[string]string{"user_id": u, "level": lvl})
			}
			in["shares"] = list
			it := m.items[id]
			want := m.level(actor, id) > troupe.LevelNone && !m.inTrash(id) && m.canEdit(actor, id)
			if expect("share", want, c.do("PUT", "/api/v1/items/"+id+"/sharing", in)) {
				delete(shares, it.owner)
				it.workspace, it.shares = workspace, shares
			}
		case op < 14: // move
			id := pick(m.ids)
			dest := somewhere(actor)
			it := m.items[id]
			want := m.level(actor, id) > troupe.LevelNone && !m.inTrash(id) && m.canEdit(actor, id)
			if want && dest != it.parent {
				want = m.creates(actor) && (dest == "" || (m.items[dest].folder && !m.inTrash(dest) && m.canEdit(actor, dest) && !m.inside(dest, id)))
			}
			var parent any
			if dest != "" {
				parent = dest
			}
			if expect(fmt.Sprintf("move %s (%+v) to %q by %s (%s), level %v", id, *it, dest, actor, m.roles[actor], m.level(actor, id)), want, c.do("PATCH", "/api/v1/items/"+id, map[string]any{"parent_id": parent})) {
				it.parent = dest
			}
		case op < 16: // trash or restore
			id := pick(m.ids)
			it := m.items[id]
			visible := m.level(actor, id) > troupe.LevelNone
			if it.trashed {
				want := visible && m.canDelete(actor, id)
				if expect("restore", want, c.do("POST", "/api/v1/items/"+id+"/restore", nil)) {
					it.trashed = false
					if it.parent != "" && m.inTrash(it.parent) {
						it.parent = ""
					}
				}
				continue
			}
			want := visible && m.canDelete(actor, id) && !m.inTrash(id)
			if expect("trash", want, c.do("DELETE", "/api/v1/items/"+id, nil)) {
				it.trashed = true
			}
		case op < 19: // role change by the first Super Admin
			u := pick(users[1:])
			if _, ok := m.roles[u]; !ok {
				continue
			}
			role := pick([]string{"super_admin", "developer", "creator", "viewer"})
			admin.do("PATCH", "/api/v1/workspaces/"+ws+"/members/"+u, map[string]string{"role": role}).want(t, 200)
			m.roles[u] = troupe.Role(role)
		default: // now and then a removal: items go to the remover, shares to the leaver go
			u := pick(users[1:])
			if _, ok := m.roles[u]; !ok || rng.IntN(6) > 0 {
				continue
			}
			admin.do("DELETE", "/api/v1/workspaces/"+ws+"/members/"+u, nil).want(t, 204)
			delete(m.roles, u)
			for _, it := range m.items {
				if it.owner == u {
					it.owner = adminID
				}
				delete(it.shares, u)
			}
		}
	}

	// Every (user, item) pair.
	pairs, granted := 0, 0
	for _, u := range users {
		for _, id := range m.ids {
			want := m.level(u, id)
			pairs++
			// Super Admins ask on others' behalf and get the same answer,
			// in the trash too (where it is none for those who may not
			// restore the item).
			if u != adminID {
				other := admin.do("GET", "/api/v1/items/"+id+"/permissions?user="+u, nil).want(t, 200).json(t)
				if other["level"] != want.String() || other["can_view"] != (want > troupe.LevelNone) {
					t.Fatalf("seed %d: ?user=%s on %s (in trash %v): %v, want %s", seed, u, id, m.inTrash(id), other, want)
				}
			}
			res := clients[u].do("GET", "/api/v1/items/"+id+"/permissions", nil)
			if want == troupe.LevelNone {
				res.want(t, 404, "not_found")
				continue
			}
			granted++
			got := res.want(t, 200).json(t)
			p := troupe.ItemPermissions(m.roles[u], want, m.items[id].owner == u)
			if got["level"] != want.String() || got["can_comment"] != (want >= troupe.LevelComment) || got["can_edit"] != p.CanEdit || got["can_share"] != p.CanShare || got["can_delete"] != p.CanDelete {
				t.Fatalf("seed %d: user %s (%s) on item %s: got %v, model %+v", seed, u, m.roles[u], id, got, p)
			}
		}
	}

	t.Logf("seed %d: %d items, %d (user, item) pairs checked, %d with access", seed, len(m.ids), pairs, granted)

	// Every list, for every member.
	for _, u := range members() {
		c := clients[u]
		var root, all, shared []string
		for _, id := range m.ids {
			it := m.items[id]
			if !m.visible(u, id) {
				continue
			}
			all = append(all, id)
			if it.parent == "" {
				root = append(root, id)
			}
			if _, ok := it.shares[u]; ok && it.owner != u {
				shared = append(shared, id)
			}
		}
		base := "/api/v1/workspaces/" + ws
		sameList(t, m, seed, u, "root of "+u, root, listAll(t, c, base+"/items?"))
		sameList(t, m, seed, u, "search of "+u, all, listAll(t, c, base+"/items?q="+url.QueryEscape("ITEM")+"&"))
		sameList(t, m, seed, u, "recent of "+u, all, listAll(t, c, base+"/recent?"))
		sameList(t, m, seed, u, "shared with "+u, shared, listAll(t, c, base+"/shared-with-me?"))
		// The complete set in one stream: the same items, each with the
		// model's level.
		var streamed []string
		for id, level := range visibleSet(t, c, base+"/items/visible") {
			streamed = append(streamed, id)
			if want := m.level(u, id).String(); level != want {
				t.Fatalf("seed %d: visible set of %s: %s at %s, model says %s", seed, u, id, level, want)
			}
		}
		sameSet(t, seed, "visible set of "+u, all, streamed)
		for _, id := range all {
			if !m.items[id].folder {
				continue
			}
			var kids []string
			for _, k := range m.ids {
				if m.items[k].parent == id && !m.inTrash(k) {
					kids = append(kids, k)
				}
			}
			sameList(t, m, seed, u, "folder "+id+" for "+u, kids, listAll(t, c, base+"/items?parent="+id+"&"))
		}
	}
}

// visibleSet reads an NDJSON stream of items: id → level.
func visibleSet(t *testing.T, c *apiClient, path string) map[string]string {
	t.Helper()
	res := c.do("GET", path, nil).want(t, 200)
	if ct := res.header.Get("Content-Type"); ct != "application/x-ndjson" {
		t.Fatalf("%s: Content-Type %q", path, ct)
	}
	out := map[string]string{}
	dec := json.NewDecoder(bytes.NewReader(res.body))
	for dec.More() {
		var it struct{ ID, Level string }
		if err := dec.Decode(&it); err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		if _, dup := out[it.ID]; dup {
			t.Fatalf("%s: %s twice", path, it.ID)
		}
		out[it.ID] = it.Level
	}
	return out
}

// listAll walks a list's pages, 7 items at a time so cursors are
// exercised, and returns each item's id with the level it shows.
func listAll(t *testing.T, c *apiClient, path string) map[string]string {
	t.Helper()
	out := map[string]string{}
	cursor := ""
	for {
		page := c.do("GET", path+"limit=7&cursor="+url.QueryEscape(cursor), nil).want(t, 200).json(t)
		for _, raw := range page["items"].([]any) {
			it := raw.(map[string]any)
			out[it["id"].(string)] = it["permissions"].(map[string]any)["level"].(string)
		}
		next, _ := page["next_cursor"].(string)
		if next == "" {
			return out
		}
		cursor = next
	}
}

// sameList holds a list to the model: the same items, each at the
// model's level for u.
func sameList(t *testing.T, m *accessModel, seed uint64, u, what string, want []string, got map[string]string) {
	t.Helper()
	sameSet(t, seed, what, want, slices.Collect(maps.Keys(got)))
	for id, level := range got {
		if w := m.level(u, id).String(); level != w {
			t.Fatalf("seed %d: %s: %s at %s, model says %s", seed, what, id, level, w)
		}
	}
}

func sameSet(t *testing.T, seed uint64, what string, want, got []string) {
	t.Helper()
	w, g := slices.Clone(want), slices.Clone(got)
	slices.Sort(w)
	slices.Sort(g)
	if !slices.Equal(w, g) {
		t.Fatalf("seed %d: %s: got %d items %v, model has %d %v", seed, what, len(g), g, len(w), w)
	}
}
