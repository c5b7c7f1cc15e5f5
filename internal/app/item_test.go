package app_test

import (
	"bytes"
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"troupe/internal/app"
	"troupe/internal/store"
	"troupe/internal/troupe"
)

// team is a workspace with one member of each role.
type team struct {
	ws                              string
	admin, dev, creator, viewer, bo troupe.User
}

// memberOf makes a verified account and adds it to ws with role, straight
// through the store.
func (e *env) memberOf(t *testing.T, ws, email string, role troupe.Role) troupe.User {
	t.Helper()
	u := e.user(t, email)
	err := e.db.Tx(context.Background(), func(tx *store.Tx) error {
		return tx.AddMember(context.Background(), ws, u.ID, role, e.clock.Now())
	})
	if err != nil {
		t.Fatal(err)
	}
	return u
}

func (e *env) team(t *testing.T) team {
	t.Helper()
	admin := e.user(t, "admin@acme.test")
	w, err := e.app.CreateWorkspace(context.Background(), admin, "Acme", client)
	if err != nil {
		t.Fatal(err)
	}
	return team{ws: w.ID, admin: admin,
		dev:     e.memberOf(t, w.ID, "dev@acme.test", troupe.RoleDeveloper),
		creator: e.memberOf(t, w.ID, "creator@acme.test", troupe.RoleCreator),
		viewer:  e.memberOf(t, w.ID, "viewer@acme.test", troupe.RoleViewer),
		bo:      e.memberOf(t, w.ID, "bo@acme.test", troupe.RoleCreator),
	}
}

func (e *env) folder(t *testing.T, by troupe.User, ws, parent, name string) app.ItemView {
	t.Helper()
	it, err := e.app.CreateItem(context.Background(), by, ws, app.NewItem{Kind: troupe.KindFolder, Name: name, ParentID: parent}, client)
	if err != nil {
		t.Fatalf("create folder %s: %v", name, err)
	}
	return it
}

func (e *env) draft(t *testing.T, by troupe.User, ws, parent, name string) app.ItemView {
	t.Helper()
	it, err := e.app.CreateItem(context.Background(), by, ws, app.NewItem{Kind: troupe.KindDraft, Name: name, ParentID: parent,
		Script: "Hello", Document: `{"scenes":[]}`}, client)
	if err != nil {
		t.Fatalf("create draft %s: %v", name, err)
	}
	return it
}

func (e *env) share(t *testing.T, by troupe.User, id string, in app.SharingInput) {
	t.Helper()
	if _, err := e.app.UpdateSharing(context.Background(), by, id, in, client); err != nil {
		t.Fatalf("share %s: %v", id, err)
	}
}

func (e *env) level(t *testing.T, u troupe.User, id string) troupe.Level {
	t.Helper()
	p, err := e.app.ItemPermissions(context.Background(), u, id, "")
	if troupe.ErrorCode(err) == troupe.CodeNotFound {
		return troupe.LevelNone
	}
	if err != nil {
		t.Fatal(err)
	}
	return p.Level
}

func names(items []app.ItemView) []string {
	out := make([]string, len(items))
	for i, it := range items {
		out[i] = it.Name
	}
	return out
}

func shareWith(level string, users ...troupe.User) app.SharingInput {
	in := app.SharingInput{General: "restricted"}
	for _, u := range users {
		in.Shares = append(in.Shares, app.ShareInput{UserID: u.ID, Level: level})
	}
	return in
}

