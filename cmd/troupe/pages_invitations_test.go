package main

import (
	"strings"
	"testing"
	"time"
)

// The members page offers Resend and Revoke on a pending invitation
// exactly to those the app lets do it, and the actions it hides answer
// 403. The invite link's controls likewise appear only to those who may
// change the link.
func TestPendingInvitationActionsShownExactlyWhenAllowed(t *testing.T) {
	forEngine(t, func(t *testing.T, s *testServer) {
		admin, _ := s.signedIn(t, "admin@acme.com")
		ws := admin.do("POST", "/api/v1/workspaces", map[string]string{"name": "Acme"}).want(t, 201).json(t)["id"].(string)
		base := "/api/v1/workspaces/" + ws
		admin.do("PATCH", base, map[string]any{"who_can_invite": "everyone", "invite_link_policy": "everyone"}).want(t, 200)
		callers := map[string]*apiClient{"super_admin": admin}
		for _, role := range []string{"developer", "creator", "viewer"} {
			callers[role], _ = s.member(t, admin, ws, role+"@acme.com", role)
		}
		invite := func(by *apiClient, email string) string {
			by.do("POST", base+"/invitations", map[string]any{"emails": []string{email}, "role": "viewer"}).want(t, 200)
			s.mail.WaitFor(t, email, 10*time.Second)
			for _, it := range admin.do("GET", base+"/invitations", nil).want(t, 200).json(t)["items"].([]any) {
				if row := it.(map[string]any); row["email"] == email {
					return row["invitation_id"].(string)
				}
			}
			t.Fatalf("no invitation to %s", email)
			return ""
		}
		byAdmin, byCreator := invite(admin, "from-admin@acme.com"), invite(callers["creator"], "from-creator@acme.com")
		admin.do("PUT", base+"/invite-link", map[string]any{"role": "creator"}).want(t, 200)

		shows := func(body, inv string) bool {
			resend := strings.Contains(body, "/invitations/"+inv+"/resend")
			if revoke := strings.Contains(body, "/invitations/"+inv+"/revoke"); revoke != resend {
				t.Fatalf("resend shown %t, revoke shown %t", resend, revoke)
			}
			return resend
		}
		check := func(t *testing.T, who string, allowed map[string]bool, linkControls bool) {
			t.Helper()
			c := callers[who]
			body := c.page("/w/"+ws+"/members", 200)
			for inv, want := range allowed {
				if got := shows(body, inv); got != want {
					t.Fatalf("%s: actions on %s shown %t, allowed %t", who, inv, got, want)
				}
				if !want {
					c.do("POST", base+"/invitations/"+inv+"/resend", nil).want(t, 403, "forbidden")
					c.do("DELETE", base+"/invitations/"+inv, nil).want(t, 403, "forbidden")
					c.post("/w/"+ws+"/invitations/"+inv+"/revoke", nil, 403)
				}
			}
			if got := strings.Contains(body, "/invite-link/reset"); got != linkControls {
				t.Fatalf("%s: link controls shown %t, want %t", who, got, linkControls)
			}
			if !linkControls && strings.Contains(body, `id="invite-link"`) && !strings.Contains(body, "a role above yours") {
				t.Fatalf("%s: the link panel does not say why it cannot be changed", who)
			}
		}

		t.Run("anyone may invite", func(t *testing.T) {
			check(t, "super_admin", map[string]bool{byAdmin: true, byCreator: true}, true)
			check(t, "creator", map[string]bool{byAdmin: false, byCreator: true}, true)
			check(t, "developer", map[string]bool{byAdmin: false, byCreator: false}, true)
			check(t, "viewer", map[string]bool{byAdmin: false, byCreator: false}, false)
			// What is shown works.
			callers["creator"].do("POST", base+"/invitations/"+byCreator+"/resend", nil).want(t, 204)
			s.mail.WaitFor(t, "from-creator@acme.com", 10*time.Second)
		})

		t.Run("only Super Admins may invite", func(t *testing.T) {
			admin.do("PATCH", base, map[string]any{"who_can_invite": "admins", "invite_link_policy": "admins"}).want(t, 200)
			check(t, "super_admin", map[string]bool{byAdmin: true, byCreator: true}, true)
			for _, who := range []string{"creator", "developer", "viewer"} {
				check(t, who, map[string]bool{byAdmin: false, byCreator: false}, false)
			}
			admin.do("DELETE", base+"/invitations/"+byCreator, nil).want(t, 204)
		})
	})
}
