package main

import (
	"bufio"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"troupe/internal/testkit"
)

func TestInviteLink(t *testing.T) {
	forEngine(t, func(t *testing.T, s *testServer) {
		admin, _ := s.signedIn(t, "admin@acme.com")
		ws := admin.do("POST", "/api/v1/workspaces", map[string]string{"name": "Acme"}).want(t, 201).json(t)["id"].(string)
		base := "/api/v1/workspaces/" + ws + "/invite-link"
		admin.do("GET", base, nil).want(t, 404, "not_found")
		admin.do("PUT", base, map[string]any{"role": "super_admin"}).want(t, 422, "validation_failed")
		link := admin.do("PUT", base, map[string]any{"role": "creator", "max_uses": 2}).want(t, 200).json(t)
		token := link["token"].(string)
		if !strings.HasSuffix(link["url"].(string), "/join/"+token) {
			t.Fatalf("url %v", link["url"])
		}
		if got := admin.do("GET", base, nil).want(t, 200).json(t); got["url"] != link["url"] || got["url_status"] != "available" || got["role"] != "creator" {
			t.Fatalf("the manager gets the current link again: %v", got)
		}

		ann, _ := s.signedIn(t, "ann@example.org")
		res := ann.do("POST", "/api/v1/join/"+token, nil).want(t, 200).json(t)
		if res["result"] != "joined" || res["workspace_id"] != ws {
			t.Fatalf("%v", res)
		}
		ann.do("POST", "/api/v1/join/"+token, nil).want(t, 409, "already_member")
		ann.do("GET", "/api/v1/workspaces/"+ws, nil).want(t, 200)

		bob, _ := s.signedIn(t, "bob@example.org")
		bob.do("POST", "/api/v1/join/"+token, nil).want(t, 200)
		cat, _ := s.signedIn(t, "cat@example.org")
		cat.do("POST", "/api/v1/join/"+token, nil).want(t, 410, "invite_link_invalid") // past its maximum uses

		fresh := admin.do("POST", base+"/reset", nil).want(t, 200).json(t)["token"].(string)
		admin.do("PUT", base, map[string]any{"role": "viewer"}).want(t, 200)
		cat.do("POST", "/api/v1/join/"+token, nil).want(t, 410, "invite_link_invalid") // the old link died
		admin.do("PATCH", "/api/v1/workspaces/"+ws, map[string]string{"join_policy": "request"}).want(t, 200)
		// A request shows its address to the Super Admins, so it needs
		// the address verified; signing up signed this account in.
		unverified := s.client(t)
		unverified.do("POST", "/api/v1/auth/signup", map[string]string{"email": "unv@example.org", "password": "correct horse 1", "name": "U"}).want(t, 201)
		unverified.do("POST", "/api/v1/join/"+fresh, nil).want(t, 403, "email_unverified")
		res = cat.do("POST", "/api/v1/join/"+fresh, nil).want(t, 200).json(t)
		if res["result"] != "requested" {
			t.Fatalf("under the request policy a link join is a request: %v", res)
		}
		admin.do("DELETE", base, nil).want(t, 204)
		cat.do("POST", "/api/v1/join/"+fresh, nil).want(t, 410, "invite_link_invalid")
		cat.do("POST", "/api/v1/join/not-a-token", nil).want(t, 410, "invite_link_invalid")
	})
}

