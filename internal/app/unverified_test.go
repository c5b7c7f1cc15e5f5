package app_test

import (
	"context"
	"testing"
	"time"

	"troupe/internal/app"
	"troupe/internal/testkit"
	"troupe/internal/troupe"
)

// An account whose address is unverified may do everything except what
// needs a proven address: finding workspaces and joining them through
// its email domain (and asking to join, which shows its address to the
// Super Admins).
func TestUnverifiedAccount(t *testing.T) {
	forEngine(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		admin := e.user(t, "boss@acme.io")
		w, err := e.app.CreateWorkspace(ctx, admin, "Acme", client)
		if err != nil {
			t.Fatal(err)
		}
		policy, domains := troupe.JoinDomain, []string{"acme.io"}
		if _, err := e.app.UpdateWorkspace(ctx, admin, w.ID, app.WorkspaceUpdate{JoinPolicy: &policy, Domains: &domains}, client); err != nil {
			t.Fatal(err)
		}
		e.verifyDomain(t, admin, w.ID, domains[0])
		newcomer, token := e.signup(t, "new@acme.io")

		t.Run("finding and joining by domain wait for verification", func(t *testing.T) {
			_, err := e.app.Discover(ctx, newcomer)
			wantCode(t, err, troupe.CodeEmailUnverified)
			_, err = e.app.JoinWorkspace(ctx, newcomer, w.ID, client)
			wantCode(t, err, troupe.CodeEmailUnverified)
			if _, err := e.app.GetWorkspace(ctx, newcomer, w.ID); troupe.ErrorCode(err) == "" {
				t.Fatal("the unverified account became a member")
			}
		})

		t.Run("everything else works at once", func(t *testing.T) {
			own, err := e.app.CreateWorkspace(ctx, newcomer, "Side project", client)
			if err != nil || own.Name != "Side project" {
				t.Fatalf("create workspace: %+v, %v", own, err)
			}
		})

		t.Run("the invite link lets an unverified account in, but not ask", func(t *testing.T) {
			linked, err := e.app.CreateWorkspace(ctx, admin, "Linked", client)
			if err != nil {
				t.Fatal(err)
			}
			link, err := e.app.SaveInviteLink(ctx, admin, linked.ID, app.InviteLinkInput{Role: troupe.RoleViewer, Enabled: true}, client)
			if err != nil {
				t.Fatal(err)
			}
			res, err := e.app.JoinByLink(ctx, newcomer, link.Token, client)
			if err != nil || res.Result != "joined" {
				t.Fatalf("join by link: %+v, %v", res, err)
			}
			other, err := e.app.CreateWorkspace(ctx, admin, "Approvals", client)
			if err != nil {
				t.Fatal(err)
			}
			req := troupe.JoinByRequest
			if _, err := e.app.UpdateWorkspace(ctx, admin, other.ID, app.WorkspaceUpdate{JoinPolicy: &req}, client); err != nil {
				t.Fatal(err)
			}
			l2, err := e.app.SaveInviteLink(ctx, admin, other.ID, app.InviteLinkInput{Role: troupe.RoleViewer, Enabled: true}, client)
			if err != nil {
				t.Fatal(err)
			}
			_, err = e.app.JoinByLink(ctx, newcomer, l2.Token, client)
			wantCode(t, err, troupe.CodeEmailUnverified)
		})

		t.Run("once verified, discovery finds the workspace", func(t *testing.T) {
			verified, err := e.app.VerifyEmail(ctx, token)
			if err != nil {
				t.Fatal(err)
			}
			found, err := e.app.Discover(ctx, verified)
			if err != nil || len(found) != 1 || found[0].ID != w.ID {
				t.Fatalf("discover: %+v, %v", found, err)
			}
		})
	})
}

func TestChangeEmailOfUnverifiedAccount(t *testing.T) {
	forEngine(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		e.user(t, "taken@example.com")
		u, first := e.signup(t, "typo@exmaple.com")

		t.Run("an address of another account is refused on its field", func(t *testing.T) {
			_, err := e.app.ChangeEmail(ctx, u, "TAKEN@example.com", "", client)
			wantCode(t, err, troupe.CodeValidation)
			if fe, _ := troupe.AsError(err); len(fe.Fields) != 1 || fe.Fields[0].Field != "email" || fe.Fields[0].Code != "taken" {
				t.Fatalf("fields %+v", fe.Fields)
			}
			_, err = e.app.ChangeEmail(ctx, u, "not an address", "", client)
			wantCode(t, err, troupe.CodeValidation)
		})

		t.Run("the new address gets the link; the old one's link dies", func(t *testing.T) {
			changed, err := e.app.ChangeEmail(ctx, u, "right@example.com", "/discover", client)
			if err != nil || changed.Email != "right@example.com" || changed.EmailVerified {
				t.Fatalf("change: %+v, %v", changed, err)
			}
			link := e.mail.WaitFor(t, "right@example.com", 10*time.Second).Link(t, "/verify-email")
			_, err = e.app.VerifyEmail(ctx, first)
			wantCode(t, err, troupe.CodeTokenInvalid)
			verified, err := e.app.VerifyEmail(ctx, testkit.TokenOf(t, link))
			if err != nil || verified.Email != "right@example.com" || !verified.EmailVerified {
				t.Fatalf("verify: %+v, %v", verified, err)
			}
			if _, err := e.db.Read().FindUserByEmail(ctx, "typo@exmaple.com"); troupe.ErrorCode(err) != troupe.CodeNotFound {
				t.Fatalf("old address still finds the account: %v", err)
			}
			_, err = e.app.ChangeEmail(ctx, verified, "again@example.com", "", client)
			wantCode(t, err, troupe.CodeConflict)
		})

		t.Run("changes and resends share one limit", func(t *testing.T) {
			e.clock.StartWindow(time.Hour)
			v, _ := e.signup(t, "hasty@example.com")
			for i := range 5 {
				var err error
				if i%2 == 0 {
					err = e.app.ResendVerification(ctx, v, "", client)
				} else {
					v, err = e.app.ChangeEmail(ctx, v, "hasty"+string(rune('a'+i))+"@example.com", "", client)
				}
				if err != nil {
					t.Fatalf("attempt %d: %v", i, err)
				}
			}
			_, err := e.app.ChangeEmail(ctx, v, "sixth@example.com", "", client)
			wantCode(t, err, troupe.CodeRateLimited)
			err = e.app.ResendVerification(ctx, v, "", client)
			wantCode(t, err, troupe.CodeRateLimited)
		})
	})
}