func TestItemLifecycle(t *testing.T) {
	forEngine(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		tm := e.team(t)
		q3 := e.folder(t, tm.creator, tm.ws, "", "Q3 Launch")
		sub := e.folder(t, tm.creator, tm.ws, q3.ID, "Cuts")
		d := e.draft(t, tm.creator, tm.ws, sub.ID, "Intro")
		if d.Document != `{"scenes":[]}` || d.Script != "Hello" || d.ParentID != sub.ID || d.OwnerID != tm.creator.ID {
			t.Fatalf("draft: %+v", d)
		}
		if !d.Permissions.CanEdit || !d.Permissions.CanShare || !d.Permissions.CanDelete {
			t.Fatalf("the owner may do everything: %+v", d.Permissions)
		}

		// Bad input changes nothing.
		for _, name := range []string{"", "   ", strings.Repeat("x", 201), "a\tb", "line\nbreak", "bell\x07"} {
			_, err := e.app.CreateItem(ctx, tm.creator, tm.ws, app.NewItem{Kind: troupe.KindFolder, Name: name}, client)
			wantCode(t, err, troupe.CodeValidation)
		}
		_, err := e.app.CreateItem(ctx, tm.creator, tm.ws, app.NewItem{Kind: troupe.KindDraft, Name: "x", Document: "{nope"}, client)
		wantCode(t, err, troupe.CodeValidation)
		_, err = e.app.CreateItem(ctx, tm.viewer, tm.ws, app.NewItem{Kind: troupe.KindFolder, Name: "Mine"}, client)
		wantCode(t, err, troupe.CodeForbidden)
		_, err = e.app.CreateItem(ctx, tm.creator, tm.ws, app.NewItem{Kind: troupe.KindFolder, Name: "In a draft", ParentID: d.ID}, client)
		wantCode(t, err, troupe.CodeValidation)
		_, err = e.app.CreateItem(ctx, tm.bo, tm.ws, app.NewItem{Kind: troupe.KindFolder, Name: "Not mine", ParentID: q3.ID}, client)
		wantCode(t, err, troupe.CodeValidation) // bo cannot see q3: as if it did not exist

		// Rename and edit.
		name := "  Intro v2 "
		script := "Hi there"
		d, err = e.app.UpdateItem(ctx, tm.creator, d.ID, app.ItemPatch{Name: &name, Script: &script}, client)
		if err != nil || d.Name != "Intro v2" || d.Script != "Hi there" {
			t.Fatalf("update: %+v %v", d, err)
		}
		desc := "x"
		_, err = e.app.UpdateItem(ctx, tm.creator, d.ID, app.ItemPatch{Description: &desc}, client)
		wantCode(t, err, troupe.CodeValidation)

		// Moves: no cycles, not across workspaces, not into what one cannot edit.
		root := ""
		_, err = e.app.UpdateItem(ctx, tm.creator, q3.ID, app.ItemPatch{ParentID: &sub.ID}, client)
		wantCode(t, err, troupe.CodeValidation)
		_, err = e.app.UpdateItem(ctx, tm.creator, q3.ID, app.ItemPatch{ParentID: &q3.ID}, client)
		wantCode(t, err, troupe.CodeValidation)
		other, err := e.app.CreateWorkspace(ctx, tm.creator, "Elsewhere", client)
		if err != nil {
			t.Fatal(err)
		}
		away := e.folder(t, tm.creator, other.ID, "", "Away")
		_, err = e.app.UpdateItem(ctx, tm.creator, d.ID, app.ItemPatch{ParentID: &away.ID}, client)
		wantCode(t, err, troupe.CodeValidation)
		got, _ := e.app.GetItem(ctx, tm.creator, d.ID)
		if got.ParentID != sub.ID || got.WorkspaceID != tm.ws {
			t.Fatalf("a refused move changed the item: %+v", got)
		}
		bos := e.folder(t, tm.bo, tm.ws, "", "Bo's")
		e.share(t, tm.bo, bos.ID, shareWith("view", tm.creator))
		_, err = e.app.UpdateItem(ctx, tm.creator, d.ID, app.ItemPatch{ParentID: &bos.ID}, client)
		wantCode(t, err, troupe.CodeForbidden)
		if d, err = e.app.UpdateItem(ctx, tm.creator, d.ID, app.ItemPatch{ParentID: &root}, client); err != nil || d.ParentID != "" {
			t.Fatalf("move to root: %+v %v", d, err)
		}
		if d, err = e.app.UpdateItem(ctx, tm.creator, d.ID, app.ItemPatch{ParentID: &sub.ID}, client); err != nil || d.ParentID != sub.ID {
			t.Fatalf("move back: %+v %v", d, err)
		}
		crumbs, err := e.app.Breadcrumbs(ctx, tm.creator, d.ID)
		if err != nil || !slices.Equal(names(crumbs), []string{"Q3 Launch", "Cuts"}) {
			t.Fatalf("breadcrumbs: %v %v", names(crumbs), err)
		}

		// Trash: the folder and all inside it go; only owner or Super Admin.
		wantCode(t, e.app.TrashItem(ctx, tm.dev, q3.ID, client), troupe.CodeNotFound)
		e.share(t, tm.creator, q3.ID, shareWith("edit", tm.dev))
		wantCode(t, e.app.TrashItem(ctx, tm.dev, q3.ID, client), troupe.CodeForbidden)
		if err := e.app.TrashItem(ctx, tm.creator, q3.ID, client); err != nil {
			t.Fatal(err)
		}
		for _, id := range []string{q3.ID, sub.ID, d.ID} {
			if e.level(t, tm.dev, id) != troupe.LevelNone {
				t.Fatalf("a trashed item stays visible to a sharee")
			}
		}
		roots, _, err := e.app.ListItems(ctx, tm.creator, tm.ws, app.ItemQuery{})
		if err != nil || slices.Contains(names(roots), "Q3 Launch") {
			t.Fatalf("root still lists the trashed folder: %v %v", names(roots), err)
		}
		found, _, _ := e.app.ListItems(ctx, tm.admin, tm.ws, app.ItemQuery{Search: "intro"})
		if len(found) != 0 {
			t.Fatalf("search finds trashed items: %v", names(found))
		}
		trash, _, err := e.app.ListTrash(ctx, tm.creator, tm.ws, app.ItemQuery{})
		if err != nil || !slices.Equal(names(trash), []string{"Q3 Launch"}) {
			t.Fatalf("trash: %v %v", names(trash), err)
		}
		if trash, _, _ = e.app.ListTrash(ctx, tm.bo, tm.ws, app.ItemQuery{}); len(trash) != 0 {
			t.Fatalf("someone else's trash shows: %v", names(trash))
		}
		_, err = e.app.UpdateItem(ctx, tm.creator, d.ID, app.ItemPatch{Name: &name}, client)
		wantCode(t, err, troupe.CodeItemTrashed)
		_, err = e.app.RestoreItem(ctx, tm.creator, d.ID, client)
		wantCode(t, err, troupe.CodeItemTrashed)
		if _, err := e.app.RestoreItem(ctx, tm.creator, q3.ID, client); err != nil {
			t.Fatal(err)
		}
		if e.level(t, tm.dev, d.ID) != troupe.LevelEdit {
			t.Fatal("restoring the folder restores what was inside it and its sharing")
		}

		// Thirty days in the trash, then the purge.
		if err := e.app.TrashItem(ctx, tm.creator, sub.ID, client); err != nil {
			t.Fatal(err)
		}
		e.clock.Advance(troupe.TrashRetention - time.Hour)
		if n, err := e.app.PurgeTrash(ctx); err != nil || n != 0 {
			t.Fatalf("purged early: %d %v", n, err)
		}
		e.clock.Advance(2 * time.Hour)
		// The hourly purge task runs on the same clock and may get there
		// first: either way the entry is purged once, and gone.
		if n, err := e.app.PurgeTrash(ctx); err != nil || n > 1 {
			t.Fatalf("purge: %d %v", n, err)
		}
		_, err = e.app.GetItem(ctx, tm.admin, d.ID)
		wantCode(t, err, troupe.CodeNotFound)
		if got, err := e.app.GetItem(ctx, tm.creator, q3.ID); err != nil || got.TrashedAt != nil {
			t.Fatalf("the folder above a purged one stays: %+v %v", got, err)
		}
	})
}

