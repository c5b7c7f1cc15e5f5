package app_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"troupe/internal/app"
	"troupe/internal/mail"
	"troupe/internal/store"
	"troupe/internal/testkit"
	"troupe/internal/troupe"
)

// mailLacks fails when any part of m carries one of unwanted.
func mailLacks(t *testing.T, m testkit.Mail, unwanted ...string) {
	t.Helper()
	for _, u := range unwanted {
		for part, text := range map[string]string{"subject": m.Subject, "text": m.Text, "html": m.HTML} {
			if strings.Contains(text, u) {
				t.Fatalf("the mail's %s carries %q:\n%s", part, u, text)
			}
		}
	}
}

// inviteMail invites email with role and returns the invitation's mail.
func (e *env) inviteMail(t *testing.T, by troupe.User, ws, email string, role troupe.Role) testkit.Mail {
	t.Helper()
	res, err := e.app.Invite(context.Background(), by, ws, []string{email}, role, client)
	if err != nil || res[0].Result != app.InviteInvited {
		t.Fatalf("invite %s: %+v %v", email, res, err)
	}
	return e.mail.WaitFor(t, email, 10*time.Second)
}

// Mail to an address that has not proven itself carries no text chosen
// by someone else: not the name given at sign-up, not the name of an
// inviter whose own address is unverified; the workspace's name is
// cleaned and shortened.
func TestMailToUnprovenAddressesCarriesNoChosenText(t *testing.T) {
	forEngine(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		const bait = "Claim your prize at evil.example"

		// Anyone can sign up with any address: the verification mail
		// does not repeat what they typed.
		signed, err := e.app.Signup(ctx, app.SignupInput{Email: "victim@target.io", Password: "correct horse 1", Name: bait}, client)
		if err != nil {
			t.Fatal(err)
		}
		squatter := signed.User
		m := e.mail.WaitFor(t, "victim@target.io", 10*time.Second)
		mailLacks(t, m, bait, "prize")
		if !strings.Contains(m.Text, "Welcome to Troupe! Please confirm that this email address is yours.") {
			t.Fatalf("verification mail:\n%s", m.Text)
		}

		// Nor do invitations from someone whose address is unverified.
		wsName := "Studio\u202eevil " + strings.Repeat("x", 60)
		w, err := e.app.CreateWorkspace(ctx, squatter, wsName, client)
		if err != nil {
			t.Fatal(err)
		}
		short := "Studioevil " + strings.Repeat("x", mail.MaxName-len("Studioevil ")-1) + "…"
		m = e.inviteMail(t, squatter, w.ID, "friend@dest.io", troupe.RoleCreator)
		if m.Subject != "You're invited to "+short+" on Troupe" {
			t.Fatalf("subject %q", m.Subject)
		}
		mailLacks(t, m, bait, "prize", "\u202e", wsName)
		if !strings.Contains(m.Text, "You are invited to join the workspace "+short+" on Troupe") {
			t.Fatalf("invitation:\n%s", m.Text)
		}
		rows, _, err := e.app.ListMembers(ctx, squatter, w.ID, troupe.MemberFilter{Status: "invited"})
		if err != nil || len(rows) != 1 {
			t.Fatalf("%+v %v", rows, err)
		}
		if err := e.app.ResendInvitation(ctx, squatter, w.ID, rows[0].InvitationID, client); err != nil {
			t.Fatal(err)
		}
		m = e.mail.WaitFor(t, "friend@dest.io", 10*time.Second)
		mailLacks(t, m, bait, "prize", "\u202e")

		// Nor any mail about the workspace's life, while the address is
		// unproven: the panel tells the member instead.
		friend := e.user(t, "friend@dest.io")
		link := m.Link(t, "/invitations/")
		if _, err := e.app.AcceptInvitation(ctx, friend, link[strings.LastIndex(link, "/")+1:], client); err != nil {
			t.Fatal(err)
		}
		// A mail sent after the acceptance, then a moment for any other.
		verified := e.user(t, "verified@target.io")
		w2, _ := e.app.CreateWorkspace(ctx, verified, "Other", client)
		e.invite(t, verified, w2.ID, "late@dest.io", troupe.RoleViewer)
		time.Sleep(300 * time.Millisecond)
		if n := e.mail.Count("victim@target.io"); n != 1 {
			t.Fatalf("%d mails to the unverified address, want only the verification", n)
		}
		notes, _, _, err := e.app.ListNotifications(ctx, squatter, "", 10)
		if err != nil || len(notes) == 0 {
			t.Fatalf("no notification of the acceptance: %+v %v", notes, err)
		}
	})
}

// An inviter whose address is verified is named, cleaned and shortened.
func TestInvitationNamesTheVerifiedInviter(t *testing.T) {
	forEngine(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		admin := e.user(t, "admin@studio.io")
		w, _ := e.app.CreateWorkspace(ctx, admin, "  Studio  ", client)
		// A name from before names were checked, stored as is.
		long := "Ada\u202e \u200b Lovelace " + strings.Repeat("y", 80)
		update := `UPDATE users SET name = ? WHERE id = ?`
		if e.db.Dialect() == store.Postgres {
			update = `UPDATE users SET name = $1 WHERE id = $2`
		}
		if _, err := e.db.Writer().ExecContext(ctx, update, long, admin.ID); err != nil {
			t.Fatal(err)
		}
		m := e.inviteMail(t, admin, w.ID, "guest@dest.io", troupe.RoleViewer)
		want := mail.Name(long)
		if !strings.HasPrefix(want, "Ada Lovelace yyy") || !strings.HasSuffix(want, "…") {
			t.Fatalf("cleaned name %q", want)
		}
		if m.Subject != want+" invited you to Studio on Troupe" {
			t.Fatalf("subject %q", m.Subject)
		}
		if !strings.Contains(m.Text, want+" invited you to join the workspace Studio on Troupe") {
			t.Fatalf("invitation:\n%s", m.Text)
		}
		mailLacks(t, m, "\u202e", "\u200b", long)
	})
}
