package app_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"troupe/internal/app"
	"troupe/internal/store"
	"troupe/internal/troupe"
)

// user makes a verified account directly in the store (no mail) and
// returns it.
func (e *env) user(t testing.TB, email string) troupe.User {
	t.Helper()
	u := troupe.User{ID: "u-" + strings.ReplaceAll(email, "@", "-"), Email: email, Name: strings.Split(email, "@")[0], EmailVerified: true, Discoverable: true}
	err := e.db.Tx(context.Background(), func(tx *store.Tx) error {
		return tx.CreateUser(context.Background(), store.UserRecord{User: u, PasswordHash: "x"}, time.Now())
	})
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// invite invites email with role and returns the secret of its link.
func (e *env) invite(t *testing.T, by troupe.User, ws, email string, role troupe.Role) string {
	t.Helper()
	res, err := e.app.Invite(context.Background(), by, ws, []string{email}, role, client)
	if err != nil || res[0].Result != app.InviteInvited {
		t.Fatalf("invite %s: %+v %v", email, res, err)
	}
	link := e.mail.WaitFor(t, email, 10*time.Second).Link(t, "/invitations/")
	return link[strings.LastIndex(link, "/")+1:]
}

// join makes u a member of ws with role through an invitation by admin.
func (e *env) join(t *testing.T, admin troupe.User, ws string, u troupe.User, role troupe.Role) {
	t.Helper()
	tok := e.invite(t, admin, ws, u.Email, role)
	if _, err := e.app.AcceptInvitation(context.Background(), u, tok, client); err != nil {
		t.Fatalf("accept: %v", err)
	}
	e.mail.WaitFor(t, admin.Email, 10*time.Second) // "… joined"
}

func TestWorkspaces(t *testing.T) {
	forEngine(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		admin := e.user(t, "admin@acme.com")
		stranger := e.user(t, "stranger@other.org")
		w, err := e.app.CreateWorkspace(ctx, admin, "  Acme Studio ", client)
		if err != nil {
			t.Fatal(err)
		}
		if w.Name != "Acme Studio" || w.Role != troupe.RoleSuperAdmin || w.Seats != troupe.DefaultSeats || w.SeatsUsed != 1 {
			t.Fatalf("%+v", w)
		}

		t.Run("non-members learn nothing", func(t *testing.T) {
			_, err := e.app.GetWorkspace(ctx, stranger, w.ID)
			wantCode(t, err, troupe.CodeNotFound)
			_, _, err = e.app.ListMembers(ctx, stranger, w.ID, troupe.MemberFilter{})
			wantCode(t, err, troupe.CodeNotFound)
			_, err = e.app.Invite(ctx, stranger, w.ID, []string{"x@acme.com"}, troupe.RoleViewer, client)
			wantCode(t, err, troupe.CodeNotFound)
		})

		t.Run("settings change and bad values change nothing", func(t *testing.T) {
			jp, wci := troupe.JoinByRequest, troupe.InviteEveryone
			got, err := e.app.UpdateWorkspace(ctx, admin, w.ID, app.WorkspaceUpdate{JoinPolicy: &jp, WhoCanInvite: &wci}, client)
			if err != nil || got.Settings.JoinPolicy != jp || got.Settings.WhoCanInvite != wci {
				t.Fatalf("%+v %v", got.Settings, err)
			}
			bad := troupe.JoinPolicy("anyone")
			_, err = e.app.UpdateWorkspace(ctx, admin, w.ID, app.WorkspaceUpdate{JoinPolicy: &bad}, client)
			wantCode(t, err, troupe.CodeValidation)
		})

		t.Run("domains: only your own verified company domain", func(t *testing.T) {
			for _, d := range []string{"gmail.com", "other.org", "not a domain"} {
				_, err := e.app.UpdateWorkspace(ctx, admin, w.ID, app.WorkspaceUpdate{Domains: &[]string{d}}, client)
				wantCode(t, err, troupe.CodeValidation)
			}
			got, err := e.app.UpdateWorkspace(ctx, admin, w.ID, app.WorkspaceUpdate{Domains: &[]string{"ACME.com"}}, client)
			if err != nil || len(got.Domains) != 1 || got.Domains[0] != "acme.com" {
				t.Fatalf("%v %v", got.Domains, err)
			}
		})

		t.Run("invitation batch answers per address", func(t *testing.T) {
			res, err := e.app.Invite(ctx, admin, w.ID, []string{"new@acme.com", "admin@acme.com", "nope", "NEW@acme.com", "second@acme.com"}, troupe.RoleCreator, client)
			if err != nil {
				t.Fatal(err)
			}
			want := []string{app.InviteInvited, app.InviteAlreadyMember, app.InviteInvalid, app.InviteAlreadyInvited, app.InviteInvited}
			for i, r := range res {
				if r.Result != want[i] {
					t.Errorf("%s: %s, want %s", r.Email, r.Result, want[i])
				}
			}
			res, _ = e.app.Invite(ctx, admin, w.ID, []string{"new@acme.com"}, troupe.RoleCreator, client)
			if res[0].Result != app.InviteAlreadyInvited {
				t.Fatalf("second invitation: %+v", res)
			}
			rows, _, err := e.app.ListMembers(ctx, admin, w.ID, troupe.MemberFilter{Status: "invited"})
			if err != nil || len(rows) != 2 {
				t.Fatalf("pending invitations: %+v %v", rows, err)
			}
			m := e.mail.WaitFor(t, "new@acme.com", 10*time.Second)
			if !strings.Contains(m.Subject, "admin invited you to Acme Studio") {
				t.Fatalf("subject %q", m.Subject)
			}
			e.mail.WaitFor(t, "second@acme.com", 10*time.Second)
		})

		t.Run("accepting needs the invited address; accepting takes a seat", func(t *testing.T) {
			tok := e.invite(t, admin, w.ID, "ann@acme.com", troupe.RoleDeveloper)
			_, err := e.app.AcceptInvitation(ctx, stranger, tok, client)
			wantCode(t, err, troupe.CodeEmailMismatch)
			ann := e.user(t, "Ann@Acme.com")
			got, err := e.app.AcceptInvitation(ctx, ann, tok, client)
			if err != nil || got.Role != troupe.RoleDeveloper || got.SeatsUsed != 2 {
				t.Fatalf("%+v %v", got, err)
			}
			_, err = e.app.AcceptInvitation(ctx, ann, tok, client)
			wantCode(t, err, troupe.CodeInvitationInvalid)
			if m := e.mail.WaitFor(t, "admin@acme.com", 10*time.Second); !strings.Contains(m.Subject, "joined Acme Studio") {
				t.Fatalf("inviter got %q", m.Subject)
			}
		})

		t.Run("expired, revoked and resent invitations", func(t *testing.T) {
			tok := e.invite(t, admin, w.ID, "late@acme.com", troupe.RoleViewer)
			late := e.user(t, "late@acme.com")
			e.clock.Advance(7*24*time.Hour + time.Minute)
			_, err := e.app.AcceptInvitation(ctx, late, tok, client)
			e.clock.Advance(-(7*24*time.Hour + time.Minute))
			wantCode(t, err, troupe.CodeInvitationExpired)

			rows, _, _ := e.app.ListMembers(ctx, admin, w.ID, troupe.MemberFilter{Status: "invited", Query: "late@"})
			if len(rows) != 1 {
				t.Fatalf("%+v", rows)
			}
			if err := e.app.ResendInvitation(ctx, admin, w.ID, rows[0].InvitationID, client); err != nil {
				t.Fatal(err)
			}
			link := e.mail.WaitFor(t, "late@acme.com", 10*time.Second).Link(t, "/invitations/")
			fresh := link[strings.LastIndex(link, "/")+1:]
			_, err = e.app.AcceptInvitation(ctx, late, tok, client)
			wantCode(t, err, troupe.CodeNotFound) // the old link died
			if err := e.app.RevokeInvitation(ctx, admin, w.ID, rows[0].InvitationID, client); err != nil {
				t.Fatal(err)
			}
			_, err = e.app.AcceptInvitation(ctx, late, fresh, client)
			wantCode(t, err, troupe.CodeInvitationInvalid)
		})

		t.Run("role ceiling: nobody invites above their role or as Super Admin", func(t *testing.T) {
			cre := e.user(t, "cre@acme.com")
			e.join(t, admin, w.ID, cre, troupe.RoleCreator)
			_, err := e.app.Invite(ctx, cre, w.ID, []string{"x@acme.com"}, troupe.RoleDeveloper, client)
			wantCode(t, err, troupe.CodeForbidden)
			_, err = e.app.Invite(ctx, admin, w.ID, []string{"x@acme.com"}, troupe.RoleSuperAdmin, client)
			wantCode(t, err, troupe.CodeForbidden)
			if _, err := e.app.Invite(ctx, cre, w.ID, []string{"x@acme.com"}, troupe.RoleViewer, client); err != nil {
				t.Fatal(err)
			}
		})

		t.Run("invitations by someone who lost the right to invite are void", func(t *testing.T) {
			dev := e.user(t, "dev@acme.com")
			e.join(t, admin, w.ID, dev, troupe.RoleDeveloper)
			tok := e.invite(t, dev, w.ID, "guest@acme.com", troupe.RoleViewer)
			admins := troupe.InviteAdmins
			if _, err := e.app.UpdateWorkspace(ctx, admin, w.ID, app.WorkspaceUpdate{WhoCanInvite: &admins}, client); err != nil {
				t.Fatal(err)
			}
			guest := e.user(t, "guest@acme.com")
			_, err := e.app.AcceptInvitation(ctx, guest, tok, client)
			wantCode(t, err, troupe.CodeInvitationInvalid)
			everyone := troupe.InviteEveryone
			e.app.UpdateWorkspace(ctx, admin, w.ID, app.WorkspaceUpdate{WhoCanInvite: &everyone}, client)
			if err := e.app.RemoveMember(ctx, admin, w.ID, dev.ID, client); err != nil {
				t.Fatal(err)
			}
			_, err = e.app.AcceptInvitation(ctx, guest, tok, client)
			wantCode(t, err, troupe.CodeInvitationInvalid)
		})

		t.Run("the last Super Admin stays", func(t *testing.T) {
			_, err := e.app.ChangeRole(ctx, admin, w.ID, admin.ID, troupe.RoleViewer, client)
			wantCode(t, err, troupe.CodeLastSuperAdmin)
			wantCode(t, e.app.RemoveMember(ctx, admin, w.ID, admin.ID, client), troupe.CodeLastSuperAdmin)
			wantCode(t, e.app.Leave(ctx, admin, w.ID, client), troupe.CodeLastSuperAdmin)
		})

		t.Run("role changes apply on the next request", func(t *testing.T) {
			bob := e.user(t, "bob@acme.com")
			e.join(t, admin, w.ID, bob, troupe.RoleViewer)
			if _, err := e.app.ChangeRole(ctx, admin, w.ID, bob.ID, troupe.RoleSuperAdmin, client); err != nil {
				t.Fatal(err)
			}
			name := "Renamed"
			if _, err := e.app.UpdateWorkspace(ctx, bob, w.ID, app.WorkspaceUpdate{Name: &name}, client); err != nil {
				t.Fatalf("new Super Admin: %v", err)
			}
			if _, err := e.app.ChangeRole(ctx, bob, w.ID, bob.ID, troupe.RoleViewer, client); err != nil {
				t.Fatal(err) // another Super Admin remains
			}
			_, err := e.app.UpdateWorkspace(ctx, bob, w.ID, app.WorkspaceUpdate{Name: &name}, client)
			wantCode(t, err, troupe.CodeForbidden)
			if err := e.app.Leave(ctx, bob, w.ID, client); err != nil {
				t.Fatal(err)
			}
			_, err = e.app.GetWorkspace(ctx, bob, w.ID)
			wantCode(t, err, troupe.CodeNotFound)
		})

		t.Run("seats never go below active members", func(t *testing.T) {
			cur, _ := e.app.GetWorkspace(ctx, admin, w.ID)
			_, err := e.app.UpdateSubscription(ctx, admin, w.ID, "Team", cur.SeatsUsed-1, client)
			wantCode(t, err, troupe.CodeValidation)
			sub, err := e.app.UpdateSubscription(ctx, admin, w.ID, "Business", cur.SeatsUsed, client)
			if err != nil || sub.Seats != cur.SeatsUsed || sub.Plan != "Business" {
				t.Fatalf("%+v %v", sub, err)
			}
			late := e.user(t, "full@acme.com")
			tok := e.invite(t, admin, w.ID, late.Email, troupe.RoleViewer)
			_, err = e.app.AcceptInvitation(ctx, late, tok, client)
			wantCode(t, err, troupe.CodeSeatLimitReached)
			if m := e.mail.WaitFor(t, "admin@acme.com", 10*time.Second); !strings.Contains(m.Subject, "no free seat") {
				t.Fatalf("admin got %q", m.Subject)
			}
			rows, _, _ := e.app.ListMembers(ctx, admin, w.ID, troupe.MemberFilter{Status: "invited", Query: "full@"})
			if len(rows) != 1 {
				t.Fatal("the invitation did not stay pending")
			}
		})

		t.Run("the audit log recorded it all", func(t *testing.T) {
			entries, _, err := e.db.Read().ListAudit(ctx, w.ID, troupe.AuditFilter{Limit: 200})
			if err != nil {
				t.Fatal(err)
			}
			seen := map[string]bool{}
			for _, en := range entries {
				seen[en.Action] = true
			}
			for _, a := range []string{"workspace.create", "settings.update", "domain.add", "invitation.create", "invitation.accept",
				"invitation.resend", "invitation.revoke", "member.remove", "member.role", "member.leave", "subscription.update"} {
				if !seen[a] {
					t.Errorf("no %s entry", a)
				}
			}
		})
	})
}