func TestRestoreIntoTrashedFolderGoesToRoot(t *testing.T) {
	forEngine(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		tm := e.team(t)
		f := e.folder(t, tm.creator, tm.ws, "", "Outer")
		d := e.draft(t, tm.creator, tm.ws, f.ID, "Inner")
		if err := e.app.TrashItem(ctx, tm.creator, d.ID, client); err != nil {
			t.Fatal(err)
		}
		if err := e.app.TrashItem(ctx, tm.creator, f.ID, client); err != nil {
			t.Fatal(err)
		}
		got, err := e.app.RestoreItem(ctx, tm.creator, d.ID, client)
		if err != nil || got.ParentID != "" || got.TrashedAt != nil {
			t.Fatalf("restore: %+v %v", got, err)
		}
	})
}

// The named edge cases of PRODUCT §6.
func TestAccessEdgeCases(t *testing.T) {
	forEngine(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		tm := e.team(t)

		t.Run("viewer with an edit share", func(t *testing.T) {
			f := e.folder(t, tm.creator, tm.ws, "", "Viewer edit")
			d := e.draft(t, tm.creator, tm.ws, f.ID, "Read only")
			e.share(t, tm.creator, f.ID, shareWith("edit", tm.viewer))
			p, err := e.app.ItemPermissions(ctx, tm.viewer, d.ID, "")
			if err != nil || p.Level != troupe.LevelComment || !p.CanComment || p.CanEdit || p.CanShare || p.CanDelete {
				t.Fatalf("viewer: %+v %v", p, err)
			}
			script := "changed"
			_, err = e.app.UpdateItem(ctx, tm.viewer, d.ID, app.ItemPatch{Script: &script}, client)
			wantCode(t, err, troupe.CodeForbidden)
			_, err = e.app.UpdateSharing(ctx, tm.viewer, d.ID, shareWith("view"), client)
			wantCode(t, err, troupe.CodeForbidden)
		})

		t.Run("share on a grandparent folder", func(t *testing.T) {
			g := e.folder(t, tm.creator, tm.ws, "", "Grand")
			p := e.folder(t, tm.creator, tm.ws, g.ID, "Parent")
			d := e.draft(t, tm.creator, tm.ws, p.ID, "Child")
			e.share(t, tm.creator, g.ID, shareWith("edit", tm.dev))
			if e.level(t, tm.dev, d.ID) != troupe.LevelEdit {
				t.Fatal("a share on the grandparent reaches the grandchild")
			}
			kids, _, err := e.app.ListItems(ctx, tm.dev, tm.ws, app.ItemQuery{ParentID: p.ID})
			if err != nil || !slices.Equal(names(kids), []string{"Child"}) {
				t.Fatalf("list: %v %v", names(kids), err)
			}
			pv, err := e.app.ItemPermissions(ctx, tm.dev, d.ID, "")
			if err != nil || len(pv.Reasons) != 1 || pv.Reasons[0].Kind != "share" || pv.Reasons[0].ItemName != "Grand" || !pv.Reasons[0].Inherited {
				t.Fatalf("reasons: %+v %v", pv.Reasons, err)
			}
			shared, _, _ := e.app.ListSharedWithMe(ctx, tm.dev, tm.ws, app.ItemQuery{})
			if !slices.Equal(names(shared), []string{"Grand"}) {
				t.Fatalf("shared with me lists the shared folder only: %v", names(shared))
			}
		})

		t.Run("item moved out of a shared folder", func(t *testing.T) {
			f := e.folder(t, tm.creator, tm.ws, "", "Shared out")
			d := e.draft(t, tm.creator, tm.ws, f.ID, "Leaving")
			e.share(t, tm.creator, f.ID, shareWith("view", tm.bo))
			if e.level(t, tm.bo, d.ID) != troupe.LevelView {
				t.Fatal("inherited view")
			}
			root := ""
			if _, err := e.app.UpdateItem(ctx, tm.creator, d.ID, app.ItemPatch{ParentID: &root}, client); err != nil {
				t.Fatal(err)
			}
			if e.level(t, tm.bo, d.ID) != troupe.LevelNone {
				t.Fatal("an item moved out keeps the folder's sharing")
			}
			found, _, _ := e.app.ListItems(ctx, tm.bo, tm.ws, app.ItemQuery{Search: "leaving"})
			if len(found) != 0 {
				t.Fatalf("search still finds it: %v", names(found))
			}
		})

		t.Run("trashed parent", func(t *testing.T) {
			f := e.folder(t, tm.creator, tm.ws, "", "Doomed")
			d := e.draft(t, tm.creator, tm.ws, f.ID, "Doomed child")
			e.share(t, tm.creator, d.ID, shareWith("edit", tm.dev))
			if err := e.app.TrashItem(ctx, tm.creator, f.ID, client); err != nil {
				t.Fatal(err)
			}
			if e.level(t, tm.dev, d.ID) != troupe.LevelNone {
				t.Fatal("a child of a trashed folder stays reachable by its share")
			}
			shared, _, _ := e.app.ListSharedWithMe(ctx, tm.dev, tm.ws, app.ItemQuery{})
			if slices.Contains(names(shared), "Doomed child") {
				t.Fatal("shared with me lists an item in the trash")
			}
			_, err := e.app.CreateItem(ctx, tm.creator, tm.ws, app.NewItem{Kind: troupe.KindDraft, Name: "late", ParentID: f.ID}, client)
			wantCode(t, err, troupe.CodeValidation)
		})

		t.Run("workspace access", func(t *testing.T) {
			f := e.folder(t, tm.creator, tm.ws, "", "Everyone")
			d := e.draft(t, tm.creator, tm.ws, f.ID, "Open")
			e.share(t, tm.creator, f.ID, app.SharingInput{General: "workspace", WorkspaceLevel: "edit"})
			for u, want := range map[*troupe.User]troupe.Level{&tm.bo: troupe.LevelEdit, &tm.viewer: troupe.LevelComment, &tm.dev: troupe.LevelEdit} {
				if got := e.level(t, *u, d.ID); got != want {
					t.Fatalf("%s: %v, want %v", u.Email, got, want)
				}
			}
			roots, _, _ := e.app.ListItems(ctx, tm.bo, tm.ws, app.ItemQuery{})
			if !slices.Contains(names(roots), "Everyone") {
				t.Fatalf("root: %v", names(roots))
			}
		})

		t.Run("super admin demoted", func(t *testing.T) {
			d := e.draft(t, tm.creator, tm.ws, "", "Admin sees")
			sa := e.memberOf(t, tm.ws, "sa2@acme.test", troupe.RoleSuperAdmin)
			if e.level(t, sa, d.ID) != troupe.LevelEdit {
				t.Fatal("a Super Admin edits everything")
			}
			if _, err := e.app.ChangeRole(ctx, tm.admin, tm.ws, sa.ID, troupe.RoleCreator, client); err != nil {
				t.Fatal(err)
			}
			if e.level(t, sa, d.ID) != troupe.LevelNone {
				t.Fatal("a demoted Super Admin keeps access")
			}
		})

		t.Run("member removed", func(t *testing.T) {
			leaver := e.memberOf(t, tm.ws, "leaver@acme.test", troupe.RoleCreator)
			f := e.folder(t, leaver, tm.ws, "", "Leaver's folder")
			d := e.draft(t, leaver, tm.ws, f.ID, "Leaver's draft")
			given := e.draft(t, tm.creator, tm.ws, "", "Given to leaver")
			e.share(t, tm.creator, given.ID, shareWith("edit", leaver))
			e.share(t, leaver, f.ID, shareWith("view", tm.bo))
			if err := e.app.RemoveMember(ctx, tm.admin, tm.ws, leaver.ID, client); err != nil {
				t.Fatal(err)
			}
			for _, id := range []string{f.ID, d.ID} {
				it, err := e.app.GetItem(ctx, tm.admin, id)
				if err != nil || it.OwnerID != tm.admin.ID {
					t.Fatalf("the remover inherits: %+v %v", it, err)
				}
			}
			if e.level(t, tm.bo, d.ID) != troupe.LevelView {
				t.Fatal("shares made by the leaver stay")
			}
			if e.level(t, leaver, given.ID) != troupe.LevelNone {
				t.Fatal("a removed member keeps access")
			}
			sh, err := e.app.GetSharing(ctx, tm.creator, given.ID)
			if err != nil || len(sh.Shares) != 0 {
				t.Fatalf("the share to the leaver is deleted: %+v %v", sh.Shares, err)
			}
			// Leaving hands items to the longest-standing Super Admin.
			goer := e.memberOf(t, tm.ws, "goer@acme.test", troupe.RoleCreator)
			mine := e.draft(t, goer, tm.ws, "", "Goer's")
			if err := e.app.Leave(ctx, goer, tm.ws, client); err != nil {
				t.Fatal(err)
			}
			if it, err := e.app.GetItem(ctx, tm.admin, mine.ID); err != nil || it.OwnerID != tm.admin.ID {
				t.Fatalf("leaving hands over: %+v %v", it, err)
			}
		})

		t.Run("sharing hides the folders one cannot open", func(t *testing.T) {
			secret := e.folder(t, tm.creator, tm.ws, "", "Layoffs 2027")
			e.share(t, tm.creator, secret.ID, app.SharingInput{General: "workspace", WorkspaceLevel: "view", Shares: []app.ShareInput{{UserID: tm.dev.ID, Level: "edit"}}})
			e.share(t, tm.creator, secret.ID, shareWith("edit", tm.dev))
			d := e.draft(t, tm.creator, tm.ws, secret.ID, "Memo")
			e.share(t, tm.creator, d.ID, shareWith("view", tm.viewer))
			sh, err := e.app.GetSharing(ctx, tm.viewer, d.ID)
			if err != nil || len(sh.Inherited) != 0 {
				t.Fatalf("a viewer of the memo learns the folder's people: %+v %v", sh.Inherited, err)
			}
			sh, err = e.app.GetSharing(ctx, tm.dev, d.ID)
			if err != nil || len(sh.Inherited) != 1 || sh.Inherited[0].FromName != "Layoffs 2027" {
				t.Fatalf("one who opens the folder sees its shares: %+v %v", sh.Inherited, err)
			}
		})

		t.Run("shares only to members", func(t *testing.T) {
			d := e.draft(t, tm.creator, tm.ws, "", "Members only")
			stranger := e.user(t, "stranger@else.test")
			_, err := e.app.UpdateSharing(ctx, tm.creator, d.ID, shareWith("view", stranger), client)
			wantCode(t, err, troupe.CodeValidation)
			_, err = e.app.UpdateSharing(ctx, tm.creator, d.ID, shareWith("admin", tm.bo), client)
			wantCode(t, err, troupe.CodeValidation)
			_, err = e.app.UpdateSharing(ctx, tm.creator, d.ID, app.SharingInput{General: "public"}, client)
			wantCode(t, err, troupe.CodeValidation)
			if e.level(t, stranger, d.ID) != troupe.LevelNone || e.level(t, tm.bo, d.ID) != troupe.LevelNone {
				t.Fatal("a refused sharing change gave access")
			}
			// A stranger cannot read it even knowing the id.
			_, err = e.app.GetItem(ctx, stranger, d.ID)
			wantCode(t, err, troupe.CodeNotFound)
		})

		t.Run("permissions of others for super admins", func(t *testing.T) {
			d := e.draft(t, tm.creator, tm.ws, "", "Checked")
			p, err := e.app.ItemPermissions(ctx, tm.admin, d.ID, tm.creator.ID)
			if err != nil || p.Level != troupe.LevelEdit || p.Reasons[0].Kind != "owner" {
				t.Fatalf("%+v %v", p, err)
			}
			e.share(t, tm.creator, d.ID, shareWith("view", tm.dev))
			_, err = e.app.ItemPermissions(ctx, tm.dev, d.ID, tm.creator.ID)
			wantCode(t, err, troupe.CodeForbidden)
		})
	})
}

