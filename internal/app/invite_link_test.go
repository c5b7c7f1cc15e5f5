package app_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"troupe/internal/app"
	"troupe/internal/store"
	"troupe/internal/troupe"
)

// Whoever may manage the invite link changes, resets or deletes it only
// if they may give its role: a Viewer cannot take over or break the
// Super Admin's Creator link.
func TestInviteLinkChangesNeedTheLinksRole(t *testing.T) {
	forEngine(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		admin := e.user(t, "admin@links.io")
		w, _ := e.app.CreateWorkspace(ctx, admin, "Links", client)
		everyone := troupe.LinkEveryone
		if _, err := e.app.UpdateWorkspace(ctx, admin, w.ID, app.WorkspaceUpdate{InviteLinkPolicy: &everyone}, client); err != nil {
			t.Fatal(err)
		}
		viewer, creator := e.user(t, "viewer@links.io"), e.user(t, "creator@links.io")
		e.join(t, admin, w.ID, viewer, troupe.RoleViewer)
		e.join(t, admin, w.ID, creator, troupe.RoleCreator)
		made, err := e.app.SaveInviteLink(ctx, admin, w.ID, app.InviteLinkInput{Role: troupe.RoleCreator, Enabled: true}, client)
		if err != nil || made.Token == "" || !made.Changeable {
			t.Fatalf("%+v %v", made, err)
		}

		got, err := e.app.GetInviteLink(ctx, viewer, w.ID)
		if err != nil || got.Role != troupe.RoleCreator || got.Changeable {
			t.Fatalf("the viewer sees %+v (%v)", got, err)
		}
		_, err = e.app.ResetInviteLink(ctx, viewer, w.ID, client)
		wantCode(t, err, troupe.CodeForbidden)
		_, err = e.app.SaveInviteLink(ctx, viewer, w.ID, app.InviteLinkInput{Role: troupe.RoleViewer, Enabled: true}, client)
		wantCode(t, err, troupe.CodeForbidden)
		_, err = e.app.SaveInviteLink(ctx, viewer, w.ID, app.InviteLinkInput{Role: troupe.RoleCreator, Enabled: false}, client)
		wantCode(t, err, troupe.CodeForbidden)
		wantCode(t, e.app.DeleteInviteLink(ctx, viewer, w.ID, client), troupe.CodeForbidden)

		// The link still works, as it was.
		p, err := e.app.PreviewInviteLink(ctx, made.Token)
		if err != nil || p.Role != troupe.RoleCreator {
			t.Fatalf("after the refusals: %+v %v", p, err)
		}
		newcomer := e.user(t, "newcomer@elsewhere.org")
		if res, err := e.app.JoinByLink(ctx, newcomer, made.Token, client); err != nil || res.Result != "joined" {
			t.Fatalf("join: %+v %v", res, err)
		}
		if v, _ := e.app.GetWorkspace(ctx, newcomer, w.ID); v.Role != troupe.RoleCreator {
			t.Fatalf("joined as %q", v.Role)
		}

		// A Creator may give the role, so may reset it.
		if got, err := e.app.GetInviteLink(ctx, creator, w.ID); err != nil || !got.Changeable {
			t.Fatalf("the creator sees %+v (%v)", got, err)
		}
		reset, err := e.app.ResetInviteLink(ctx, creator, w.ID, client)
		if err != nil || reset.Token == "" || reset.Token == made.Token {
			t.Fatalf("%+v %v", reset, err)
		}
		// Once the link gives a role the viewer may give, the viewer may
		// change it.
		if _, err := e.app.SaveInviteLink(ctx, creator, w.ID, app.InviteLinkInput{Role: troupe.RoleViewer, Enabled: true}, client); err != nil {
			t.Fatal(err)
		}
		if _, err := e.app.ResetInviteLink(ctx, viewer, w.ID, client); err != nil {
			t.Fatal(err)
		}
		if err := e.app.DeleteInviteLink(ctx, viewer, w.ID, client); err != nil {
			t.Fatal(err)
		}
	})
}