func TestDomainsDiscoveryAndJoinRequests(t *testing.T) {
	forEngine(t, func(t *testing.T, s *testServer) {
		admin, _ := s.signedIn(t, "admin@acme.com")
		ws := admin.do("POST", "/api/v1/workspaces", map[string]string{"name": "Acme"}).want(t, 201).json(t)["id"].(string)
		wsPath := "/api/v1/workspaces/" + ws
		p := admin.do("PATCH", wsPath, map[string]any{"domains": []string{"gmail.com"}}).want(t, 422).json(t)
		if !strings.Contains(string(mustJSON(p["errors"])), "public_domain") {
			t.Fatalf("%v", p)
		}
		admin.do("PATCH", wsPath, map[string]any{"domains": []string{"other.com"}}).want(t, 422, "validation_failed")
		admin.do("PATCH", wsPath, map[string]any{"domains": []string{"acme.com"}, "join_policy": "request"}).want(t, 200)
		s.verifyDomain(t, admin, ws, "acme.com")

		gmail, _ := s.signedIn(t, "someone@gmail.com")
		if items := gmail.do("GET", "/api/v1/discover", nil).want(t, 200).json(t)["items"].([]any); len(items) != 0 {
			t.Fatal("public-domain users discover nothing")
		}

		bob, _ := s.signedIn(t, "bob@acme.com")
		sugg := admin.do("GET", wsPath+"/suggestions", nil).want(t, 200).json(t)["items"].([]any)
		if len(sugg) != 1 || sugg[0].(map[string]any)["email"] != "bob@acme.com" {
			t.Fatalf("suggestions %v", sugg)
		}
		found := bob.do("GET", "/api/v1/discover", nil).want(t, 200).json(t)["items"].([]any)
		if len(found) != 1 || found[0].(map[string]any)["id"] != ws {
			t.Fatalf("discover %v", found)
		}

		// The admin's panel updates live when the request arrives.
		events := openStream(t, s, admin)
		if got := <-events; got != `{"unread":0}` {
			t.Fatalf("first event %q", got)
		}
		res := bob.do("POST", wsPath+"/join", nil).want(t, 200).json(t)
		if res["result"] != "requested" {
			t.Fatalf("%v", res)
		}
		select {
		case got := <-events:
			if got != `{"unread":1}` {
				t.Fatalf("event %q", got)
			}
		case <-time.After(10 * time.Second):
			t.Fatal("no live update within 10s")
		}
		bob.do("POST", wsPath+"/join", nil).want(t, 409, "request_pending")
		if sugg := admin.do("GET", wsPath+"/suggestions", nil).want(t, 200).json(t)["items"].([]any); len(sugg) != 0 {
			t.Fatalf("someone with a pending request is no suggestion: %v", sugg)
		}
		if m := s.mail.WaitFor(t, "admin@acme.com", 10*time.Second); !strings.Contains(m.Subject, "asks to join Acme") {
			t.Fatalf("admin mail %q", m.Subject)
		}

		notes := admin.do("GET", "/api/v1/notifications", nil).want(t, 200).json(t)
		note := notes["items"].([]any)[0].(map[string]any)
		if notes["unread"] != float64(1) || note["kind"] != "join_request" {
			t.Fatalf("%v", notes)
		}
		reqID := note["subject_id"].(string)
		reqs := admin.do("GET", wsPath+"/join-requests", nil).want(t, 200).json(t)["items"].([]any)
		if len(reqs) != 1 || reqs[0].(map[string]any)["id"] != reqID {
			t.Fatalf("%v", reqs)
		}
		rows := admin.do("GET", wsPath+"/members?status=requested", nil).want(t, 200).json(t)["items"].([]any)
		if len(rows) != 1 || rows[0].(map[string]any)["join_request_id"] != reqID || rows[0].(map[string]any)["status"] != "requested" {
			t.Fatalf("members view of requests: %v", rows)
		}
		all := admin.do("GET", wsPath+"/members", nil).want(t, 200).json(t)["items"].([]any)
		if len(all) != 2 {
			t.Fatalf("the members view lists the admin and the request: %v", all)
		}
		admin.do("POST", wsPath+"/join-requests/"+reqID+"/approve", map[string]string{"role": "super_admin"}).want(t, 403, "forbidden")
		admin.do("POST", wsPath+"/join-requests/"+reqID+"/approve", map[string]string{"role": "viewer"}).want(t, 204)
		admin.do("POST", wsPath+"/join-requests/"+reqID+"/approve", map[string]string{"role": "viewer"}).want(t, 409, "conflict")
		if got := admin.do("GET", "/api/v1/notifications", nil).want(t, 200).json(t)["unread"]; got != float64(0) {
			t.Fatalf("the decided request still counts as unread: %v", got)
		}
		me := bob.do("GET", wsPath, nil).want(t, 200).json(t)
		if me["role"] != "viewer" {
			t.Fatalf("%v", me)
		}
		bobNotes := bob.do("GET", "/api/v1/notifications", nil).want(t, 200).json(t)
		if bobNotes["items"].([]any)[0].(map[string]any)["kind"] != "request_approved" {
			t.Fatalf("%v", bobNotes)
		}
		bob.do("POST", "/api/v1/notifications/read-all", nil).want(t, 204)
		if got := bob.do("GET", "/api/v1/notifications", nil).want(t, 200).json(t)["unread"]; got != float64(0) {
			t.Fatalf("%v", got)
		}

		t.Run("a removed Super Admin no longer sees the workspace's requests", func(t *testing.T) {
			other, otherID := s.member(t, admin, ws, "second@acme.com", "viewer")
			admin.do("PATCH", wsPath+"/members/"+otherID, map[string]string{"role": "super_admin"}).want(t, 200)
			dora, _ := s.signedIn(t, "dora@acme.com")
			dora.do("POST", wsPath+"/join", nil).want(t, 200)
			if got := other.do("GET", "/api/v1/notifications", nil).want(t, 200).json(t); got["unread"] == float64(0) {
				t.Fatalf("the second admin was not told: %v", got)
			}
			admin.do("DELETE", wsPath+"/members/"+otherID, nil).want(t, 204)
			got := other.do("GET", "/api/v1/notifications", nil).want(t, 200).json(t)
			for _, n := range got["items"].([]any) {
				if n.(map[string]any)["kind"] == "join_request" {
					t.Fatalf("a removed member still sees a join request: %v", n)
				}
			}
			if got["unread"] != float64(1) { // only their own "role changed"
				t.Fatalf("unread %v", got["unread"])
			}
			reqs := admin.do("GET", wsPath+"/join-requests", nil).want(t, 200).json(t)["items"].([]any)
			admin.do("POST", wsPath+"/join-requests/"+reqs[0].(map[string]any)["id"].(string)+"/approve", map[string]string{"role": "viewer"}).want(t, 204)
		})

		carol, _ := s.signedIn(t, "carol@acme.com")
		carol.do("POST", wsPath+"/join", nil).want(t, 200)
		reqs = admin.do("GET", wsPath+"/join-requests", nil).want(t, 200).json(t)["items"].([]any)
		admin.do("POST", wsPath+"/join-requests/"+reqs[0].(map[string]any)["id"].(string)+"/deny", nil).want(t, 204)
		r := carol.do("POST", wsPath+"/join", nil).want(t, 429, "rate_limited")
		if r.header.Get("Retry-After") == "" {
			t.Fatal("no Retry-After after a denial")
		}

		admin.do("PATCH", wsPath, map[string]string{"join_policy": "domain"}).want(t, 200)
		dan, _ := s.signedIn(t, "dan@acme.com")
		if res := dan.do("POST", wsPath+"/join", nil).want(t, 200).json(t); res["result"] != "joined" {
			t.Fatalf("%v", res)
		}
		admin.do("PATCH", wsPath, map[string]string{"join_policy": "invite_only"}).want(t, 200)
		eve, _ := s.signedIn(t, "eve@acme.com")
		eve.do("POST", wsPath+"/join", nil).want(t, 404, "not_found")
	})
}