func TestDefaultAccessAndShareNotification(t *testing.T) {
	forEngine(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		tm := e.team(t)
		da := troupe.AccessWorkspaceView
		if _, err := e.app.UpdateWorkspace(ctx, tm.admin, tm.ws, app.WorkspaceUpdate{DefaultAccess: &da}, client); err != nil {
			t.Fatal(err)
		}
		d := e.draft(t, tm.creator, tm.ws, "", "Team sees")
		if d.Workspace != troupe.LevelView || e.level(t, tm.bo, d.ID) != troupe.LevelView {
			t.Fatalf("new items follow the default access: %v", d.Workspace)
		}
		e.share(t, tm.creator, d.ID, shareWith("edit", tm.bo))
		m := e.mail.WaitFor(t, tm.bo.Email, 10*time.Second)
		if !strings.Contains(m.Subject, "Team sees") {
			t.Fatalf("mail: %q", m.Subject)
		}
		notes, _, _, err := e.app.ListNotifications(ctx, tm.bo, "", 10)
		if err != nil || len(notes) != 1 || notes[0].Kind != app.NoteItemShared {
			t.Fatalf("notifications: %+v %v", notes, err)
		}
		entries, _, err := e.app.ListAudit(ctx, tm.admin, tm.ws, troupe.AuditFilter{Action: "sharing.update"})
		if err != nil || len(entries) != 1 || !strings.Contains(entries[0].Detail, "+"+tm.bo.ID+":edit") {
			t.Fatalf("audit: %+v %v", entries, err)
		}
	})
}

