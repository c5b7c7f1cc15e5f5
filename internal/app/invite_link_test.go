package app_test

import (
	"context"
	"testing"

	"troupe/internal/app"
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