func TestAPITokens(t *testing.T) {
	forEngine(t, func(t *testing.T, s *testServer) {
		admin, _ := s.signedIn(t, "admin@acme.com")
		ws := admin.do("POST", "/api/v1/workspaces", map[string]string{"name": "Acme"}).want(t, 201).json(t)["id"].(string)
		other := admin.do("POST", "/api/v1/workspaces", map[string]string{"name": "Other"}).want(t, 201).json(t)["id"].(string)
		wsPath := "/api/v1/workspaces/" + ws
		dev, devID := s.member(t, admin, wsPath[len("/api/v1/workspaces/"):], "dev@acme.com", "developer")
		created := dev.do("POST", wsPath+"/api-tokens", map[string]string{"name": "CI"}).want(t, 201).json(t)
		token := created["token"].(string)
		if !strings.HasPrefix(token, "trp_") || !strings.HasPrefix(token, created["prefix"].(string)) {
			t.Fatalf("%v", created)
		}
		listed := dev.do("GET", wsPath+"/api-tokens", nil).want(t, 200).json(t)["items"].([]any)[0].(map[string]any)
		if _, shown := listed["token"]; shown {
			t.Fatal("a listed token shows its secret")
		}
		bearer := s.withToken(t, token)
		bearer.do("GET", wsPath, nil).want(t, 200)
		bearer.do("GET", "/api/v1/me", nil).want(t, 200)
		if items := bearer.do("GET", "/api/v1/workspaces", nil).want(t, 200).json(t)["items"].([]any); len(items) != 1 {
			t.Fatalf("a token sees only its workspace: %v", items)
		}
		bearer.do("GET", "/api/v1/workspaces/"+other, nil).want(t, 404, "not_found")
		s.withToken(t, "trp_garbage").do("GET", "/api/v1/me", nil).want(t, 401, "unauthenticated")
		s.withToken(t, token+"x").do("GET", "/api/v1/me", nil).want(t, 401, "unauthenticated")

		// A token acts only in its workspace, never on the account itself.
		bearer.do("PATCH", "/api/v1/me", map[string]string{"name": "Hijacked"}).want(t, 403, "forbidden")
		bearer.do("GET", "/api/v1/notifications", nil).want(t, 403, "forbidden")
		bearer.do("GET", "/api/v1/invitations", nil).want(t, 403, "forbidden")
		bearer.do("GET", "/api/v1/discover", nil).want(t, 403, "forbidden")
		bearer.do("POST", "/api/v1/workspaces", map[string]string{"name": "Sneaky"}).want(t, 403, "forbidden")
		if n := len(admin.do("GET", "/api/v1/workspaces", nil).want(t, 200).json(t)["items"].([]any)); n != 2 {
			t.Fatalf("the admin has %d workspaces, want 2", n)
		}

		dev.do("DELETE", wsPath+"/api-tokens/"+created["id"].(string), nil).want(t, 204)
		bearer.do("GET", wsPath, nil).want(t, 401, "unauthenticated")

		// Dropping below Developer kills tokens for good.
		again := dev.do("POST", wsPath+"/api-tokens", map[string]string{"name": "CI again"}).want(t, 201).json(t)["token"].(string)
		admin.do("PATCH", wsPath+"/members/"+devID, map[string]string{"role": "creator"}).want(t, 200)
		s.withToken(t, again).do("GET", wsPath, nil).want(t, 401, "unauthenticated")
		admin.do("PATCH", wsPath+"/members/"+devID, map[string]string{"role": "developer"}).want(t, 200)
		s.withToken(t, again).do("GET", wsPath, nil).want(t, 401, "unauthenticated")

		second := dev.do("POST", wsPath+"/api-tokens", map[string]string{"name": "CI 2"}).want(t, 201).json(t)["token"].(string)
		admin.do("DELETE", wsPath+"/members/"+devID, nil).want(t, 204)
		s.withToken(t, second).do("GET", "/api/v1/me", nil).want(t, 401, "unauthenticated")
	})
}