// 50 people racing for 5 free seats: exactly 5 get in, on both engines.
func TestSeatRace(t *testing.T) {
	forEngine(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		admin := e.user(t, "admin@race.io")
		w, err := e.app.CreateWorkspace(ctx, admin, "Race", client)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := e.app.UpdateSubscription(ctx, admin, w.ID, "Team", 6, client); err != nil {
			t.Fatal(err)
		}
		const n = 50
		users := make([]troupe.User, n)
		emails := make([]string, n)
		for i := range n {
			emails[i] = fmt.Sprintf("racer%02d@race.io", i)
			users[i] = e.user(t, emails[i])
		}
		if _, err := e.app.Invite(ctx, admin, w.ID, emails, troupe.RoleCreator, client); err != nil {
			t.Fatal(err)
		}
		tokens := make([]string, n)
		for i := range n {
			link := e.mail.WaitFor(t, emails[i], 20*time.Second).Link(t, "/invitations/")
			tokens[i] = link[strings.LastIndex(link, "/")+1:]
		}
		var wg sync.WaitGroup
		codes := make([]troupe.Code, n)
		start := time.Now()
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, err := e.app.AcceptInvitation(ctx, users[i], tokens[i], client)
				if err != nil {
					codes[i] = troupe.ErrorCode(err)
				}
			}()
		}
		wg.Wait()
		t.Logf("%d accepts settled in %v", n, time.Since(start))
		joined, full := 0, 0
		for i, c := range codes {
			switch c {
			case "":
				joined++
			case troupe.CodeSeatLimitReached:
				full++
			default:
				t.Errorf("accept %d: unexpected %s", i, c)
			}
		}
		got, _ := e.app.GetWorkspace(ctx, admin, w.ID)
		pending, _, _ := e.app.ListMembers(ctx, admin, w.ID, troupe.MemberFilter{Status: "invited", Limit: 200})
		if joined != 5 || full != 45 || got.SeatsUsed != 6 || len(pending) != 45 {
			t.Fatalf("joined %d, refused %d, seats used %d, pending %d; want 5, 45, 6, 45", joined, full, got.SeatsUsed, len(pending))
		}
	})
}

