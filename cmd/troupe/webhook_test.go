package main

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"troupe/internal/testkit"
)

// hookServer starts servers whose webhooks may reach the test's
// receivers (plain http on loopback unless private is false) and retry
// quickly.
func hookServers(t *testing.T, private bool, fn func(t *testing.T, s *testServer)) {
	for _, e := range testkit.Engines(t) {
		t.Run(e.Name, func(t *testing.T) {
			fn(t, startServerWith(t, e, serverOptions{webhookRetries: []time.Duration{100 * time.Millisecond},
				env: []string{"TROUPE_WEBHOOKS_ALLOW_HTTP", "true", "TROUPE_WEBHOOKS_ALLOW_PRIVATE", fmt.Sprint(private)}}))
		})
	}
}

// Every webhook route, as every kind of caller: Developers and Super
// Admins only.
func TestWebhookAuthorization(t *testing.T) {
	hookServers(t, true, func(t *testing.T, s *testServer) {
		admin, _ := s.signedIn(t, "admin@acme.com")
		ws := admin.do("POST", "/api/v1/workspaces", map[string]string{"name": "Acme"}).want(t, 201).json(t)["id"].(string)
		callers := map[string]*apiClient{"super_admin": admin, "anonymous": s.client(t)}
		for _, role := range []string{"developer", "creator", "viewer"} {
			callers[role], _ = s.member(t, admin, ws, role+"@acme.com", role)
		}
		callers["non_member"], _ = s.signedIn(t, "outsider@other.org")
		r := testkit.StartReceiver(t)
		base := "/api/v1/workspaces/" + ws + "/webhooks"
		created := admin.do("POST", base, map[string]any{"url": r.URL, "events": []string{"item.created"}}).want(t, 201).json(t)
		r.SetSecret(created["secret"].(string))
		hook := base + "/" + created["id"].(string)
		test := admin.do("POST", hook+"/test", nil).want(t, 202).json(t)
		r.WaitFor("webhook.test", nil, 10*time.Second)

		managers := func(status int) map[string]int { return map[string]int{"super_admin": status, "developer": status} }
		routes := []struct {
			method, path string
			body         any
			allowed      map[string]int
		}{
			{"GET", base, nil, managers(200)},
			{"POST", base, map[string]any{"url": r.URL, "events": []string{"comment.created"}}, managers(201)},
			{"GET", hook, nil, managers(200)},
			{"PATCH", hook, map[string]any{"events": []string{"item.created", "item.trashed"}}, managers(200)},
			{"GET", hook + "/deliveries", nil, managers(200)},
			{"POST", hook + "/test", nil, managers(202)},
			{"POST", hook + "/deliveries/" + test["id"].(string) + "/redeliver", nil, managers(202)},
			// The Developer deletes it first; it is then gone for the Super Admin.
			{"DELETE", hook, nil, map[string]int{"developer": 204, "super_admin": 404}},
		}
		order := []string{"anonymous", "non_member", "viewer", "creator", "developer", "super_admin"}
		for _, rt := range routes {
			for _, who := range order {
				t.Run(fmt.Sprintf("%s %s as %s", rt.method, rt.path, who), func(t *testing.T) {
					wantAccess(t, callers[who].do(rt.method, rt.path, rt.body), who, rt.allowed)
				})
			}
		}
	})
}

// Over HTTP: the secret is shown once, a member joining and a folder
// made arrive signed at a real receiver, and the delivery log says so.
func TestWebhookDeliveredOverHTTP(t *testing.T) {
	hookServers(t, true, func(t *testing.T, s *testServer) {
		admin, _ := s.signedIn(t, "admin@acme.com")
		ws := admin.do("POST", "/api/v1/workspaces", map[string]string{"name": "Acme"}).want(t, 201).json(t)["id"].(string)
		dev, _ := s.member(t, admin, ws, "dev@acme.com", "developer")
		r := testkit.StartReceiver(t)
		base := "/api/v1/workspaces/" + ws + "/webhooks"
		created := dev.do("POST", base, map[string]any{"url": r.URL, "events": []string{"member.joined", "item.created"}}).want(t, 201).json(t)
		secret, _ := created["secret"].(string)
		if !strings.HasPrefix(secret, "whsec_") || created["enabled"] != true {
			t.Fatalf("created %v", created)
		}
		r.SetSecret(secret)
		hook := base + "/" + created["id"].(string)
		if got := dev.do("GET", hook, nil).want(t, 200).json(t); got["secret"] != nil {
			t.Fatalf("the secret is shown again: %v", got)
		}
		_, joinerID := s.member(t, admin, ws, "joiner@acme.com", "viewer")
		ev := r.WaitFor("member.joined", func(ev testkit.WebhookEvent) bool { return ev.Data["user_id"] == joinerID }, 10*time.Second)
		if ev.WorkspaceID != ws || ev.Data["email"] != "joiner@acme.com" {
			t.Fatalf("member.joined %+v", ev)
		}
		folder := dev.do("POST", "/api/v1/workspaces/"+ws+"/folders", map[string]string{"name": "Hooks"}).want(t, 201).json(t)
		r.WaitFor("item.created", func(ev testkit.WebhookEvent) bool { return ev.Data["id"] == folder["id"] }, 10*time.Second)
		if _, bad := r.Requests(); bad != 0 {
			t.Fatalf("%d badly signed requests", bad)
		}
		deadline := time.Now().Add(10 * time.Second)
		for {
			items := dev.do("GET", hook+"/deliveries", nil).want(t, 200).json(t)["items"].([]any)
			done := len(items) == 2
			for _, it := range items {
				done = done && it.(map[string]any)["status"] == "succeeded"
			}
			if done {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("deliveries %v", items)
			}
			time.Sleep(50 * time.Millisecond)
		}
	})
}

// Without TROUPE_WEBHOOKS_ALLOW_PRIVATE, an endpoint on loopback (by
// address or by a name resolving to it) is never reached, and the log
// says why.
func TestWebhookRefusesPrivateAddresses(t *testing.T) {
	hookServers(t, false, func(t *testing.T, s *testServer) {
		admin, _ := s.signedIn(t, "admin@acme.com")
		ws := admin.do("POST", "/api/v1/workspaces", map[string]string{"name": "Acme"}).want(t, 201).json(t)["id"].(string)
		r := testkit.StartReceiver(t)
		port := r.URL[strings.LastIndex(r.URL, ":"):]
		base := "/api/v1/workspaces/" + ws + "/webhooks"
		for _, u := range []string{r.URL, "http://localhost" + port, "http://169.254.169.254/latest/meta-data/"} {
			hook := base + "/" + idOf(t, admin.do("POST", base, map[string]any{"url": u, "events": []string{"item.created"}}).want(t, 201))
			admin.do("POST", hook+"/test", nil).want(t, 202)
			deadline := time.Now().Add(10 * time.Second)
			for {
				items := admin.do("GET", hook+"/deliveries", nil).want(t, 200).json(t)["items"].([]any)
				d := items[0].(map[string]any)
				if d["status"] == "failed" {
					if !strings.Contains(d["error"].(string), "not public") {
						t.Fatalf("%s: delivery %v", u, d)
					}
					break
				}
				if time.Now().After(deadline) {
					t.Fatalf("%s: delivery %v", u, d)
				}
				time.Sleep(50 * time.Millisecond)
			}
		}
		if n, _ := r.Requests(); n != 0 {
			t.Fatalf("the receiver was reached %d times", n)
		}
	})
}
