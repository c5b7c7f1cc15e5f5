package main

import (
	"context"
	"net/url"
	"strings"
	"testing"
	"time"

	"troupe/internal/store"
)

// Those who may hand out the invite link get its current address from
// the API at any time; others get no address, or a 403 with its code.
func TestInviteLinkCopyableThroughTheAPI(t *testing.T) {
	forEngine(t, func(t *testing.T, s *testServer) {
		admin, _ := s.signedIn(t, "admin@acme.com")
		ws := admin.do("POST", "/api/v1/workspaces", map[string]string{"name": "Acme"}).want(t, 201).json(t)["id"].(string)
		base := "/api/v1/workspaces/" + ws + "/invite-link"
		viewer, _ := s.member(t, admin, ws, "viewer@acme.com", "viewer")
		made := admin.do("PUT", base, map[string]any{"role": "creator"}).want(t, 200).json(t)

		got := admin.do("GET", base, nil).want(t, 200).json(t)
		if got["url"] != made["url"] || got["token"] != made["token"] || got["url_status"] != "available" {
			t.Fatalf("the Super Admin gets %v, made %v", got, made)
		}
		viewer.do("GET", base, nil).want(t, 403, "forbidden") // only admins manage the link by default

		admin.do("PATCH", "/api/v1/workspaces/"+ws, map[string]any{"invite_link_policy": "everyone"}).want(t, 200)
		got = viewer.do("GET", base, nil).want(t, 200).json(t)
		if got["url"] != nil || got["token"] != nil || got["url_status"] != "above_role" {
			t.Fatalf("a Viewer may not hand out a Creator link: %v", got)
		}
		admin.do("PUT", base, map[string]any{"role": "viewer"}).want(t, 200)
		got = viewer.do("GET", base, nil).want(t, 200).json(t)
		if got["url"] != made["url"] || got["url_status"] != "available" {
			t.Fatalf("a Viewer hands out a Viewer link: %v", got)
		}
		reset := admin.do("POST", base+"/reset", nil).want(t, 200).json(t)
		if got := viewer.do("GET", base, nil).want(t, 200).json(t); got["url"] != reset["url"] || got["url"] == made["url"] {
			t.Fatalf("after the reset: %v", got)
		}
	})
}