// openStream reads the notification stream's "unread" events.
func openStream(t *testing.T, s *testServer, c *apiClient) <-chan string {
	t.Helper()
	req, _ := http.NewRequest("GET", s.url+"/api/v1/notifications/stream", nil)
	stream := &http.Client{Jar: c.http.Jar}
	res, err := stream.Do(req)
	if err != nil || res.StatusCode != 200 || res.Header.Get("Content-Type") != "text/event-stream" {
		t.Fatalf("stream: %v %v", res, err)
	}
	t.Cleanup(func() { res.Body.Close() })
	out := make(chan string, 16)
	go func() {
		sc := bufio.NewScanner(res.Body)
		for sc.Scan() {
			if data, ok := strings.CutPrefix(sc.Text(), "data: "); ok {
				out <- data
			}
		}
	}()
	return out
}

func TestMembershipBadInput(t *testing.T) {
	forEngine(t, func(t *testing.T, s *testServer) {
		admin, _ := s.signedIn(t, "admin@acme.com")
		ws := admin.do("POST", "/api/v1/workspaces", map[string]string{"name": "Acme"}).want(t, 201).json(t)["id"].(string)
		base := "/api/v1/workspaces/" + ws
		dev, devID := s.member(t, admin, ws, "dev@acme.com", "developer")
		before := admin.do("GET", base+"/members", nil).want(t, 200).body

		admin.do("POST", base+"/invitations", map[string]any{"emails": []string{"x@acme.com"}, "role": "owner"}).want(t, 422, "validation_failed")
		admin.do("POST", base+"/invitations", map[string]any{"emails": []string{}, "role": "viewer"}).want(t, 422, "validation_failed")
		many := make([]string, 101)
		for i := range many {
			many[i] = fmt.Sprintf("p%d@acme.com", i)
		}
		admin.do("POST", base+"/invitations", map[string]any{"emails": many, "role": "viewer"}).want(t, 422, "validation_failed")
		admin.do("PATCH", base+"/members/"+devID, map[string]string{"role": "boss"}).want(t, 422, "validation_failed")
		dev.do("PATCH", base+"/members/"+devID, map[string]string{"role": "super_admin"}).want(t, 403, "forbidden") // self-promotion
		admin.do("PUT", base+"/subscription", map[string]any{"plan": "Team", "seats": 0}).want(t, 422, "validation_failed")
		admin.do("PATCH", base, map[string]any{"default_access": "everyone"}).want(t, 422, "validation_failed")
		admin.do("GET", base+"/members?cursor=!!!", nil).want(t, 422, "validation_failed")
		admin.do("GET", base+"/members?limit=abc", nil).want(t, 422, "validation_failed")
		admin.do("GET", base+"/audit-log?since=yesterday", nil).want(t, 422, "validation_failed")

		if after := admin.do("GET", base+"/members", nil).want(t, 200).body; string(after) != string(before) {
			t.Fatalf("refused requests changed the members:\n%s\n%s", before, after)
		}
		me := dev.do("GET", base, nil).want(t, 200).json(t)
		if me["role"] != "developer" {
			t.Fatalf("role %v", me["role"])
		}

		t.Run("invitations are limited per inviter", func(t *testing.T) {
			admin.do("PATCH", base, map[string]string{"who_can_invite": "everyone"}).want(t, 200)
			var res response
			for round := range 4 {
				batch := make([]string, 100)
				for i := range batch {
					batch[i] = fmt.Sprintf("r%d-%d@acme.com", round, i)
				}
				res = dev.do("POST", base+"/invitations", map[string]any{"emails": batch, "role": "viewer"})
			}
			res.want(t, 429, "rate_limited")
		})
	})
}

