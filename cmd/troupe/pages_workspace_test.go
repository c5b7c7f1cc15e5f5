package main

import (
	"net/url"
	"strings"
	"testing"
	"time"
)

// page fetches path and checks its status.
func (c *apiClient) page(path string, status int) string {
	c.t.Helper()
	return string(c.do("GET", path, nil).want(c.t, status).body)
}

// post sends a form and checks the status.
func (c *apiClient) post(path string, form url.Values, status int) response {
	c.t.Helper()
	return c.do("POST", path, form).want(c.t, status)
}

func contains(t *testing.T, body string, wants ...string) {
	t.Helper()
	for _, w := range wants {
		if !strings.Contains(body, w) {
			t.Fatalf("page lacks %q", w)
		}
	}
}

func lacks(t *testing.T, body string, unwanted ...string) {
	t.Helper()
	for _, w := range unwanted {
		if strings.Contains(body, w) {
			t.Fatalf("page shows %q", w)
		}
	}
}

func (r response) text() string { return string(r.body) }

// invitationToken returns the token of the last invitation mailed to email.
func (s *testServer) invitationToken(t *testing.T, email string) string {
	t.Helper()
	link := s.mail.WaitFor(t, email, 10*time.Second).Link(t, "/invitations/")
	return link[strings.LastIndex(link, "/")+1:]
}

