package app_test

import (
	"context"
	"testing"
	"time"

	"troupe/internal/app"
	"troupe/internal/troupe"
)

// A company domain lets people in, be found and be suggested only once
// its TXT record proves it; the daily check takes it back when the
// record has been missing twice in a row, and tells the Super Admins.
func TestDomainVerification(t *testing.T) {
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
		newcomer := e.user(t, "new@acme.io")
		creator := e.memberOf(t, w.ID, "creator@acme.io", troupe.RoleCreator)
		outsider := e.user(t, "out@acme.io")

		state := func(t *testing.T) troupe.DomainState {
			t.Helper()
			states, admin, err := e.app.ListDomains(ctx, admin, w.ID)
			if err != nil || len(states) != 1 || !admin {
				t.Fatalf("list domains: %+v %v %v", states, admin, err)
			}
			return states[0]
		}
		counts := func(t *testing.T, wantFound, wantSuggested int) {
			t.Helper()
			found, err := e.app.Discover(ctx, newcomer)
			if err != nil || len(found) != wantFound {
				t.Errorf("discover: %d workspaces (%v), want %d", len(found), err, wantFound)
			}
			sugg, err := e.app.Suggestions(ctx, admin, w.ID)
			n := 0
			for _, u := range sugg {
				if u.ID == newcomer.ID {
					n++
				}
			}
			if err != nil || n != wantSuggested {
				t.Errorf("suggestions: %d (%v), want %d", n, err, wantSuggested)
			}
		}

		t.Run("unverified: no join, no discovery, no suggestion", func(t *testing.T) {
			d := state(t)
			if d.Verified() || len(d.Token) != 32 || d.TXTRecord() != "troupe-verification="+d.Token {
				t.Fatalf("new domain: %+v", d)
			}
			counts(t, 0, 0)
			_, err := e.app.JoinWorkspace(ctx, newcomer, w.ID, client)
			wantCode(t, err, troupe.CodeNotFound)
		})

		t.Run("only Super Admins verify; non-members learn nothing", func(t *testing.T) {
			_, err := e.app.VerifyDomain(ctx, creator, w.ID, "acme.io", client)
			wantCode(t, err, troupe.CodeForbidden)
			_, err = e.app.VerifyDomain(ctx, outsider, w.ID, "acme.io", client)
			wantCode(t, err, troupe.CodeNotFound)
			_, err = e.app.VerifyDomain(ctx, admin, w.ID, "other.io", client)
			wantCode(t, err, troupe.CodeNotFound)
			states, isAdmin, err := e.app.ListDomains(ctx, creator, w.ID)
			if err != nil || isAdmin || len(states) != 1 {
				t.Fatalf("a member's list: %+v %v %v", states, isAdmin, err)
			}
		})

		t.Run("no record, wrong token and a DNS failure each say why", func(t *testing.T) {
			for _, c := range []struct {
				setup func()
				want  string
			}{
				{func() {}, troupe.DomainNoRecord},
				{func() { e.dns.SetTXT("acme.io", "v=spf1 -all", "troupe-verification=someone-else") }, troupe.DomainWrongToken},
				{func() { e.dns.Fail("acme.io", true) }, troupe.DomainDNSError},
			} {
				c.setup()
				d, err := e.app.VerifyDomain(ctx, admin, w.ID, "acme.io", client)
				if err != nil || d.Verified() || d.CheckError != c.want || d.CheckedAt == nil {
					t.Errorf("want %s: %+v %v", c.want, d, err)
				}
			}
			e.dns.Fail("acme.io", false)
			counts(t, 0, 0)
		})

		t.Run("published and verified: join, discovery and suggestions work", func(t *testing.T) {
			d := state(t)
			e.dns.SetTXT("acme.io", "v=spf1 -all", d.TXTRecord())
			got, err := e.app.VerifyDomain(ctx, admin, w.ID, "ACME.io", client)
			if err != nil || !got.Verified() || got.CheckError != "" || got.Failures != 0 {
				t.Fatalf("verify: %+v %v", got, err)
			}
			view, err := e.app.GetWorkspace(ctx, admin, w.ID)
			if err != nil || len(view.VerifiedDomains()) != 1 {
				t.Fatalf("workspace: %+v %v", view.DomainStates, err)
			}
			counts(t, 1, 1)
			entries, _, err := e.app.ListAudit(ctx, admin, w.ID, troupe.AuditFilter{Action: troupe.AuditDomainVerified})
			if err != nil || len(entries) != 1 || entries[0].Target != "acme.io" || entries[0].ActorID != admin.ID {
				t.Fatalf("audit: %+v %v", entries, err)
			}
			res, err := e.app.JoinWorkspace(ctx, newcomer, w.ID, client)
			if err != nil || res.Result != "joined" {
				t.Fatalf("join: %+v %v", res, err)
			}
		})

		t.Run("record removed: unverified after two failed daily checks, Super Admins told", func(t *testing.T) {
			e.dns.SetTXT("acme.io")
			if n, err := e.app.CheckDomains(ctx); err != nil || n != 0 {
				t.Fatalf("a fresh check is not due: %d %v", n, err)
			}
			e.clock.Advance(25 * time.Hour)
			if n, err := e.app.CheckDomains(ctx); err != nil || n != 1 {
				t.Fatalf("first daily check: %d %v", n, err)
			}
			if d := state(t); !d.Verified() || d.Failures != 1 || d.CheckError != troupe.DomainNoRecord {
				t.Fatalf("one failure is tolerated: %+v", d)
			}
			e.clock.Advance(25 * time.Hour)
			if n, err := e.app.CheckDomains(ctx); err != nil || n != 1 {
				t.Fatalf("second daily check: %d %v", n, err)
			}
			if d := state(t); d.Verified() || d.CheckError != troupe.DomainNoRecord {
				t.Fatalf("two failures unverify: %+v", d)
			}
			if n, err := e.app.CheckDomains(ctx); err != nil || n != 0 {
				t.Fatalf("unverified domains wait for Verify now: %d %v", n, err)
			}
			notes, _, _, err := e.app.ListNotifications(ctx, admin, "", 20)
			found := false
			for _, n := range notes {
				found = found || (n.Kind == app.NoteDomainUnverified && n.SubjectID == "acme.io" && n.WorkspaceID == w.ID)
			}
			if err != nil || !found {
				t.Fatalf("the Super Admin was not told: %+v %v", notes, err)
			}
			entries, _, err := e.app.ListAudit(ctx, admin, w.ID, troupe.AuditFilter{Action: troupe.AuditDomainUnverified})
			if err != nil || len(entries) != 1 || entries[0].ActorID != "" || entries[0].Detail != troupe.DomainNoRecord {
				t.Fatalf("audit: %+v %v", entries, err)
			}
			other := e.user(t, "late@acme.io")
			found2, err := e.app.Discover(ctx, other)
			if err != nil || len(found2) != 0 {
				t.Fatalf("discovery after unverification: %+v %v", found2, err)
			}
			_, err = e.app.JoinWorkspace(ctx, other, w.ID, client)
			wantCode(t, err, troupe.CodeNotFound)
		})

		t.Run("a domain removed and added again needs a new record", func(t *testing.T) {
			old := state(t)
			none := []string{}
			if _, err := e.app.UpdateWorkspace(ctx, admin, w.ID, app.WorkspaceUpdate{Domains: &none}, client); err != nil {
				t.Fatal(err)
			}
			if _, err := e.app.UpdateWorkspace(ctx, admin, w.ID, app.WorkspaceUpdate{Domains: &domains}, client); err != nil {
				t.Fatal(err)
			}
			if d := state(t); d.Token == old.Token || d.Verified() || d.CheckedAt != nil {
				t.Fatalf("re-added: %+v (was %+v)", d, old)
			}
		})
	})
}