func TestInvitationPreviewAndOwnList(t *testing.T) {
	forEngine(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		admin := e.user(t, "admin@studio.io")
		w, _ := e.app.CreateWorkspace(ctx, admin, "Studio", client)
		tok := e.invite(t, admin, w.ID, "Zed@studio.io", troupe.RoleCreator)

		p, err := e.app.PreviewInvitation(ctx, tok)
		if err != nil || p.WorkspaceName != "Studio" || p.InviterName != "admin" || p.Email != "Zed@studio.io" || p.Role != troupe.RoleCreator {
			t.Fatalf("%+v %v", p, err)
		}
		_, err = e.app.PreviewInvitation(ctx, "nope")
		wantCode(t, err, troupe.CodeNotFound)

		zed := e.user(t, "zed@studio.io")
		mine, err := e.app.ListMyInvitations(ctx, zed)
		if err != nil || len(mine) != 1 || mine[0].WorkspaceName != "Studio" {
			t.Fatalf("%+v %v", mine, err)
		}
		other := e.user(t, "other@studio.io")
		_, err = e.app.AcceptMyInvitation(ctx, other, mine[0].ID, client)
		wantCode(t, err, troupe.CodeEmailMismatch)
		got, err := e.app.AcceptMyInvitation(ctx, zed, mine[0].ID, client)
		if err != nil || got.Role != troupe.RoleCreator {
			t.Fatalf("%+v %v", got, err)
		}
		_, err = e.app.PreviewInvitation(ctx, tok)
		wantCode(t, err, troupe.CodeInvitationInvalid)

		tok2 := e.invite(t, admin, w.ID, "other@studio.io", troupe.RoleViewer)
		mine, _ = e.app.ListMyInvitations(ctx, other)
		if err := e.app.DeclineMyInvitation(ctx, other, mine[0].ID, client); err != nil {
			t.Fatal(err)
		}
		_, err = e.app.AcceptInvitation(ctx, other, tok2, client)
		wantCode(t, err, troupe.CodeInvitationInvalid)
		if v, _ := e.app.GetWorkspace(ctx, admin, w.ID); v.PendingInvitations != 0 {
			t.Fatalf("pending %d", v.PendingInvitations)
		}
	})
}