// The workspace pages speak French to a French browser, every string
// coming from the catalog.
func TestWorkspacePagesInFrench(t *testing.T) {
	forEngine(t, func(t *testing.T, s *testServer) {
		admin, _ := s.signedIn(t, "admin@acme.com")
		ws := admin.do("POST", "/api/v1/workspaces", map[string]string{"name": "Acme"}).want(t, 201).json(t)["id"].(string)
		fr := []string{"Accept-Language", "fr-FR,fr;q=0.9"}
		for _, path := range []string{"/w/" + ws + "/members", "/w/" + ws + "/settings", "/w/" + ws + "/settings/seats",
			"/w/" + ws + "/audit", "/w/" + ws + "/settings/api-tokens", "/workspaces", "/notifications", "/discover"} {
			page := string(admin.do("GET", path, nil, fr...).want(t, 200).body)
			if !strings.Contains(page, `<html lang="fr">`) {
				t.Errorf("%s is not in French", path)
			}
			// A catalog key left untranslated would show as "area.key".
			for _, leak := range []string{"members.", "settings.", "nav.", "notifications.", "audit.", "tokens."} {
				if strings.Contains(page, ">"+leak) {
					t.Errorf("%s shows a raw catalog key starting %q", path, leak)
				}
			}
		}
		if page := string(admin.do("GET", "/w/"+ws+"/members", nil, fr...).body); !strings.Contains(page, "Membres") {
			t.Error("members page lacks its French title")
		}
	})
}

