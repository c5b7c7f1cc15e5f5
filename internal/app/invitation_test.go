package app_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"troupe/internal/app"
	"troupe/internal/troupe"
)

// One batch gives each address its own role; the mail says it; a
// pending invitation's role changes within what the inviter may give.
func TestInvitationRoles(t *testing.T) {
	forEngine(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		admin := e.user(t, "admin@roles.io")
		w, _ := e.app.CreateWorkspace(ctx, admin, "Roles", client)
		everyone := troupe.InviteEveryone
		if _, err := e.app.UpdateWorkspace(ctx, admin, w.ID, app.WorkspaceUpdate{WhoCanInvite: &everyone}, client); err != nil {
			t.Fatal(err)
		}
		creator := e.user(t, "creator@roles.io")
		e.join(t, admin, w.ID, creator, troupe.RoleCreator)
		pending := func(email string) troupe.MemberRow {
			t.Helper()
			rows, _, err := e.app.ListMembers(ctx, admin, w.ID, troupe.MemberFilter{Status: "invited", Query: email})
			if err != nil || len(rows) != 1 {
				t.Fatalf("pending %s: %+v %v", email, rows, err)
			}
			return rows[0]
		}

		t.Run("each address gets its own role, and its mail says it", func(t *testing.T) {
			res, err := e.app.InviteEach(ctx, admin, w.ID, []app.Invitee{
				{Email: "dev@elsewhere.org", Role: troupe.RoleDeveloper},
				{Email: "view@elsewhere.org", Role: troupe.RoleViewer},
				{Email: "creator@roles.io", Role: troupe.RoleViewer},
			}, client)
			if err != nil || res[0].Result != app.InviteInvited || res[1].Result != app.InviteInvited || res[2].Result != app.InviteAlreadyMember {
				t.Fatalf("%+v %v", res, err)
			}
			if r := pending("dev@elsewhere.org"); r.Role != troupe.RoleDeveloper {
				t.Fatalf("dev invited as %s", r.Role)
			}
			if r := pending("view@elsewhere.org"); r.Role != troupe.RoleViewer {
				t.Fatalf("view invited as %s", r.Role)
			}
			if m := e.mail.WaitFor(t, "dev@elsewhere.org", 10*time.Second); !strings.Contains(m.Text, "as Developer") {
				t.Fatalf("the mail does not say the role: %s", m.Text)
			}
			if m := e.mail.WaitFor(t, "view@elsewhere.org", 10*time.Second); !strings.Contains(m.Text, "as Viewer") {
				t.Fatalf("the mail does not say the role: %s", m.Text)
			}
		})

		t.Run("a role above the inviter's fails the whole batch", func(t *testing.T) {
			_, err := e.app.InviteEach(ctx, creator, w.ID, []app.Invitee{
				{Email: "ok@elsewhere.org", Role: troupe.RoleViewer},
				{Email: "up@elsewhere.org", Role: troupe.RoleDeveloper},
			}, client)
			wantCode(t, err, troupe.CodeForbidden)
			_, err = e.app.InviteEach(ctx, admin, w.ID, []app.Invitee{{Email: "x@elsewhere.org", Role: "owner"}}, client)
			wantCode(t, err, troupe.CodeValidation)
			rows, _, _ := e.app.ListMembers(ctx, admin, w.ID, troupe.MemberFilter{Status: "invited", Query: "ok@"})
			if len(rows) != 0 {
				t.Fatal("part of a refused batch was sent")
			}
		})

		t.Run("the role of a pending invitation changes, audited, and the invitation says it", func(t *testing.T) {
			r := pending("view@elsewhere.org")
			if !r.CanChangeRole {
				t.Fatal("the Super Admin is not offered the change")
			}
			inv, err := e.app.ChangeInvitationRole(ctx, admin, w.ID, r.InvitationID, troupe.RoleCreator, client)
			if err != nil || inv.Role != troupe.RoleCreator {
				t.Fatalf("%+v %v", inv, err)
			}
			if got := pending("view@elsewhere.org"); got.Role != troupe.RoleCreator {
				t.Fatalf("stored role %s", got.Role)
			}
			entries, _, err := e.app.ListAudit(ctx, admin, w.ID, troupe.AuditFilter{Action: troupe.AuditInvitationRole})
			if err != nil || len(entries) != 1 || entries[0].Detail != "view@elsewhere.org viewer->creator" {
				t.Fatalf("%+v %v", entries, err)
			}
			_, err = e.app.ChangeInvitationRole(ctx, admin, w.ID, r.InvitationID, troupe.RoleSuperAdmin, client)
			wantCode(t, err, troupe.CodeForbidden)
			_, err = e.app.ChangeInvitationRole(ctx, admin, w.ID, r.InvitationID, "boss", client)
			wantCode(t, err, troupe.CodeValidation)
		})

		t.Run("an inviter changes their own invitations, only between roles they may give", func(t *testing.T) {
			res, err := e.app.InviteEach(ctx, creator, w.ID, []app.Invitee{{Email: "mine@elsewhere.org", Role: troupe.RoleViewer}}, client)
			if err != nil || res[0].Result != app.InviteInvited {
				t.Fatalf("%+v %v", res, err)
			}
			id := res[0].InvitationID
			_, err = e.app.ChangeInvitationRole(ctx, creator, w.ID, id, troupe.RoleDeveloper, client)
			wantCode(t, err, troupe.CodeForbidden)
			if inv, err := e.app.ChangeInvitationRole(ctx, creator, w.ID, id, troupe.RoleCreator, client); err != nil || inv.Role != troupe.RoleCreator {
				t.Fatalf("%+v %v", inv, err)
			}
			// Not someone else's, and not one above their role.
			_, err = e.app.ChangeInvitationRole(ctx, creator, w.ID, pending("view@elsewhere.org").InvitationID, troupe.RoleViewer, client)
			wantCode(t, err, troupe.CodeForbidden)
			if _, err := e.app.ChangeInvitationRole(ctx, admin, w.ID, id, troupe.RoleDeveloper, client); err != nil {
				t.Fatal(err)
			}
			rows, _, _ := e.app.ListMembers(ctx, creator, w.ID, troupe.MemberFilter{Status: "invited", Query: "mine@"})
			if len(rows) != 1 || rows[0].CanChangeRole || !rows[0].CanRevoke {
				t.Fatalf("a Developer invitation is not the Creator's to change: %+v", rows)
			}
			_, err = e.app.ChangeInvitationRole(ctx, creator, w.ID, id, troupe.RoleViewer, client)
			wantCode(t, err, troupe.CodeForbidden)
		})

		t.Run("the invitation opens and joins with its new role", func(t *testing.T) {
			tok := e.invite(t, admin, w.ID, "late@elsewhere.org", troupe.RoleViewer)
			if _, err := e.app.ChangeInvitationRole(ctx, admin, w.ID, pending("late@elsewhere.org").InvitationID, troupe.RoleDeveloper, client); err != nil {
				t.Fatal(err)
			}
			p, err := e.app.PreviewInvitation(ctx, tok)
			if err != nil || p.Role != troupe.RoleDeveloper || p.WorkspaceName != "Roles" {
				t.Fatalf("%+v %v", p, err)
			}
			late := e.user(t, "late@elsewhere.org")
			ws, err := e.app.AcceptInvitation(ctx, late, tok, client)
			if err != nil || ws.Role != troupe.RoleDeveloper {
				t.Fatalf("%+v %v", ws, err)
			}
			// An accepted invitation has no role left to change.
			_, err = e.app.ChangeInvitationRole(ctx, admin, w.ID, p.Email, troupe.RoleViewer, client)
			wantCode(t, err, troupe.CodeNotFound)
		})
	})
}