// Holding an account with an address is not owning it: an invitation to
// it is accepted by id only once the address is verified.
func TestUnverifiedCannotTakeInvitationsByID(t *testing.T) {
	forEngine(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		admin := e.user(t, "admin@corp.io")
		w, _ := e.app.CreateWorkspace(ctx, admin, "Corp", client)
		e.invite(t, admin, w.ID, "victim@corp.io", troupe.RoleDeveloper)
		squatter, _ := e.signup(t, "victim@corp.io") // never verified
		if mine, err := e.app.ListMyInvitations(ctx, squatter); err != nil || len(mine) != 0 {
			t.Fatalf("an unverified address sees %d invitations (%v)", len(mine), err)
		}
		var id string
		rows, _, _ := e.app.ListMembers(ctx, admin, w.ID, troupe.MemberFilter{Status: "invited"})
		for _, r := range rows {
			id = r.InvitationID
		}
		_, err := e.app.AcceptMyInvitation(ctx, squatter, id, client)
		wantCode(t, err, troupe.CodeEmailUnverified)
		if got, _ := e.app.GetWorkspace(ctx, admin, w.ID); got.SeatsUsed != 1 {
			t.Fatalf("seats used %d", got.SeatsUsed)
		}
	})
}

// Two Super Admins demoting each other at once leave one Super Admin.
func TestLastSuperAdminUnderRace(t *testing.T) {
	forEngine(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		a := e.user(t, "a@duo.io")
		b := e.user(t, "b@duo.io")
		for round := range 5 {
			w, _ := e.app.CreateWorkspace(ctx, a, fmt.Sprintf("Duo %d", round), client)
			err := e.db.Tx(ctx, func(tx *store.Tx) error { return tx.AddMember(ctx, w.ID, b.ID, troupe.RoleSuperAdmin, time.Now()) })
			if err != nil {
				t.Fatal(err)
			}
			var wg sync.WaitGroup
			for _, pair := range [][2]troupe.User{{a, b}, {b, a}} {
				wg.Add(1)
				go func() {
					defer wg.Done()
					e.app.ChangeRole(ctx, pair[0], w.ID, pair[1].ID, troupe.RoleViewer, client)
				}()
			}
			wg.Wait()
			n, err := e.db.Read().CountSuperAdmins(ctx, w.ID)
			if err != nil || n != 1 {
				t.Fatalf("round %d: %d Super Admins left (%v)", round, n, err)
			}
		}
	})
}

