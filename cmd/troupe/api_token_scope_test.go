package main

import (
	"net/url"
	"sync/atomic"
	"testing"
	"time"

	"troupe/internal/testkit"
)

// API tokens carry a scope: read for reading, write for changing content,
// admin (Super Admins only) for administering the workspace; one past its
// expiry stops working; one never does more than its owner's role today.
func TestAPITokenScopes(t *testing.T) {
	for _, e := range testkit.Engines(t) {
		t.Run(e.Name, func(t *testing.T) {
			var ahead atomic.Int64
			s := startServerWith(t, e, serverOptions{noTools: true,
				now: func() time.Time { return time.Now().Add(time.Duration(ahead.Load())) }})
			admin, _ := s.signedIn(t, "admin@acme.com")
			ws := admin.do("POST", "/api/v1/workspaces", map[string]string{"name": "Acme"}).want(t, 201).json(t)["id"].(string)
			api := "/api/v1/workspaces/" + ws
			dev, _ := s.member(t, admin, ws, "dev@acme.com", "developer")
			second, secondID := s.member(t, admin, ws, "second@acme.com", "developer")
			admin.do("PATCH", api+"/members/"+secondID, map[string]string{"role": "super_admin"}).want(t, 200)

			token := func(c *apiClient, body map[string]any) (string, map[string]any) {
				t.Helper()
				res := c.do("POST", api+"/api-tokens", body).want(t, 201).json(t)
				return res["token"].(string), res
			}
			read, r := token(admin, map[string]any{"name": "sync", "scope": "read"})
			write, _ := token(admin, map[string]any{"name": "ci", "scope": "write"})
			adminTok, _ := token(admin, map[string]any{"name": "ops", "scope": "admin"})
			legacy, l := token(dev, map[string]any{"name": "old client"})
			if r["scope"] != "read" || r["expires_at"] != nil || l["scope"] != "write" {
				t.Fatalf("tokens: %v %v", r, l)
			}
			dev.do("POST", api+"/api-tokens", map[string]any{"name": "too much", "scope": "admin"}).want(t, 422, "validation_failed")
			dev.do("POST", api+"/api-tokens", map[string]any{"name": "odd", "scope": "root"}).want(t, 422, "validation_failed")
			admin.do("POST", api+"/api-tokens", map[string]any{"name": "past", "expires_at": time.Now().Add(-time.Hour)}).want(t, 422, "validation_failed")

			as := func(tok string) *apiClient { return s.withToken(t, tok) }
			// Reading: every scope.
			for _, tok := range []string{read, write, adminTok, legacy} {
				as(tok).do("GET", api+"/items", nil).want(t, 200)
			}
			// Changing content: write and admin.
			as(read).do("POST", api+"/folders", map[string]string{"name": "Nope"}).want(t, 403, "insufficient_scope")
			as(write).do("POST", api+"/folders", map[string]string{"name": "Cuts"}).want(t, 201)
			as(legacy).do("POST", api+"/folders", map[string]string{"name": "Dev cuts"}).want(t, 201)
			// Administering: admin only.
			for _, tok := range []string{read, write} {
				as(tok).do("PATCH", api, map[string]string{"publishing": "allowed"}).want(t, 403, "insufficient_scope")
				as(tok).do("GET", api+"/audit-log", nil).want(t, 403, "insufficient_scope")
				as(tok).do("POST", api+"/invitations", map[string]any{"emails": []string{"x@acme.com"}, "role": "viewer"}).want(t, 403, "insufficient_scope")
			}
			as(adminTok).do("PATCH", api, map[string]string{"publishing": "allowed"}).want(t, 200)
			// Pages are for browsers: no token reaches one, whatever its scope.
			as(adminTok).do("GET", "/w/"+ws, nil).want(t, 403)
			as(read).do("POST", "/w/"+ws+"/settings/api-tokens", url.Values{"name": {"sneaky"}, "scope": {"admin"}}).want(t, 403)
			as(adminTok).do("GET", api+"/audit-log", nil).want(t, 200)
			list := admin.do("GET", api+"/api-tokens", nil).want(t, 200).json(t)["items"].([]any)
			scopes := map[string]string{}
			for _, x := range list {
				m := x.(map[string]any)
				scopes[m["name"].(string)] = m["scope"].(string)
			}
			if scopes["sync"] != "read" || scopes["ci"] != "write" || scopes["ops"] != "admin" || scopes["old client"] != "write" {
				t.Fatalf("listed scopes: %v", scopes)
			}

			// An admin token of a Super Admin demoted since does what a
			// Developer does, no more.
			demoted, _ := token(second, map[string]any{"name": "theirs", "scope": "admin"})
			as(demoted).do("GET", api+"/audit-log", nil).want(t, 200)
			admin.do("PATCH", api+"/members/"+secondID, map[string]string{"role": "developer"}).want(t, 200)
			as(demoted).do("GET", api+"/audit-log", nil).want(t, 403, "insufficient_scope")
			as(demoted).do("POST", api+"/folders", map[string]string{"name": "Still content"}).want(t, 201)

			// Past its expiry, a token is refused like a revoked one.
			soon, _ := token(admin, map[string]any{"name": "temp", "scope": "read", "expires_at": time.Now().Add(time.Hour)})
			as(soon).do("GET", api+"/items", nil).want(t, 200)
			ahead.Store(int64(2 * time.Hour))
			as(soon).do("GET", api+"/items", nil).want(t, 401, "unauthenticated")
			as(read).do("GET", api+"/items", nil).want(t, 200)
		})
	}
}