// Invitations through the API: a role per address (the first shape still
// works), the role of a pending invitation changed under the rule for
// inviting, audited, and said by the invitation's mail and page.
func TestInvitationRolesThroughTheAPI(t *testing.T) {
	forEngine(t, func(t *testing.T, s *testServer) {
		admin, _ := s.signedIn(t, "admin@acme.com")
		ws := admin.do("POST", "/api/v1/workspaces", map[string]string{"name": "Acme Studio"}).want(t, 201).json(t)["id"].(string)
		path := "/api/v1/workspaces/" + ws + "/invitations"
		admin.do("PATCH", "/api/v1/workspaces/"+ws, map[string]any{"who_can_invite": "everyone"}).want(t, 200)
		creator, _ := s.member(t, admin, ws, "creator@acme.com", "creator")

		res := admin.do("POST", path, map[string]any{
			"invitations": []map[string]string{{"email": "dev@elsewhere.org", "role": "developer"}, {"email": "plain@elsewhere.org"}},
			"emails":      []string{"old@elsewhere.org"},
			"role":        "viewer",
		}).want(t, 200).json(t)["results"].([]any)
		if len(res) != 3 {
			t.Fatalf("%v", res)
		}
		admin.do("POST", path, map[string]any{"emails": []string{"first@elsewhere.org"}, "role": "creator"}).want(t, 200)
		admin.do("POST", path, map[string]any{"invitations": []map[string]string{{"email": "x@elsewhere.org", "role": "boss"}}}).want(t, 422, "validation_failed")
		creator.do("POST", path, map[string]any{"invitations": []map[string]string{
			{"email": "ok@elsewhere.org", "role": "viewer"}, {"email": "up@elsewhere.org", "role": "developer"}}}).want(t, 403, "forbidden")

		roles := map[string]string{}
		ids := map[string]string{}
		for _, it := range admin.do("GET", path, nil).want(t, 200).json(t)["items"].([]any) {
			row := it.(map[string]any)
			roles[row["email"].(string)], ids[row["email"].(string)] = row["role"].(string), row["invitation_id"].(string)
		}
		for email, want := range map[string]string{"dev@elsewhere.org": "developer", "plain@elsewhere.org": "viewer", "old@elsewhere.org": "viewer", "first@elsewhere.org": "creator"} {
			if roles[email] != want {
				t.Fatalf("%s invited as %q, want %q (%v)", email, roles[email], want, roles)
			}
		}
		if _, ok := roles["ok@elsewhere.org"]; ok {
			t.Fatal("part of a refused batch was sent")
		}
		if m := s.mail.WaitFor(t, "dev@elsewhere.org", 10*time.Second); !strings.Contains(m.Text, "Acme Studio on Troupe as Developer") {
			t.Fatalf("the mail does not say the role: %s", m.Text)
		}

		one := path + "/" + ids["plain@elsewhere.org"]
		got := admin.do("PATCH", one, map[string]any{"role": "developer"}).want(t, 200).json(t)
		if got["role"] != "developer" || got["email"] != "plain@elsewhere.org" || got["status"] != "pending" {
			t.Fatalf("%v", got)
		}
		admin.do("PATCH", one, map[string]any{"role": "super_admin"}).want(t, 403, "forbidden")
		admin.do("PATCH", one, map[string]any{"role": "nope"}).want(t, 422, "validation_failed")
		admin.do("PATCH", path+"/no-such-id", map[string]any{"role": "viewer"}).want(t, 404, "not_found")
		creator.do("PATCH", one, map[string]any{"role": "viewer"}).want(t, 403, "forbidden") // not theirs
		stranger, _ := s.signedIn(t, "stranger@elsewhere.org")
		stranger.do("PATCH", one, map[string]any{"role": "viewer"}).want(t, 404, "not_found")

		mine := creator.do("POST", path, map[string]any{"emails": []string{"mine@elsewhere.org"}, "role": "viewer"}).want(t, 200).json(t)["results"].([]any)[0].(map[string]any)["invitation_id"].(string)
		creator.do("PATCH", path+"/"+mine, map[string]any{"role": "developer"}).want(t, 403, "forbidden")
		creator.do("PATCH", path+"/"+mine, map[string]any{"role": "creator"}).want(t, 200)

		audit := admin.do("GET", "/api/v1/workspaces/"+ws+"/audit-log?action=invitation.role", nil).want(t, 200).json(t)["items"].([]any)
		if len(audit) != 2 {
			t.Fatalf("audit: %v", audit)
		}
		contains(t, admin.page("/w/"+ws+"/audit", 200), "changed the role offered to plain@elsewhere.org from Viewer to Developer")

		// The invitation's page names the workspace and the new role.
		token := s.invitationToken(t, "plain@elsewhere.org")
		anon := s.client(t)
		contains(t, anon.page("/invitations/"+token, 200), "to Acme Studio as Developer")
		fr := string(anon.do("GET", "/invitations/"+token, nil, "Accept-Language", "fr").want(t, 200).body)
		contains(t, fr, "dans Acme Studio comme Développeur")
		plain, _ := s.signedIn(t, "plain@elsewhere.org")
		contains(t, plain.page("/invitations/"+token, 200), "Join Acme Studio", "invited you to Acme Studio on Troupe as Developer")
		plain.do("POST", "/api/v1/invitations/"+token+"/accept", nil).want(t, 200)
		if role := plain.do("GET", "/api/v1/workspaces/"+ws, nil).want(t, 200).json(t)["role"]; role != "developer" {
			t.Fatalf("joined as %v", role)
		}
		admin.do("PATCH", one, map[string]any{"role": "viewer"}).want(t, 404, "not_found") // accepted: no longer pending
	})
}