// Someone new opens an invite link, fills in one form and lands inside the
// workspace, signed in; the verification mail comes back to the link,
// which then takes a member straight inside.
func TestInviteLinkSignupComesBack(t *testing.T) {
	forEngine(t, func(t *testing.T, s *testServer) {
		admin, _ := s.signedIn(t, "admin@acme.com")
		ws := admin.do("POST", "/api/v1/workspaces", map[string]string{"name": "Acme Studio"}).want(t, 201).json(t)["id"].(string)
		token := admin.do("PUT", "/api/v1/workspaces/"+ws+"/invite-link", map[string]any{"role": "creator"}).want(t, 200).json(t)["token"].(string)
		c := s.client(t)
		page := string(c.do("GET", "/join/"+token, nil).want(t, 200).body)
		for _, want := range []string{"Acme Studio", "as Creator", `action="/join/` + token + `/signup"`, `name="password"`, "/login?next=/join/" + token} {
			if !strings.Contains(page, want) {
				t.Fatalf("the link page lacks %q:\n%s", want, page)
			}
		}
		if strings.Count(page, `type="password"`) != 1 {
			t.Fatal("the password is asked more than once")
		}
		c.do("GET", "/join/not-a-token", nil).want(t, 410)
		form := url.Values{"name": {"Nia"}, "email": {"nia@example.org"}, "password": {"short"}}
		contains(t, c.post("/join/"+token+"/signup", form, 422).text(), "Acme Studio", `value="nia@example.org"`)
		form.Set("password", "correct horse 1")
		if got := c.post("/join/"+token+"/signup", form, 303).where(); got != "/w/"+ws {
			t.Fatalf("after the form, %q; want inside the workspace", got)
		}
		me := c.do("GET", "/api/v1/me", nil).want(t, 200).json(t)
		if me["email"] != "nia@example.org" || me["email_verified"] != false {
			t.Fatalf("me %v", me)
		}
		c.do("GET", "/api/v1/workspaces/"+ws, nil).want(t, 200)
		link := s.mail.WaitFor(t, "nia@example.org", 10*time.Second).Link(t, "/verify-email")
		if !strings.Contains(link, "next=%2Fjoin%2F"+token) {
			t.Fatalf("verification link %q forgets where to come back", link)
		}
		// Verified in the same browser: straight back, then inside.
		if got := c.post("/verify-email", url.Values{"token": {testkit.TokenOf(t, link)}, "next": {"/join/" + token}}, 303).where(); got != "/join/"+token {
			t.Fatalf("after verifying, %q", got)
		}
		if got := c.do("GET", "/join/"+token, nil).want(t, 303).header.Get("Location"); got != "/w/"+ws {
			t.Fatalf("a member opening the link again goes to %q", got)
		}
		// In another browser, the page says so and continues through sign-in.
		c.do("POST", "/api/v1/auth/verify-email/resend", nil).want(t, 409, "conflict")
		other := s.client(t)
		other.post("/signup", url.Values{"name": {"Ola"}, "email": {"ola@example.org"}, "password": {"correct horse 1"}, "next": {"/join/" + token}}, 303)
		link = s.mail.WaitFor(t, "ola@example.org", 10*time.Second).Link(t, "/verify-email")
		page = s.client(t).post("/verify-email", url.Values{"token": {testkit.TokenOf(t, link)}, "next": {"/join/" + token}}, 200).text()
		if !strings.Contains(page, `href="/login?next=%2Fjoin%2F`+token+`"`) {
			t.Fatalf("continue does not lead back through sign-in:\n%s", page)
		}
		// A taken address signs nobody in; the page names the address.
		taken := s.client(t)
		contains(t, taken.post("/join/"+token+"/signup", url.Values{"name": {"X"}, "email": {"admin@acme.com"}, "password": {"correct horse 1"}}, 200).text(),
			"Check your email", "admin@acme.com")
		taken.do("GET", "/api/v1/me", nil).want(t, 401, "unauthenticated")
		c.do("POST", "/signup", url.Values{"name": {"Eve"}, "email": {"eve@example.org"}, "password": {"correct horse 1"}, "next": {"https://evil.example"}}).want(t, 303)
		if link := s.mail.WaitFor(t, "eve@example.org", 10*time.Second).Link(t, "/verify-email"); strings.Contains(link, "next=") {
			t.Fatalf("a foreign next survived: %q", link)
		}
	})
}
