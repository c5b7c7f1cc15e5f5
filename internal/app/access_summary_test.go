package app_test

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"troupe/internal/app"
	"troupe/internal/troupe"
)

// summaryOf returns the access summary of item id as u sees it, checking
// that the item page, the lists and the sharing tell the same.
func (e *env) summaryOf(t *testing.T, u troupe.User, ws, id string) troupe.AccessSummary {
	t.Helper()
	ctx := context.Background()
	it, err := e.app.GetItem(ctx, u, id)
	if err != nil {
		t.Fatal(err)
	}
	sh, err := e.app.GetSharing(ctx, u, id)
	if err != nil {
		t.Fatal(err)
	}
	if !sameSummary(sh.Item.Access, it.Access) {
		t.Fatalf("sharing says %+v, the item %+v", sh.Item.Access, it.Access)
	}
	rows, _, err := e.app.ListItems(ctx, u, ws, app.ItemQuery{ParentID: it.ParentID})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rows {
		if r.ID == id && !sameSummary(r.Access, it.Access) {
			t.Fatalf("the list says %+v, the item %+v", r.Access, it.Access)
		}
	}
	return it.Access
}

func sameSummary(a, b troupe.AccessSummary) bool {
	if (a.InheritedFrom == nil) != (b.InheritedFrom == nil) || (a.InheritedFrom != nil && *a.InheritedFrom != *b.InheritedFrom) {
		return false
	}
	a.InheritedFrom, b.InheritedFrom = nil, nil
	return a == b
}