// The invite form and the pending invitations work as plain forms in
// English and French: addresses with their roles in one text field, and
// an invitation's role changed in place.
func TestInvitationRolesAsPlainForms(t *testing.T) {
	forEngine(t, func(t *testing.T, s *testServer) {
		for _, lang := range []struct {
			code, role, changed, offered, developer string
		}{
			{"en", "Creator", "The invitation&#39;s role was changed.", "Role offered to", "Developer"},
			{"fr", "Créateur", "Le rôle de l&#39;invitation a été modifié.", "Rôle proposé à", "Développeur"},
		} {
			t.Run(lang.code, func(t *testing.T) {
				email := "admin-" + lang.code + "@acme.com"
				admin, _ := s.signedIn(t, email)
				admin.do("PATCH", "/api/v1/me", map[string]any{"locale": lang.code}).want(t, 200)
				base := admin.post("/workspaces", url.Values{"name": {"Studio " + lang.code}}, 303).where()
				ws := strings.TrimPrefix(base, "/w/")

				form := admin.page(base+"/members/invite", 200)
				contains(t, form, `name="emails"`, `name="role"`, `data-invite-rows`, `name="row_email"`)
				body := admin.post(base+"/members/invite", url.Values{
					"emails": {"ana-" + lang.code + "@elsewhere.org, developer\nleo-" + lang.code + "@elsewhere.org " + lang.role + "\nmia-" + lang.code + "@elsewhere.org"},
					"role":   {"viewer"},
				}, 200).text()
				lacks(t, body, "invite-problems")
				contains(t, body, lang.offered+" ana-"+lang.code+"@elsewhere.org")
				roles := map[string]string{}
				ids := map[string]string{}
				for _, it := range admin.do("GET", "/api/v1/workspaces/"+ws+"/invitations", nil).want(t, 200).json(t)["items"].([]any) {
					row := it.(map[string]any)
					roles[row["email"].(string)], ids[row["email"].(string)] = row["role"].(string), row["invitation_id"].(string)
				}
				want := map[string]string{"ana-" + lang.code + "@elsewhere.org": "developer", "leo-" + lang.code + "@elsewhere.org": "creator", "mia-" + lang.code + "@elsewhere.org": "viewer"}
				for e, r := range want {
					if roles[e] != r {
						t.Fatalf("%s invited as %q, want %q", e, roles[e], r)
					}
				}
				// The rows the form grows with JavaScript post the same way.
				admin.post(base+"/members/invite", url.Values{"row_email": {"row-" + lang.code + "@elsewhere.org", ""}, "row_role": {"creator", "viewer"}, "role": {"viewer"}}, 200)

				mia := "mia-" + lang.code + "@elsewhere.org"
				if got := admin.post(base+"/invitations/"+ids[mia]+"/role", url.Values{"role": {"developer"}}, 303).where(); got != base+"/members" {
					t.Fatalf("after the change: %q", got)
				}
				page := admin.page(base+"/members?status=invited", 200)
				contains(t, page, lang.changed)
				row := page[strings.Index(page, `data-email="`+mia+`"`):]
				row = row[:strings.Index(row, "</tr>")]
				contains(t, row, `action="/w/`+ws+`/invitations/`+ids[mia]+`/role"`, `<option value="developer" selected>`+lang.developer)
				admin.post(base+"/invitations/"+ids[mia]+"/role", url.Values{"role": {"super_admin"}}, 403)
			})
		}
		if strings.Contains(s.mail.WaitFor(t, "row-en@elsewhere.org", 10*time.Second).Text, "as Creator") == false {
			t.Fatal("the row's role is not the invitation's")
		}
	})
}

