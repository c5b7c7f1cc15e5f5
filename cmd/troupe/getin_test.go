package main

import (
	"strings"
	"testing"
	"time"

	"troupe/internal/testkit"
)

// An account signed in at sign-up, its address unverified, reaches none
// of what needs a proven address by any route: the API with its session
// or with an API token of its own, and the pages; the link that verifies
// it works once, and only for the address it was sent to.
func TestUnverifiedCannotUseVerifiedOnlyPaths(t *testing.T) {
	forEngine(t, func(t *testing.T, s *testServer) {
		admin, _ := s.signedIn(t, "admin@acme.com")
		ws := admin.do("POST", "/api/v1/workspaces", map[string]string{"name": "Acme"}).want(t, 201).json(t)["id"].(string)
		admin.do("PATCH", "/api/v1/workspaces/"+ws, map[string]any{"domains": []string{"acme.com"}, "join_policy": "domain"}).want(t, 200)
		s.verifyDomain(t, admin, ws, "acme.com")
		reqWS := admin.do("POST", "/api/v1/workspaces", map[string]string{"name": "Acme Approvals"}).want(t, 201).json(t)["id"].(string)
		admin.do("PATCH", "/api/v1/workspaces/"+reqWS, map[string]any{"join_policy": "request"}).want(t, 200)
		link := admin.do("PUT", "/api/v1/workspaces/"+reqWS+"/invite-link", map[string]any{"role": "viewer"}).want(t, 200).json(t)["token"].(string)

		mallory := s.client(t)
		mallory.do("POST", "/api/v1/auth/signup", map[string]string{"email": "ceo@acme.com", "password": "correct horse 1", "name": "Not the CEO"}).want(t, 201)
		own := mallory.do("POST", "/api/v1/workspaces", map[string]string{"name": "Mine"}).want(t, 201).json(t)["id"].(string)
		token := mallory.do("POST", "/api/v1/workspaces/"+own+"/api-tokens", map[string]string{"name": "ci"}).want(t, 201).json(t)["token"].(string)
		bearer := s.withToken(t, token)

		t.Run("API with the session", func(t *testing.T) {
			mallory.do("GET", "/api/v1/discover", nil).want(t, 403, "email_unverified")
			mallory.do("POST", "/api/v1/workspaces/"+ws+"/join", nil).want(t, 403, "email_unverified")
			mallory.do("POST", "/api/v1/join/"+link, nil).want(t, 403, "email_unverified")
			mallory.do("GET", "/api/v1/workspaces/"+ws, nil).want(t, 404, "not_found")
			mallory.do("PATCH", "/api/v1/workspaces/"+own, map[string]any{"domains": []string{"acme.com"}}).want(t, 422, "validation_failed")
			if got := admin.do("GET", "/api/v1/workspaces/"+ws+"/suggestions", nil).want(t, 200).json(t)["items"].([]any); len(got) != 0 {
				t.Fatalf("an unverified address is suggested: %v", got)
			}
		})

		t.Run("API with a token of its own", func(t *testing.T) {
			bearer.do("GET", "/api/v1/discover", nil).want(t, 403, "forbidden")
			bearer.do("POST", "/api/v1/workspaces/"+ws+"/join", nil).want(t, 403, "forbidden")
			bearer.do("POST", "/api/v1/join/"+link, nil).want(t, 403, "forbidden")
			bearer.do("PUT", "/api/v1/me/email", map[string]string{"email": "other@acme.com"}).want(t, 403, "forbidden")
		})

		t.Run("pages", func(t *testing.T) {
			contains(t, mallory.page("/discover", 403), "Verify your email first")
			contains(t, mallory.post("/discover/"+ws+"/join", nil, 403).text(), "Verify your email first")
			contains(t, mallory.post("/join/"+link, nil, 403).text(), "Verify your email to ask to join", "ceo@acme.com")
			if got := admin.do("GET", "/api/v1/workspaces/"+reqWS+"/join-requests", nil).want(t, 200).json(t)["items"].([]any); len(got) != 0 {
				t.Fatalf("a request was filed: %v", got)
			}
		})

		t.Run("the verification link works once, for its address only", func(t *testing.T) {
			first := testkit.TokenOf(t, s.mail.WaitFor(t, "ceo@acme.com", 10*time.Second).Link(t, "/verify-email"))
			changed := mallory.do("PUT", "/api/v1/me/email", map[string]string{"email": "mallory@example.org"}).want(t, 200).json(t)
			if changed["email"] != "mallory@example.org" || changed["email_verified"] != false {
				t.Fatalf("after the change %v", changed)
			}
			mallory.do("PUT", "/api/v1/me/email", map[string]string{"email": "admin@acme.com"}).want(t, 422, "validation_failed")
			mallory.do("POST", "/api/v1/auth/verify-email", map[string]string{"token": first}).want(t, 400, "token_invalid")
			second := testkit.TokenOf(t, s.mail.WaitFor(t, "mallory@example.org", 10*time.Second).Link(t, "/verify-email"))
			if len(second) < 43 || strings.Contains(second, first) {
				t.Fatalf("token %q is not a fresh 256-bit secret", second)
			}
			s.client(t).do("POST", "/api/v1/auth/verify-email", map[string]string{"token": second}).want(t, 200)
			s.client(t).do("POST", "/api/v1/auth/verify-email", map[string]string{"token": second}).want(t, 400, "token_invalid")
			me := mallory.do("GET", "/api/v1/me", nil).want(t, 200).json(t)
			if me["email_verified"] != true {
				t.Fatalf("me %v", me)
			}
			mallory.do("PUT", "/api/v1/me/email", map[string]string{"email": "again@example.org"}).want(t, 409, "conflict")
			// Verified at another domain, discovery answers (and finds nothing at acme.com).
			if got := mallory.do("GET", "/api/v1/discover", nil).want(t, 200).json(t)["items"].([]any); len(got) != 0 {
				t.Fatalf("discover %v", got)
			}
			mallory.do("POST", "/api/v1/workspaces/"+ws+"/join", nil).want(t, 404, "not_found")
		})
	})
}