func TestAccessSummary(t *testing.T) {
	forEngine(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		tm := e.team(t)

		t.Run("only me", func(t *testing.T) {
			d := e.draft(t, tm.creator, tm.ws, "", "Private notes")
			s := e.summaryOf(t, tm.creator, tm.ws, d.ID)
			if s.Scope != troupe.ScopeOnlyMe || s.PeopleCount != 0 || s.Inherited || s.Public || s.Shared() {
				t.Fatalf("only me: %+v", s)
			}
			// A Super Admin sees it too, and is told the same.
			if s := e.summaryOf(t, tm.admin, tm.ws, d.ID); s.Scope != troupe.ScopeOnlyMe {
				t.Fatalf("as the admin: %+v", s)
			}
		})

		t.Run("people", func(t *testing.T) {
			d := e.draft(t, tm.creator, tm.ws, "", "For two")
			e.share(t, tm.creator, d.ID, shareWith("view", tm.dev, tm.bo))
			s := e.summaryOf(t, tm.creator, tm.ws, d.ID)
			if s.Scope != troupe.ScopePeople || s.PeopleCount != 2 || s.Level != troupe.LevelView || s.Inherited {
				t.Fatalf("people: %+v", s)
			}
		})

		t.Run("workspace", func(t *testing.T) {
			d := e.draft(t, tm.creator, tm.ws, "", "For all")
			e.share(t, tm.creator, d.ID, app.SharingInput{General: "workspace", WorkspaceLevel: "edit"})
			s := e.summaryOf(t, tm.creator, tm.ws, d.ID)
			if s.Scope != troupe.ScopeWorkspace || s.Level != troupe.LevelEdit || s.Inherited {
				t.Fatalf("workspace: %+v", s)
			}
		})

		t.Run("inherited from folder", func(t *testing.T) {
			q3 := e.folder(t, tm.creator, tm.ws, "", "Q3 Launch")
			cuts := e.folder(t, tm.creator, tm.ws, q3.ID, "Cuts")
			d := e.draft(t, tm.creator, tm.ws, cuts.ID, "Teaser")
			if s := e.summaryOf(t, tm.creator, tm.ws, d.ID); s.Scope != troupe.ScopeOnlyMe {
				t.Fatalf("before sharing: %+v", s)
			}
			e.share(t, tm.creator, q3.ID, shareWith("edit", tm.bo))
			s := e.summaryOf(t, tm.creator, tm.ws, d.ID)
			if s.Scope != troupe.ScopePeople || s.PeopleCount != 1 || s.Level != troupe.LevelEdit || !s.Inherited ||
				s.InheritedFrom == nil || s.InheritedFrom.Name != "Q3 Launch" {
				t.Fatalf("people from the folder: %+v", s)
			}
			e.share(t, tm.creator, q3.ID, app.SharingInput{General: "workspace", WorkspaceLevel: "view"})
			for _, u := range []troupe.User{tm.creator, tm.dev, tm.viewer} {
				s := e.summaryOf(t, u, tm.ws, d.ID)
				if s.Scope != troupe.ScopeWorkspace || s.Level != troupe.LevelView || !s.Inherited ||
					s.InheritedFrom == nil || s.InheritedFrom.ID != q3.ID || s.InheritedFrom.Name != "Q3 Launch" {
					t.Fatalf("workspace from the folder, as %s: %+v", u.Email, s)
				}
			}
			// The item's own, higher level is its own.
			e.share(t, tm.creator, d.ID, app.SharingInput{General: "workspace", WorkspaceLevel: "edit"})
			if s := e.summaryOf(t, tm.dev, tm.ws, d.ID); s.Scope != troupe.ScopeWorkspace || s.Level != troupe.LevelEdit || s.Inherited {
				t.Fatalf("own level above the folder's: %+v", s)
			}
		})

		t.Run("a folder the reader cannot open stays unnamed", func(t *testing.T) {
			secret := e.folder(t, tm.creator, tm.ws, "", "Secret project")
			e.share(t, tm.creator, secret.ID, shareWith("edit", tm.dev, tm.bo))
			d := e.draft(t, tm.dev, tm.ws, secret.ID, "Dev's piece")
			e.share(t, tm.creator, secret.ID, shareWith("view", tm.bo))
			it, err := e.app.GetItem(ctx, tm.dev, d.ID)
			if err != nil {
				t.Fatal(err)
			}
			if s := it.Access; s.Scope != troupe.ScopePeople || s.PeopleCount != 2 || !s.Inherited || s.InheritedFrom != nil {
				t.Fatalf("dev owns it but cannot open the folder: %+v", s)
			}
			if s := e.summaryOf(t, tm.creator, tm.ws, d.ID); s.InheritedFrom == nil || s.InheritedFrom.Name != "Secret project" {
				t.Fatalf("the folder's owner is told its name: %+v", s)
			}
		})

		t.Run("someone counted once, by share or by owning a folder above", func(t *testing.T) {
			f := e.folder(t, tm.creator, tm.ws, "", "Creator's")
			e.share(t, tm.creator, f.ID, shareWith("edit", tm.dev))
			d := e.draft(t, tm.dev, tm.ws, f.ID, "Dev's draft")
			if s := e.summaryOf(t, tm.dev, tm.ws, d.ID); s.Scope != troupe.ScopePeople || s.PeopleCount != 1 || s.Level != troupe.LevelEdit ||
				!s.Inherited || s.InheritedFrom == nil || s.InheritedFrom.Name != "Creator's" {
				t.Fatalf("the folder's owner: %+v", s)
			}
			e.share(t, tm.dev, d.ID, shareWith("view", tm.creator, tm.bo))
			if s := e.summaryOf(t, tm.dev, tm.ws, d.ID); s.Scope != troupe.ScopePeople || s.PeopleCount != 2 || s.Inherited {
				t.Fatalf("the folder's owner with a share too, and bo: %+v", s)
			}
		})

		t.Run("public", func(t *testing.T) {
			v, err := e.app.CreateMedia(ctx, tm.admin, tm.ws, app.NewMedia{Kind: troupe.KindVideo, Name: "Trailer", Filename: "clip.mp4",
				File: bytes.NewReader(mp4Head)}, client)
			if err != nil {
				t.Fatal(err)
			}
			if s := e.summaryOf(t, tm.admin, tm.ws, v.ID); s.Public {
				t.Fatalf("public before publishing: %+v", s)
			}
			if _, err := e.app.Publish(ctx, tm.admin, v.ID, client); err != nil {
				t.Fatal(err)
			}
			s := e.summaryOf(t, tm.admin, tm.ws, v.ID)
			if !s.Public || s.Scope != troupe.ScopeOnlyMe || !s.Shared() {
				t.Fatalf("published: %+v", s)
			}
		})

		t.Run("refusals name the owner", func(t *testing.T) {
			d := e.draft(t, tm.creator, tm.ws, "", "Look only")
			e.share(t, tm.creator, d.ID, shareWith("view", tm.dev, tm.viewer))
			script := "x"
			_, err := e.app.UpdateItem(ctx, tm.dev, d.ID, app.ItemPatch{Script: &script}, client)
			re, ok := troupe.AsError(err)
			if !ok || re.Code != troupe.CodeForbidden || re.Refusal == nil || re.Refusal.Need != "edit" || re.Refusal.Owner != "creator" ||
				!strings.Contains(re.Message, "Ask creator for edit access.") {
				t.Fatalf("edit refusal: %#v", err)
			}
			_, err = e.app.UpdateSharing(ctx, tm.dev, d.ID, shareWith("view"), client)
			if re, _ := troupe.AsError(err); re == nil || re.Refusal == nil || re.Refusal.Owner != "creator" {
				t.Fatalf("share refusal: %v", err)
			}
			err = e.app.TrashItem(ctx, tm.dev, d.ID, client)
			if re, _ := troupe.AsError(err); re == nil || re.Refusal == nil || re.Refusal.Need != "owner" || re.Refusal.Owner != "creator" {
				t.Fatalf("trash refusal: %v", err)
			}
			_, err = e.app.UpdateItem(ctx, tm.viewer, d.ID, app.ItemPatch{Script: &script}, client)
			if re, _ := troupe.AsError(err); re == nil || re.Refusal == nil || re.Refusal.Need != "role" {
				t.Fatalf("a viewer is told about their role: %v", err)
			}
			f := e.folder(t, tm.creator, tm.ws, "", "Look only folder")
			e.share(t, tm.creator, f.ID, shareWith("view", tm.dev))
			_, err = e.app.CreateItem(ctx, tm.dev, tm.ws, app.NewItem{Kind: troupe.KindFolder, Name: "In", ParentID: f.ID}, client)
			if re, _ := troupe.AsError(err); re == nil || re.Refusal == nil || re.Refusal.Owner != "creator" {
				t.Fatalf("create-in refusal: %v", err)
			}
		})
	})
}
