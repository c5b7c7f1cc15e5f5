package main

import (
	"net/url"
	"regexp"
	"strings"
	"testing"
)

// find returns the first submatch of pattern in body.
func find(t *testing.T, body, pattern string) string {
	t.Helper()
	m := regexp.MustCompile(pattern).FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("page lacks a match for %s", pattern)
	}
	return m[1]
}

// login signs in an existing account made by signedIn.
func (s *testServer) login(t *testing.T, email string) *apiClient {
	t.Helper()
	c := s.client(t)
	c.do("POST", "/api/v1/auth/login", map[string]string{"email": email, "password": "correct horse 1"}).want(t, 200)
	return c
}

// where returns where a response redirects.
func (r response) where() string { return r.header.Get("Location") }

// Invite links, suggestions, discovery, join requests, notifications,
// API tokens and one's own invitations work as plain forms.
func TestMembershipPagesAsPlainForms(t *testing.T) {
	forEngine(t, func(t *testing.T, s *testServer) {
		admin, _ := s.signedIn(t, "admin@acme.com")
		base := admin.post("/workspaces", url.Values{"name": {"Acme Studio"}}, 303).where()
		ws := strings.TrimPrefix(base, "/w/")
		joinPath := func(body string) string { return find(t, body, `value="http://[^"]+(/join/[A-Za-z0-9_-]+)"`) }

		t.Run("invite link: create, use, reset, disable, delete", func(t *testing.T) {
			contains(t, admin.page(base+"/members", 200), "Create invite link", `name="max_uses"`)
			contains(t, admin.post(base+"/invite-link", url.Values{"role": {"creator"}, "max_uses": {"0"}}, 422).text(), "Choose between 1 and 100,000 uses.")
			contains(t, admin.post(base+"/invite-link", url.Values{"role": {"creator"}, "expires_at": {"2001-01-01"}}, 422).text(), "Choose a day after today.")
			if got := admin.post(base+"/invite-link", url.Values{"role": {"creator"}, "max_uses": {"5"}}, 303).where(); got != base+"/members#invite-link" {
				t.Fatalf("after creating the link: %q", got)
			}
			body := admin.page(base+"/members", 200)
			contains(t, body, "Invite link created.", "data-copy=\"f-link-url\"", "Joins as Creator", "0 of 5 uses")
			link := joinPath(body)
			// The link stays there to copy, on every visit.
			later := admin.page(base+"/members", 200)
			contains(t, later, link, "Anyone with this link can join")

			contains(t, s.client(t).page(link, 200), "Sign in to join", "/login?next="+link)
			dave, _ := s.signedIn(t, "dave@elsewhere.org")
			contains(t, dave.page(link, 200), "Join workspace", "dave@elsewhere.org")
			if got := dave.post(link, nil, 303).where(); got != base {
				t.Fatalf("after joining by link: %q", got)
			}
			contains(t, dave.page(base, 200), "Welcome! You joined the workspace.", "you are Creator")
			contains(t, admin.page(base+"/members", 200), "1 of 5 uses")

			admin.post(base+"/invite-link/reset", nil, 303)
			body = admin.page(base+"/members", 200)
			contains(t, body, "New invite link ready.")
			fresh := joinPath(body)
			if fresh == link {
				t.Fatal("reset kept the same link")
			}
			erin, _ := s.signedIn(t, "erin@elsewhere.org")
			contains(t, erin.post(link, nil, 410).text(), "You couldn", "This invite link doesn&#39;t work any more.")

			form := url.Values{"toggle": {"1"}, "role": {"creator"}, "max_uses": {"5"}, "enabled": {"false"}}
			admin.post(base+"/invite-link", form, 303)
			contains(t, admin.page(base+"/members", 200), "Invite link disabled.", ">Enable</button>")
			erin.post(fresh, nil, 410)
			form.Set("enabled", "true")
			admin.post(base+"/invite-link", form, 303)
			contains(t, admin.page(base+"/members", 200), "Invite link enabled.")
			admin.post(base+"/invite-link/delete", nil, 303)
			contains(t, admin.page(base+"/members", 200), "Invite link deleted.", "Create invite link")
		})

		// From here on the workspace asks for approval and claims acme.com.
		admin.post(base+"/settings", url.Values{"join_policy": {"request"}, "who_can_invite": {"admins"}, "invite_link_policy": {"admins"}}, 303)
		admin.post(base+"/settings/domains", url.Values{"domain": {"acme.com"}}, 303)
		s.verifyDomain(t, admin, base, "acme.com")

		t.Run("suggestions invite in one click", func(t *testing.T) {
			s.signedIn(t, "sam@acme.com")
			body := admin.page(base+"/members", 200)
			contains(t, body, "People from acme.com on Troupe", `data-suggest="sam@acme.com"`, `aria-label="Invite sam as Viewer"`)
			body = admin.post(base+"/members/invite", url.Values{"emails": {"sam@acme.com"}, "role": {"viewer"}}, 200).text()
			contains(t, body, "Invitation sent to 1 person", "1 invitation pending")
			lacks(t, body, `data-suggest="sam@acme.com"`)
		})

		bob, _ := s.signedIn(t, "bob@acme.com")
		carol, _ := s.signedIn(t, "carol@acme.com")

		t.Run("find your team and ask to join", func(t *testing.T) {
			body := bob.page("/discover", 200)
			contains(t, body, "Find your team", "Acme Studio", "Ask to join", "/discover/"+ws+"/join")
			if got := bob.post("/discover/"+ws+"/join", nil, 303).where(); got != "/discover" {
				t.Fatalf("after asking: %q", got)
			}
			contains(t, bob.page("/discover", 200), "Request sent. A Super Admin will review it.", "badge-blue")
			contains(t, bob.post("/discover/"+ws+"/join", nil, 409).text(), "already waiting for approval")

			// Carol asks through the invite link: under `request` it files a request.
			admin.post(base+"/invite-link", url.Values{"role": {"viewer"}}, 303)
			link := joinPath(admin.page(base+"/members", 200))
			if got := carol.post(link, nil, 303).where(); got != link+"?sent=1" {
				t.Fatalf("after asking by link: %q", got)
			}
			contains(t, carol.page(link+"?sent=1", 200), "Request sent")
			lone, _ := s.signedIn(t, "lone@solo.org")
			contains(t, lone.page("/discover", 200), "No workspace to join yet")
		})

		t.Run("approve from the members page, deny from the notifications page", func(t *testing.T) {
			home := admin.page(base, 200)
			contains(t, home, `data-unread-count>2<`, "bob (bob@acme.com) asked to join Acme Studio")
			requested := admin.page(base+"/members?status=requested", 200)
			contains(t, requested, `data-request="bob@acme.com"`, `data-request="carol@acme.com"`, "Requested")
			bobReq := find(t, requested[strings.Index(requested, `data-request="bob@acme.com"`):], `/join-requests/([^/]+)/approve`)
			back := base + "/members?status=requested"
			if got := admin.post(base+"/join-requests/"+bobReq+"/approve", url.Values{"role": {"developer"}, "back": {back}}, 303).where(); got != back {
				t.Fatalf("after approving: %q", got)
			}
			contains(t, admin.page(base+"/members?status=active&q=bob", 200), `data-email="bob@acme.com"`, "badge-green", `<option value="developer" selected>`)
			contains(t, bob.page("/notifications", 200), "Your request to join Acme Studio was approved")

			notes := admin.page("/notifications", 200)
			contains(t, notes, "carol (carol@acme.com) asked to join Acme Studio")
			carolReq := find(t, notes, `/join-requests/([^/]+)/deny`)
			if got := admin.post(base+"/join-requests/"+carolReq+"/deny", url.Values{"back": {"/notifications"}}, 303).where(); got != "/notifications" {
				t.Fatalf("after denying: %q", got)
			}
			contains(t, admin.page("/notifications", 200), "Request denied.")
			contains(t, admin.post(base+"/join-requests/"+bobReq+"/approve", url.Values{"role": {"viewer"}, "back": {"/notifications"}}, 409).text(), "This was already done.", "Notifications")
			contains(t, carol.page("/notifications", 200), "Your request to join Acme Studio was declined")
			lacks(t, admin.page(base+"/members?status=requested", 200), `data-request="carol@acme.com"`)
		})

		t.Run("notifications: open marks read, mark all as read", func(t *testing.T) {
			carol.post("/discover/"+ws+"/join", nil, 429) // a denied user waits 24 hours
			body := bob.page("/notifications", 200)
			id := find(t, body, `action="/notifications/([^/]+)/read"`)
			if got := bob.post("/notifications/"+id+"/read", url.Values{"back": {base}}, 303).where(); got != base {
				t.Fatalf("opening a notification leads to %q", got)
			}
			contains(t, bob.page("/notifications", 200), "Everything is read.")
			admin.post(base+"/members/invite", url.Values{"emails": {"newbie@acme.com"}, "role": {"viewer"}}, 200)
			s.signedIn(t, "dan@acme.com")
			dan, _ := s.signedIn(t, "dana@acme.com")
			dan.post("/discover/"+ws+"/join", nil, 303)
			contains(t, admin.page("/notifications", 200), "1 unread notification")
			if got := admin.post("/notifications/read-all", url.Values{"back": {"/notifications"}}, 303).where(); got != "/notifications" {
				t.Fatalf("after marking all read: %q", got)
			}
			body = admin.page("/notifications", 200)
			contains(t, body, "All notifications marked as read.", "Everything is read.")
			lacks(t, body, `class="notif unread"`)
		})

		t.Run("API tokens: created once, listed, revoked", func(t *testing.T) {
			contains(t, admin.page(base+"/settings/api-tokens", 200), "No tokens yet.", "API tokens")
			contains(t, admin.post(base+"/settings/api-tokens", url.Values{"name": {" "}}, 422).text(), "Name the token in at most 80 characters.")
			body := admin.post(base+"/settings/api-tokens", url.Values{"name": {"CI uploads"}}, 200).text()
			contains(t, body, "you will not see it again", `data-copy="f-token-secret"`)
			secret := find(t, body, `value="(trp_[A-Za-z0-9_-]+)"`)
			s.withToken(t, secret).do("GET", "/api/v1/workspaces/"+ws, nil).want(t, 200)
			list := admin.page(base+"/settings/api-tokens", 200)
			contains(t, list, `data-token="CI uploads"`, secret[:10]+"…", "Yours")
			lacks(t, list, secret)

			contains(t, bob.page(base, 200), base+"/settings/api-tokens") // Developers reach it from the sidebar
			bob.post(base+"/settings/api-tokens", url.Values{"name": {"bob script"}}, 200)
			contains(t, admin.page(base+"/settings/api-tokens", 200), `data-token="bob script"`, "Belongs to bob")
			lacks(t, bob.page(base+"/settings/api-tokens", 200), `data-token="CI uploads"`)

			id := find(t, list, `/api-tokens/([^/]+)/revoke`)
			admin.post(base+"/settings/api-tokens/"+id+"/revoke", nil, 303)
			contains(t, admin.page(base+"/settings/api-tokens", 200), "API token revoked.")
			s.withToken(t, secret).do("GET", "/api/v1/workspaces/"+ws, nil).want(t, 401)
			contains(t, s.login(t, "dave@elsewhere.org").page(base+"/settings/api-tokens", 403), "You are not allowed to do this.")
		})

		t.Run("home: accept and decline one's invitations", func(t *testing.T) {
			sam := s.login(t, "sam@acme.com")
			home := sam.page("/", 200)
			contains(t, home, "Invitations waiting for you", "Acme Studio", "Accept and join")
			id := find(t, home, `/my-invitations/([^/]+)/accept`)
			if got := sam.post("/my-invitations/"+id+"/accept", nil, 303).where(); got != base {
				t.Fatalf("after accepting: %q", got)
			}
			contains(t, sam.page(base, 200), "Welcome! You joined the workspace.", "you are Viewer")

			zoe, _ := s.signedIn(t, "zoe@acme.com")
			admin.post(base+"/members/invite", url.Values{"emails": {"zoe@acme.com"}, "role": {"creator"}}, 200)
			id = find(t, zoe.page("/", 200), `/my-invitations/([^/]+)/decline`)
			if got := zoe.post("/my-invitations/"+id+"/decline", nil, 303).where(); got != "/" {
				t.Fatalf("after declining: %q", got)
			}
			contains(t, zoe.page("/", 200), "You declined the invitation.")
			zoe.post("/my-invitations/"+id+"/accept", nil, 410)
		})

		t.Run("invitation page previews the invitation or says why it fails", func(t *testing.T) {
			admin.post(base+"/members/invite", url.Values{"emails": {"yan@acme.com"}, "role": {"creator"}}, 200)
			token := s.invitationToken(t, "yan@acme.com")
			body := s.client(t).page("/invitations/"+token, 200)
			contains(t, body, "admin invited you to Acme Studio as Creator", `value="yan@acme.com" readonly`, "Create account and join")
			admin.post(base+"/invitations/"+find(t, admin.page(base+"/members?q=yan", 200), `/invitations/([^/]+)/revoke`)+"/revoke", nil, 303)
			body = s.client(t).page("/invitations/"+token, 410)
			contains(t, body, "This invitation can&#39;t be used any more")
			lacks(t, body, "Create account and join")
			contains(t, s.client(t).page("/invitations/"+strings.Repeat("x", 43), 404), "We don&#39;t know this invitation")
		})
	})
}