// Someone who creates their account from an invitation while every seat
// is taken keeps it, signed in, is told they get in when a seat frees,
// and the Super Admins are told; a freed seat then lets them in.
func TestInvitationSignupWaitsForASeat(t *testing.T) {
	forEngine(t, func(t *testing.T, s *testServer) {
		admin, _ := s.signedIn(t, "owner@acme.com")
		ws := admin.do("POST", "/api/v1/workspaces", map[string]string{"name": "Acme"}).want(t, 201).json(t)["id"].(string)
		admin.do("PUT", "/api/v1/workspaces/"+ws+"/subscription", map[string]any{"plan": "Team", "seats": 1}).want(t, 200)
		admin.do("POST", "/api/v1/workspaces/"+ws+"/invitations", map[string]any{"invitations": []map[string]string{
			{"email": "page@elsewhere.org", "role": "creator"}, {"email": "api@elsewhere.org", "role": "viewer"}}}).want(t, 200)

		c := s.client(t)
		token := s.invitationToken(t, "page@elsewhere.org")
		res := c.do("POST", "/invitations/"+token+"/signup", url.Values{"name": {"Page"}, "email": {"page@elsewhere.org"}, "password": {"correct horse 1"}}).want(t, 303)
		if res.where() != "/" {
			t.Fatalf("after signing up: %q", res.where())
		}
		home := c.page("/", 200)
		contains(t, home, "every seat of the workspace is taken", "you&#39;ll get in as soon as a seat frees up", "Acme")
		if m := s.mail.WaitFor(t, "owner@acme.com", 10*time.Second); !strings.Contains(m.Text, "page@elsewhere.org") {
			t.Fatalf("the Super Admin was told %q", m.Text)
		}

		api := s.client(t)
		token = s.invitationToken(t, "api@elsewhere.org")
		out := api.do("POST", "/api/v1/auth/signup", map[string]string{"email": "api@elsewhere.org", "password": "correct horse 1", "name": "Api",
			"invitation_token": token}, "Accept-Language", "fr").want(t, 201).json(t)
		inv := out["invitation"].(map[string]any)
		if inv["result"] != "waiting_for_seat" || inv["workspace_id"] != ws || out["email"] != "api@elsewhere.org" {
			t.Fatalf("%v", out)
		}
		mine := api.do("GET", "/api/v1/invitations", nil).want(t, 200).json(t)["items"].([]any)
		if len(mine) != 1 {
			t.Fatalf("signed in, with the invitation pending: %v", mine)
		}
		api.do("POST", "/api/v1/invitations/"+token+"/accept", nil).want(t, 409, "seat_limit_reached")
		contains(t, string(api.do("POST", "/invitations/"+token+"/accept", nil, "Accept-Language", "fr").want(t, 409).body), "vous entrerez dès qu&#39;une place se libère")

		// Two more seats let both in, first come first, without a click.
		sub := admin.do("PUT", "/api/v1/workspaces/"+ws+"/subscription", map[string]any{"plan": "Team", "seats": 3}).want(t, 200).json(t)
		if sub["seats_used"] != float64(3) {
			t.Fatalf("%v", sub)
		}
		if role := c.do("GET", "/api/v1/workspaces/"+ws, nil).want(t, 200).json(t)["role"]; role != "creator" {
			t.Fatalf("page@ joined as %v", role)
		}
		if role := api.do("GET", "/api/v1/workspaces/"+ws, nil).want(t, 200).json(t)["role"]; role != "viewer" {
			t.Fatalf("api@ joined as %v", role)
		}
		if m := s.mail.WaitFor(t, "api@elsewhere.org", 10*time.Second); m.Subject != "You joined Acme" {
			t.Fatalf("api@ was told %q", m.Subject)
		}
	})
}

// A link made before links were kept to show again has no address to
// copy: the panel says to reset it, in English and French, and the reset
// gives one.
func TestInviteLinkMadeBeforeSealingAsksForAReset(t *testing.T) {
	forEngine(t, func(t *testing.T, s *testServer) {
		admin, _ := s.signedIn(t, "admin@acme.com")
		base := admin.post("/workspaces", url.Values{"name": {"Acme"}}, 303).where()
		ws := strings.TrimPrefix(base, "/w/")
		admin.post(base+"/invite-link", url.Values{"role": {"viewer"}}, 303)
		old := admin.do("GET", "/api/v1/workspaces/"+ws+"/invite-link", nil).want(t, 200).json(t)["url"].(string)
		ctx := context.Background()
		l, err := s.main.db.Read().FindInviteLink(ctx, ws)
		if err != nil {
			t.Fatal(err)
		}
		l.TokenSealed = ""
		if err := s.main.db.Tx(ctx, func(tx *store.Tx) error { return tx.SaveInviteLink(ctx, l, time.Now()) }); err != nil {
			t.Fatal(err)
		}

		got := admin.do("GET", "/api/v1/workspaces/"+ws+"/invite-link", nil).want(t, 200).json(t)
		if got["url"] != nil || got["url_status"] != "reset_required" {
			t.Fatalf("%v", got)
		}
		page := admin.page(base+"/members", 200)
		contains(t, page, "Reset it to get a link you can copy", "/invite-link/reset")
		lacks(t, page, `id="f-link-url"`, old)
		fr := string(admin.do("GET", base+"/members", nil, "Accept-Language", "fr").want(t, 200).body)
		contains(t, fr, "Réinitialisez-le pour obtenir un lien à copier")

		admin.post(base+"/invite-link/reset", nil, 303)
		page = admin.page(base+"/members", 200)
		contains(t, page, `id="f-link-url"`, "New invite link ready.")
		lacks(t, page, old)
	})
}