// Those who may hand the link out see its current address at any time;
// the store keeps it sealed, bound to its workspace, and a link made
// before it was kept asks for a reset.
func TestInviteLinkStaysCopyable(t *testing.T) {
	forEngine(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		admin := e.user(t, "admin@copy.io")
		w, _ := e.app.CreateWorkspace(ctx, admin, "Copy", client)
		everyone := troupe.LinkEveryone
		if _, err := e.app.UpdateWorkspace(ctx, admin, w.ID, app.WorkspaceUpdate{InviteLinkPolicy: &everyone}, client); err != nil {
			t.Fatal(err)
		}
		viewer := e.user(t, "viewer@copy.io")
		e.join(t, admin, w.ID, viewer, troupe.RoleViewer)
		made, err := e.app.SaveInviteLink(ctx, admin, w.ID, app.InviteLinkInput{Role: troupe.RoleCreator, Enabled: true}, client)
		if err != nil || made.Token == "" || made.TokenState != app.LinkTokenShown {
			t.Fatalf("%+v %v", made, err)
		}

		t.Run("the manager sees the same link again", func(t *testing.T) {
			got, err := e.app.GetInviteLink(ctx, admin, w.ID)
			if err != nil || got.Token != made.Token || got.TokenState != app.LinkTokenShown {
				t.Fatalf("%+v %v", got, err)
			}
			// A change of settings keeps the link and its address.
			saved, err := e.app.SaveInviteLink(ctx, admin, w.ID, app.InviteLinkInput{Role: troupe.RoleCreator, Enabled: true}, client)
			if err != nil || saved.Token != made.Token {
				t.Fatalf("after saving: %+v %v", saved, err)
			}
		})

		t.Run("someone who may not give its role does not get it", func(t *testing.T) {
			got, err := e.app.GetInviteLink(ctx, viewer, w.ID)
			if err != nil || got.Token != "" || got.TokenState != app.LinkTokenAboveRole {
				t.Fatalf("%+v %v", got, err)
			}
		})

		t.Run("the store keeps only the hash and a sealed copy", func(t *testing.T) {
			l, err := e.db.Read().FindInviteLink(ctx, w.ID)
			if err != nil || l.TokenSealed == "" || strings.Contains(l.TokenSealed, made.Token) || l.TokenHash != troupe.HashSecret(made.Token) {
				t.Fatalf("%+v %v", l, err)
			}
		})

		t.Run("a sealed token moved to another workspace does not open", func(t *testing.T) {
			other, _ := e.app.CreateWorkspace(ctx, admin, "Other", client)
			if _, err := e.app.SaveInviteLink(ctx, admin, other.ID, app.InviteLinkInput{Role: troupe.RoleViewer, Enabled: true}, client); err != nil {
				t.Fatal(err)
			}
			mine, _ := e.db.Read().FindInviteLink(ctx, w.ID)
			theirs, _ := e.db.Read().FindInviteLink(ctx, other.ID)
			theirs.TokenSealed = mine.TokenSealed
			if err := e.db.Tx(ctx, func(tx *store.Tx) error { return tx.SaveInviteLink(ctx, theirs, time.Now()) }); err != nil {
				t.Fatal(err)
			}
			got, err := e.app.GetInviteLink(ctx, admin, other.ID)
			if err != nil || got.Token != "" || got.TokenState != app.LinkTokenResetRequired {
				t.Fatalf("%+v %v", got, err)
			}
		})

		t.Run("a link made before sealing asks for a reset, which gives a copyable one", func(t *testing.T) {
			l, _ := e.db.Read().FindInviteLink(ctx, w.ID)
			l.TokenSealed = ""
			if err := e.db.Tx(ctx, func(tx *store.Tx) error { return tx.SaveInviteLink(ctx, l, time.Now()) }); err != nil {
				t.Fatal(err)
			}
			got, err := e.app.GetInviteLink(ctx, admin, w.ID)
			if err != nil || got.Token != "" || got.TokenState != app.LinkTokenResetRequired {
				t.Fatalf("%+v %v", got, err)
			}
			// The old link still works until the reset.
			if _, err := e.app.PreviewInviteLink(ctx, made.Token); err != nil {
				t.Fatal(err)
			}
			reset, err := e.app.ResetInviteLink(ctx, admin, w.ID, client)
			if err != nil || reset.Token == "" || reset.Token == made.Token {
				t.Fatalf("%+v %v", reset, err)
			}
			if got, err := e.app.GetInviteLink(ctx, admin, w.ID); err != nil || got.Token != reset.Token {
				t.Fatalf("after the reset: %+v %v", got, err)
			}
			_, err = e.app.PreviewInviteLink(ctx, made.Token)
			wantCode(t, err, troupe.CodeLinkInvalid)
		})
	})
}