// mp4Head is the start of an MP4 file: enough for content sniffing.
var mp4Head = append([]byte("\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom"), make([]byte, 64)...)

func TestUploads(t *testing.T) {
	forEngine(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		tm := e.team(t)
		upload := func(u troupe.User, kind troupe.Kind, name string, body []byte) (app.ItemView, error) {
			return e.app.CreateMedia(ctx, u, tm.ws, app.NewMedia{Kind: kind, Name: name, Filename: "clip.bin", File: bytes.NewReader(body)}, client)
		}
		keys := func() []string {
			k, err := e.media.Keys(ctx)
			if err != nil {
				t.Fatal(err)
			}
			return k
		}
		_, err := upload(tm.creator, troupe.KindVideo, "Not a video", []byte("<html><script>alert(1)</script></html>"))
		wantCode(t, err, troupe.CodeUnsupportedMedia)
		_, err = upload(tm.creator, troupe.KindAvatar, "Video as avatar", mp4Head)
		wantCode(t, err, troupe.CodeUnsupportedMedia)
		_, err = upload(tm.creator, troupe.KindVideo, "Too big", append(slices.Clone(mp4Head), make([]byte, 1<<20)...))
		wantCode(t, err, troupe.CodeFileTooLarge)
		_, err = upload(tm.creator, troupe.KindVideo, "Empty", nil)
		wantCode(t, err, troupe.CodeValidation)
		_, err = upload(tm.viewer, troupe.KindVideo, "Viewer", mp4Head)
		wantCode(t, err, troupe.CodeForbidden)
		_, err = upload(tm.creator, troupe.KindVideo, "bad\x00name", mp4Head)
		wantCode(t, err, troupe.CodeValidation)
		if k := keys(); len(k) != 0 {
			t.Fatalf("refused uploads left files: %v", k)
		}
		if n, _ := e.db.Read().CountItems(ctx, tm.ws); n != 0 {
			t.Fatalf("refused uploads left items: %d", n)
		}

		v, err := upload(tm.creator, troupe.KindVideo, "Clip", mp4Head)
		if err != nil || v.MediaType != "video/mp4" || v.SizeBytes != int64(len(mp4Head)) {
			t.Fatalf("upload: %+v %v", v, err)
		}
		f, err := e.app.OpenMedia(ctx, tm.creator, v.ID, false, app.WholeFile)
		if err != nil {
			t.Fatal(err)
		}
		f.Close()
		_, err = e.app.OpenMedia(ctx, tm.bo, v.ID, false, app.WholeFile)
		wantCode(t, err, troupe.CodeNotFound)

		if err := e.app.TrashItem(ctx, tm.creator, v.ID, client); err != nil {
			t.Fatal(err)
		}
		e.clock.Advance(troupe.TrashRetention + time.Hour)
		if n, err := e.app.PurgeTrash(ctx); err != nil || n != 1 {
			t.Fatalf("purge: %d %v", n, err)
		}
		deadline := time.Now().Add(10 * time.Second)
		for len(keys()) != 0 {
			if time.Now().After(deadline) {
				t.Fatalf("the purge left media: %v", keys())
			}
			time.Sleep(50 * time.Millisecond)
		}
	})
}