// The workspace pages work as plain forms, without JavaScript, and show
// each role only what it may do.
func TestWorkspacePagesAsPlainForms(t *testing.T) {
	forEngine(t, func(t *testing.T, s *testServer) {
		admin, adminID := s.signedIn(t, "admin@acme.com")

		contains(t, admin.page("/", 200), "Create a workspace", `action="/workspaces"`)
		contains(t, admin.post("/workspaces", url.Values{"name": {" "}}, 422).text(), "This field is required.", `aria-invalid="true"`)
		loc := admin.post("/workspaces", url.Values{"name": {"Acme Studio"}}, 303).header.Get("Location")
		if !strings.HasPrefix(loc, "/w/") {
			t.Fatalf("after creating: %q", loc)
		}
		ws := strings.TrimPrefix(loc, "/w/")
		base := "/w/" + ws
		if got := admin.do("GET", "/", nil).want(t, 303).header.Get("Location"); got != base {
			t.Fatalf("home opens %q, want the current workspace %q", got, base)
		}
		contains(t, admin.page(base, 200), "Acme Studio", "Your workspace is ready.", base+"/members", base+"/settings", base+"/audit")

		t.Run("inviting through the form", func(t *testing.T) {
			contains(t, admin.page(base+"/members/invite", 200), `name="emails"`, `<option value="developer"`)
			form := url.Values{"emails": {"ana@acme.com, leo@acme.com\nadmin@acme.com not-an-address"}, "role": {"creator"}}
			body := admin.post(base+"/members/invite", form, 200).text()
			contains(t, body, "Invitation sent to 2 people", "2 addresses were not invited", "admin@acme.com</span> · already a member",
				"not-an-address</span> · not a valid email address", `data-email="ana@acme.com"`, "1 of 10 seats used", "2 invitations pending")
			contains(t, admin.post(base+"/members/invite", url.Values{"emails": {""}, "role": {"creator"}}, 422).text(), "Enter at least one email address.")
		})

		t.Run("members filters and search", func(t *testing.T) {
			invited := admin.page(base+"/members?status=invited", 200)
			contains(t, invited, `data-email="ana@acme.com"`, `data-email="leo@acme.com"`, "Invitation sent")
			lacks(t, invited, `data-email="admin@acme.com"`)
			active := admin.page(base+"/members?status=active", 200)
			contains(t, active, `data-email="admin@acme.com"`, "badge-green")
			lacks(t, active, `data-email="ana@acme.com"`)
			found := admin.page(base+"/members?q=leo", 200)
			contains(t, found, `data-email="leo@acme.com"`)
			lacks(t, found, `data-email="ana@acme.com"`)
			contains(t, admin.page(base+"/members?role=viewer", 200), "No one matches")
		})

		anaToken := s.invitationToken(t, "ana@acme.com")
		leoToken := s.invitationToken(t, "leo@acme.com")

		t.Run("signing up from an invitation", func(t *testing.T) {
			ana := s.client(t)
			contains(t, ana.page("/invitations/"+anaToken, 200), "Create account and join", "/login?next=/invitations/"+anaToken)
			wrong := url.Values{"name": {"Ana"}, "email": {"someone@acme.com"}, "password": {"correct horse 1"}}
			contains(t, ana.post("/invitations/"+anaToken+"/signup", wrong, 403).text(), "sent to another email address", `value="someone@acme.com"`)
			right := url.Values{"name": {"Ana Lima"}, "email": {"ana@acme.com"}, "password": {"correct horse 1"}}
			if got := ana.post("/invitations/"+anaToken+"/signup", right, 303).header.Get("Location"); got != "/" {
				t.Fatalf("after signing up: %q", got)
			}
			if got := ana.do("GET", "/", nil).want(t, 303).header.Get("Location"); got != base {
				t.Fatalf("home opens %q, want the workspace just joined", got)
			}
			contains(t, ana.page(base, 200), "Welcome! You joined the workspace.", "Acme Studio")
			contains(t, admin.page(base+"/members?status=active", 200), `data-email="ana@acme.com"`, "Ana Lima", "2 of 10 seats used", "1 invitation pending")
			// The link is used up.
			contains(t, s.client(t).post("/invitations/"+anaToken+"/signup", right, 410).text(), "can&#39;t be used any more")
			contains(t, s.client(t).post("/invitations/"+strings.Repeat("x", 43)+"/signup", right, 404).text(), "Page not found")
		})

		t.Run("invitation page for signed-in users", func(t *testing.T) {
			other, _ := s.signedIn(t, "other@elsewhere.org")
			contains(t, other.page("/invitations/"+leoToken, 200), "isn&#39;t for this account", "other@elsewhere.org", "/invitations/"+leoToken+"/signout")
			contains(t, other.post("/invitations/"+leoToken+"/accept", nil, 403).text(), "sent to another email address")
			if got := other.post("/invitations/"+leoToken+"/signout", nil, 303).header.Get("Location"); got != "/invitations/"+leoToken {
				t.Fatalf("after signing out: %q", got)
			}
			contains(t, other.page("/invitations/"+leoToken, 200), "Create account and join")

			leo, _ := s.signedIn(t, "leo@acme.com")
			contains(t, leo.page("/", 200), "Invitations waiting for you", "Acme Studio", "Invited by admin as Creator")
			contains(t, leo.page("/invitations/"+leoToken, 200), "Join Acme Studio", "Creator", "/invitations/"+leoToken+"/accept", "/invitations/"+leoToken+"/decline")
			if got := leo.post("/invitations/"+leoToken+"/decline", nil, 303).header.Get("Location"); got != "/" {
				t.Fatalf("after declining: %q", got)
			}
			contains(t, leo.page("/", 200), "You declined the invitation.")
			lacks(t, admin.page(base+"/members", 200), `data-email="leo@acme.com"`)

			dev, _ := s.signedIn(t, "dev@acme.com")
			admin.post(base+"/members/invite", url.Values{"emails": {"dev@acme.com"}, "role": {"developer"}}, 200)
			devToken := s.invitationToken(t, "dev@acme.com")
			if got := dev.post("/invitations/"+devToken+"/accept", nil, 303).header.Get("Location"); got != base {
				t.Fatalf("after accepting: %q", got)
			}
			contains(t, dev.page(base, 200), "Welcome! You joined the workspace.", "you are Developer")
			contains(t, admin.page(base+"/members?q=dev", 200), `data-email="dev@acme.com"`, "badge-green")
			admin.post(base+"/members/"+strings.TrimSpace(dev.do("GET", "/api/v1/me", nil).json(t)["id"].(string))+"/remove", nil, 303)
		})

		viewer, viewerID := s.member(t, admin, ws, "viewer@acme.com", "viewer")
		creator, _ := s.member(t, admin, ws, "creator@acme.com", "creator")

		t.Run("role change and removal", func(t *testing.T) {
			back := base + "/members?status=active"
			if got := admin.post(base+"/members/"+viewerID+"/role", url.Values{"role": {"developer"}, "back": {back}}, 303).header.Get("Location"); got != back {
				t.Fatalf("after the role change: %q", got)
			}
			body := admin.page(back, 200)
			contains(t, body, "The role was changed.")
			row := body[strings.Index(body, `data-email="viewer@acme.com"`):]
			contains(t, row[:strings.Index(row, "</tr>")], `<option value="developer" selected>`)
			contains(t, admin.post(base+"/members/"+adminID+"/role", url.Values{"role": {"viewer"}}, 409).text(), "at least one Super Admin")
			admin.post(base+"/members/"+viewerID+"/remove", url.Values{}, 303)
			contains(t, admin.page(base+"/members", 200), "The member was removed.")
			lacks(t, admin.page(base+"/members", 200), `data-email="viewer@acme.com"`)
			viewer.page(base, 404)
		})

		t.Run("settings save with validation errors inline", func(t *testing.T) {
			contains(t, admin.page(base+"/settings", 200), "Joining", "Content defaults", "Company domains", `value="invite_only" checked`)
			body := admin.post(base+"/settings", url.Values{"name": {""}, "description": {"Our studio"}}, 422).text()
			contains(t, body, "This field is required.", `aria-invalid="true"`, "Our studio")
			admin.post(base+"/settings", url.Values{"join_policy": {"request"}, "who_can_invite": {"everyone"}, "invite_link_policy": {"admins"}}, 303)
			contains(t, admin.page(base+"/settings", 200), "Settings saved.", `value="request" checked`, `<option value="everyone" selected>`)

			contains(t, admin.post(base+"/settings/domains", url.Values{"domain": {"gmail.com"}}, 422).text(), "public mail provider", `value="gmail.com"`)
			contains(t, admin.post(base+"/settings/domains", url.Values{"domain": {"other.org"}}, 422).text(), "only with a verified email address at it")
			admin.post(base+"/settings/domains", url.Values{"domain": {"acme.com"}}, 303)
			contains(t, admin.page(base+"/settings", 200), "Domain added.", `name="remove" value="acme.com"`, "Waiting for DNS",
				`value="troupe-verification=`, "Verify now", "Only verified domains let people in")
			admin.post(base+"/settings/domains", url.Values{"verify": {"acme.com"}}, 303)
			contains(t, admin.page(base+"/settings", 200), "Not verified: no TXT record found at the domain yet.",
				"No troupe-verification TXT record was found at acme.com.", "Waiting for DNS")
			s.dns.SetTXT("acme.com", "troupe-verification=not-ours")
			admin.post(base+"/settings/domains", url.Values{"verify": {"acme.com"}}, 303)
			contains(t, admin.page(base+"/settings", 200), "acme.com has a troupe-verification TXT record, but not this one")
			states := admin.do("GET", "/api/v1/workspaces/"+strings.TrimPrefix(base, "/w/")+"/domains", nil).want(t, 200).json(t)["items"].([]any)
			s.dns.SetTXT("acme.com", states[0].(map[string]any)["txt_record"].(string))
			admin.post(base+"/settings/domains", url.Values{"verify": {"acme.com"}}, 303)
			body = admin.page(base+"/settings", 200)
			contains(t, body, "Domain verified: people with a verified address at it can now find this workspace.", ">Verified<")
			lacks(t, body, "Waiting for DNS")
			admin.post(base+"/settings/domains", url.Values{"remove": {"acme.com"}}, 303)
			lacks(t, admin.page(base+"/settings", 200), `name="remove" value="acme.com"`)

			contains(t, admin.page(base+"/settings/seats", 200), "3 of 10 seats used", `value="Team"`)
			contains(t, admin.post(base+"/settings/seats", url.Values{"plan": {"Team"}, "seats": {"zero"}}, 422).text(), "Choose between 1 and 100,000 seats.")
			contains(t, admin.post(base+"/settings/seats", url.Values{"plan": {"Team"}, "seats": {"2"}}, 422).text(), "fewer than the members already active")
			admin.post(base+"/settings/seats", url.Values{"plan": {"Business"}, "seats": {"25"}}, 303)
			contains(t, admin.page(base+"/settings/seats", 200), "Seats and plan saved.", "3 of 25 seats used", "Business plan")
		})

		t.Run("audit log", func(t *testing.T) {
			body := admin.page(base+"/audit", 200)
			contains(t, body, "Workspace created", "Role changed", "Member removed", "admin@acme.com", "/api/v1/workspaces/"+ws+"/audit-log?format=csv")
			filtered := admin.page(base+"/audit?action=domain.", 200)
			contains(t, filtered, "Domain added", "Domain removed")
			lacks(t, filtered, "Workspace created")
		})

		t.Run("members without admin rights see no admin controls and are refused", func(t *testing.T) {
			body := creator.page(base+"/members", 200)
			contains(t, body, `data-email="admin@acme.com"`, "Invite people") // everyone may invite since the settings above
			lacks(t, body, "role-form", "Remove from workspace", base+"/settings", base+"/audit")
			for _, path := range []string{base + "/settings", base + "/settings/seats", base + "/audit"} {
				contains(t, creator.page(path, 403), "You are not allowed to do this.")
			}
			refused := map[string]url.Values{
				base + "/settings":                       {"name": {"Taken over"}},
				base + "/settings/domains":               {"domain": {"acme.com"}},
				base + "/settings/seats":                 {"plan": {"Team"}, "seats": {"99"}},
				base + "/members/" + adminID + "/role":   {"role": {"viewer"}},
				base + "/members/" + adminID + "/remove": {},
				base + "/members/invite":                 {"emails": {"x@acme.com"}, "role": {"developer"}},
			}
			for path, form := range refused {
				contains(t, creator.post(path, form, 403).text(), "You are not allowed to do this.")
			}
			s.client(t).do("GET", base+"/members", nil).want(t, 303)
			outsider, _ := s.signedIn(t, "outsider@other.org")
			outsider.page(base+"/members", 404)
		})

		t.Run("manage workspaces: switch, create, leave", func(t *testing.T) {
			contains(t, admin.page("/workspaces", 200), "Acme Studio", "Super Admin", "3 of 25", "/workspaces/"+ws+"/leave")
			contains(t, admin.post("/workspaces/"+ws+"/leave", nil, 409).text(), "at least one Super Admin")
			second := strings.TrimPrefix(admin.post("/workspaces", url.Values{"name": {"Side Project"}}, 303).header.Get("Location"), "/w/")
			contains(t, admin.page("/w/"+second, 200), "Side Project", "Acme Studio") // the switcher lists both
			admin.post("/workspaces/"+ws+"/switch", nil, 303)
			if got := admin.do("GET", "/", nil).want(t, 303).header.Get("Location"); got != base {
				t.Fatalf("after switching, home opens %q", got)
			}
			creator.post("/workspaces/"+ws+"/leave", nil, 303)
			contains(t, creator.page("/workspaces", 200), "You left the workspace.")
			creator.page(base, 404)
		})
	})
}