// The same race through domain joins and through approvals: exactly 5 of
// 50 get in, and the 45 refused approvals leave their requests pending.
func TestSeatRaceJoinsAndApprovals(t *testing.T) {
	forEngine(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		admin := e.user(t, "admin@crowd.io")
		race := func(name string, policy troupe.JoinPolicy, try func(i int, u troupe.User, w app.WorkspaceView) error) (app.WorkspaceView, []troupe.Code) {
			w, err := e.app.CreateWorkspace(ctx, admin, name, client)
			if err != nil {
				t.Fatal(err)
			}
			domains := []string{"crowd.io"}
			if _, err := e.app.UpdateWorkspace(ctx, admin, w.ID, app.WorkspaceUpdate{JoinPolicy: &policy, Domains: &domains}, client); err != nil {
				t.Fatal(err)
			}
			e.verifyDomain(t, admin, w.ID, domains[0])
			if _, err := e.app.UpdateSubscription(ctx, admin, w.ID, "Team", 6, client); err != nil {
				t.Fatal(err)
			}
			users := make([]troupe.User, 50)
			for i := range users {
				users[i] = e.user(t, fmt.Sprintf("%s%02d@crowd.io", name, i))
			}
			if policy == troupe.JoinByRequest {
				for _, u := range users {
					if res, err := e.app.JoinWorkspace(ctx, u, w.ID, client); err != nil || res.Result != "requested" {
						t.Fatalf("request: %+v %v", res, err)
					}
				}
			}
			codes := make([]troupe.Code, len(users))
			var wg sync.WaitGroup
			for i, u := range users {
				wg.Add(1)
				go func() {
					defer wg.Done()
					if err := try(i, u, w); err != nil {
						codes[i] = troupe.ErrorCode(err)
					}
				}()
			}
			wg.Wait()
			got, _ := e.app.GetWorkspace(ctx, admin, w.ID)
			return got, codes
		}
		check := func(what string, w app.WorkspaceView, codes []troupe.Code) {
			joined, full := 0, 0
			for _, c := range codes {
				switch c {
				case "":
					joined++
				case troupe.CodeSeatLimitReached:
					full++
				default:
					t.Errorf("%s: unexpected %s", what, c)
				}
			}
			if joined != 5 || full != 45 || w.SeatsUsed != 6 {
				t.Fatalf("%s: joined %d, refused %d, seats used %d; want 5, 45, 6", what, joined, full, w.SeatsUsed)
			}
		}

		w, codes := race("domain", troupe.JoinDomain, func(_ int, u troupe.User, w app.WorkspaceView) error {
			_, err := e.app.JoinWorkspace(ctx, u, w.ID, client)
			return err
		})
		check("domain joins", w, codes)

		var reqs []troupe.JoinRequest
		w, codes = race("approval", troupe.JoinByRequest, func(i int, u troupe.User, w app.WorkspaceView) error {
			return e.app.ApproveJoinRequest(ctx, admin, w.ID, requestOf(t, e, admin, w.ID, u.ID, &reqs), troupe.RoleViewer, client)
		})
		check("approvals", w, codes)
		pending, err := e.app.ListJoinRequests(ctx, admin, w.ID)
		if err != nil || len(pending) != 45 {
			t.Fatalf("%d requests still pending, want 45 (%v)", len(pending), err)
		}
	})
}

var requestsMu sync.Mutex

// requestOf finds the pending join request of userID, listing them once.
func requestOf(t *testing.T, e *env, admin troupe.User, ws, userID string, cache *[]troupe.JoinRequest) string {
	requestsMu.Lock()
	defer requestsMu.Unlock()
	if *cache == nil {
		reqs, err := e.app.ListJoinRequests(context.Background(), admin, ws)
		if err != nil {
			t.Error(err)
			return ""
		}
		*cache = reqs
	}
	for _, r := range *cache {
		if r.User.ID == userID {
			return r.ID
		}
	}
	return ""
}
