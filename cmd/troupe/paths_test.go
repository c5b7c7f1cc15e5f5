package main

import (
	"net/url"
	"strings"
	"testing"
	"time"

	"troupe/internal/paths"
)

// The seat-limit mail links to the seats page itself, which opens for the
// Super Admin it was sent to.
func TestSeatLimitMailLinkResolves(t *testing.T) {
	forEngine(t, func(t *testing.T, s *testServer) {
		admin, _ := s.signedIn(t, "owner@acme.com")
		ws := admin.do("POST", "/api/v1/workspaces", map[string]string{"name": "Acme"}).want(t, 201).json(t)["id"].(string)
		admin.do("PUT", "/api/v1/workspaces/"+ws+"/subscription", map[string]any{"plan": "Team", "seats": 2}).want(t, 200)
		s.member(t, admin, ws, "bob@acme.com", "viewer")

		late, _ := s.signedIn(t, "late@acme.com")
		admin.do("POST", "/api/v1/workspaces/"+ws+"/invitations", map[string]any{"emails": []string{"late@acme.com"}, "role": "viewer"}).want(t, 200)
		token := s.invitationToken(t, "late@acme.com")
		late.do("POST", "/api/v1/invitations/"+token+"/accept", nil).want(t, 409, "seat_limit_reached")

		var link string
		for link == "" {
			m := s.mail.WaitFor(t, "owner@acme.com", 10*time.Second)
			if strings.Contains(m.Text, "late@acme.com") {
				link = m.Link(t, "/w/")
			}
		}
		u, err := url.Parse(link)
		if err != nil {
			t.Fatal(err)
		}
		if u.Path != paths.Seats(ws) {
			t.Fatalf("the seat-limit mail links to %s, not to the seats page %s", u.Path, paths.Seats(ws))
		}
		contains(t, admin.page(u.RequestURI(), 200), "2 of 2 seats used")
	})
}