// Someone who signs up from an invitation while every seat is taken keeps
// their account, signed in, with the invitation still pending; the Super
// Admins are told, and the first seat that frees lets them in, in the
// order they came.
func TestInvitationSignupWaitsForASeat(t *testing.T) {
	forEngine(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		admin := e.user(t, "admin@full.io")
		w, _ := e.app.CreateWorkspace(ctx, admin, "Full", client)
		if _, err := e.app.UpdateSubscription(ctx, admin, w.ID, "Team", 1, client); err != nil {
			t.Fatal(err)
		}
		tok := e.invite(t, admin, w.ID, "newcomer@elsewhere.org", troupe.RoleCreator)
		res, err := e.app.SignupWithInvitation(ctx, app.SignupInput{Email: "newcomer@elsewhere.org", Password: "correct horse 1", Name: "Nina"}, tok, client)
		if err != nil || !res.WaitingForSeat || res.Session == "" || res.WorkspaceID != w.ID {
			t.Fatalf("%+v %v", res, err)
		}
		if _, _, err := login(e.app, ctx, "newcomer@elsewhere.org", "correct horse 1", client); err != nil {
			t.Fatalf("the account was not kept: %v", err)
		}
		mine, err := e.app.ListMyInvitations(ctx, res.User)
		if err != nil || len(mine) != 1 || mine[0].WorkspaceID != w.ID {
			t.Fatalf("the invitation did not stay pending: %+v %v", mine, err)
		}
		if m := e.mail.WaitFor(t, admin.Email, 10*time.Second); !strings.Contains(m.Text, "newcomer@elsewhere.org") || !strings.Contains(m.Subject, "no free seat") {
			t.Fatalf("admin got %q", m.Subject)
		}
		notes, _, _, err := e.app.ListNotifications(ctx, admin, "", 10)
		if err != nil || len(notes) == 0 || notes[0].Kind != app.NoteSeatLimit {
			t.Fatalf("%+v %v", notes, err)
		}
		_, err = e.app.GetWorkspace(ctx, res.User, w.ID)
		wantCode(t, err, troupe.CodeNotFound)

		// A signed-in member refused at the door waits too, behind her.
		early := e.user(t, "early@elsewhere.org")
		tok = e.invite(t, admin, w.ID, early.Email, troupe.RoleViewer)
		_, err = e.app.AcceptInvitation(ctx, early, tok, client)
		wantCode(t, err, troupe.CodeSeatLimitReached)

		// One more seat lets the first in line in, without her doing
		// anything; the second still waits.
		sub, err := e.app.UpdateSubscription(ctx, admin, w.ID, "Team", 2, client)
		if err != nil || sub.SeatsUsed != 2 {
			t.Fatalf("%+v %v", sub, err)
		}
		ws, err := e.app.GetWorkspace(ctx, res.User, w.ID)
		if err != nil || ws.Role != troupe.RoleCreator {
			t.Fatalf("%+v %v", ws, err)
		}
		if m := e.mail.WaitFor(t, "newcomer@elsewhere.org", 10*time.Second); m.Subject != "You joined Full" || !strings.Contains(m.Text, "as Creator") {
			t.Fatalf("%q: %s", m.Subject, m.Text)
		}
		_, err = e.app.GetWorkspace(ctx, early, w.ID)
		wantCode(t, err, troupe.CodeNotFound)

		// A member leaving frees the next seat.
		if err := e.app.RemoveMember(ctx, admin, w.ID, res.User.ID, client); err != nil {
			t.Fatal(err)
		}
		if ws, err := e.app.GetWorkspace(ctx, early, w.ID); err != nil || ws.Role != troupe.RoleViewer {
			t.Fatalf("%+v %v", ws, err)
		}
	})
}