// Two moves that would together make a loop: one wins, the other sees
// the cycle, on both engines.
func TestConcurrentMovesMakeNoCycle(t *testing.T) {
	forEngine(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		tm := e.team(t)
		for round := range 5 {
			a := e.folder(t, tm.creator, tm.ws, "", fmt.Sprintf("A%d", round))
			b := e.folder(t, tm.creator, tm.ws, "", fmt.Sprintf("B%d", round))
			errs := make(chan error, 2)
			for _, mv := range [][2]string{{a.ID, b.ID}, {b.ID, a.ID}} {
				go func() {
					_, err := e.app.UpdateItem(ctx, tm.creator, mv[0], app.ItemPatch{ParentID: &mv[1]}, client)
					errs <- err
				}()
			}
			failed := 0
			for range 2 {
				if err := <-errs; err != nil {
					wantCode(t, err, troupe.CodeValidation)
					failed++
				}
			}
			if failed != 1 {
				t.Fatalf("round %d: %d moves failed, want exactly 1", round, failed)
			}
			roots, _, err := e.app.ListItems(ctx, tm.creator, tm.ws, app.ItemQuery{Search: fmt.Sprintf("%d", round)})
			if err != nil || len(roots) != 2 {
				t.Fatalf("round %d: both folders stay reachable: %v %v", round, names(roots), err)
			}
		}
	})
}
