package main

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

// signedIn returns a client signed in as a new verified account.
func (s *testServer) signedIn(t *testing.T, email string) (*apiClient, string) {
	t.Helper()
	s.signupVerified(t, email, strings.Split(email, "@")[0], "correct horse 1")
	c := s.client(t)
	me := c.do("POST", "/api/v1/auth/login", map[string]string{"email": email, "password": "correct horse 1"}).want(t, 200).json(t)
	return c, me["id"].(string)
}

// member signs up email and makes it a member of ws with role, invited
// by admin.
func (s *testServer) member(t *testing.T, admin *apiClient, ws, email, role string) (*apiClient, string) {
	t.Helper()
	c, id := s.signedIn(t, email)
	res := admin.do("POST", "/api/v1/workspaces/"+ws+"/invitations", map[string]any{"emails": []string{email}, "role": role}).want(t, 200).json(t)
	if r := res["results"].([]any)[0].(map[string]any); r["result"] != "invited" {
		t.Fatalf("invite %s: %v", email, r)
	}
	link := s.mail.WaitFor(t, email, 10*time.Second).Link(t, "/invitations/")
	c.do("POST", "/api/v1/invitations/"+link[strings.LastIndex(link, "/")+1:]+"/accept", nil).want(t, 200)
	return c, id
}

// wantAccess checks res, the answer to who: 401 for the anonymous and
// revoked tokens, 404 for non-members, the status allowed gives who, and
// otherwise 403.
func wantAccess(t *testing.T, res response, who string, allowed map[string]int) {
	t.Helper()
	switch {
	case who == "anonymous" || who == "revoked_token":
		res.want(t, 401, "unauthenticated")
	case who == "non_member":
		res.want(t, 404, "not_found")
	case allowed[who] != 0:
		res.want(t, allowed[who])
	default:
		res.want(t, 403, "forbidden")
	}
}

// Every membership route, as every kind of caller: allowed or refused
// with the right code.
func TestMembershipAuthorization(t *testing.T) {
	forEngine(t, func(t *testing.T, s *testServer) {
		admin, _ := s.signedIn(t, "admin@acme.com")
		ws := admin.do("POST", "/api/v1/workspaces", map[string]string{"name": "Acme"}).want(t, 201).json(t)["id"].(string)
		callers := map[string]*apiClient{"super_admin": admin, "anonymous": s.client(t)}
		for _, role := range []string{"developer", "creator", "viewer"} {
			callers[role], _ = s.member(t, admin, ws, role+"@acme.com", role)
		}
		callers["non_member"], _ = s.signedIn(t, "outsider@other.org")
		revoked := admin.do("POST", "/api/v1/workspaces/"+ws+"/api-tokens", map[string]string{"name": "old"}).want(t, 201).json(t)
		admin.do("DELETE", "/api/v1/workspaces/"+ws+"/api-tokens/"+revoked["id"].(string), nil).want(t, 204)
		callers["revoked_token"] = s.withToken(t, revoked["token"].(string))
		_, victim := s.member(t, admin, ws, "victim@acme.com", "viewer")
		admin.do("POST", "/api/v1/workspaces/"+ws+"/invitations", map[string]any{"emails": []string{"pending@acme.com"}, "role": "viewer"}).want(t, 200)
		s.mail.WaitFor(t, "pending@acme.com", 10*time.Second)
		inv := admin.do("GET", "/api/v1/workspaces/"+ws+"/invitations", nil).want(t, 200).json(t)["items"].([]any)[0].(map[string]any)["invitation_id"].(string)

		base := "/api/v1/workspaces/" + ws
		admin.do("PATCH", base, map[string]any{"domains": []string{"acme.com"}}).want(t, 200)
		everyMember := map[string]int{"super_admin": 200, "developer": 200, "creator": 200, "viewer": 200}
		adminOnly := func(status int) map[string]int { return map[string]int{"super_admin": status} }
		routes := []struct {
			method, path string
			body         any
			allowed      map[string]int // role → success status; others are refused
		}{
			{"GET", base, nil, everyMember},
			{"PATCH", base, map[string]string{"description": "Our studio"}, adminOnly(200)},
			{"GET", base + "/subscription", nil, adminOnly(200)},
			{"PUT", base + "/subscription", map[string]any{"plan": "Team", "seats": 20}, adminOnly(200)},
			{"GET", base + "/domains", nil, everyMember},
			{"POST", base + "/domains/acme.com/verify", nil, adminOnly(200)},
			{"GET", base + "/members", nil, everyMember},
			{"GET", base + "/invitations", nil, everyMember},
			{"POST", base + "/invitations", map[string]any{"emails": []string{"new@acme.com"}, "role": "viewer"}, adminOnly(200)},
			{"POST", base + "/invitations/" + inv + "/resend", nil, adminOnly(204)},
			{"GET", base + "/sso", nil, adminOnly(200)},
			{"PUT", base + "/sso", map[string]any{"provider": ""}, adminOnly(200)},
			{"GET", base + "/audit-log", nil, adminOnly(200)},
			{"GET", base + "/audit-log?format=csv", nil, adminOnly(200)},
			{"GET", base + "/suggestions", nil, adminOnly(200)},
			{"GET", base + "/join-requests", nil, adminOnly(200)},
			{"GET", base + "/api-tokens", nil, map[string]int{"super_admin": 200, "developer": 200}},
			{"POST", base + "/api-tokens", map[string]string{"name": "ci"}, map[string]int{"super_admin": 201, "developer": 201}},
			{"PATCH", base + "/members/" + victim, map[string]string{"role": "creator"}, adminOnly(200)},
			{"PATCH", base + "/invitations/" + inv, map[string]string{"role": "creator"}, adminOnly(200)},
			{"DELETE", base + "/invitations/" + inv, nil, adminOnly(204)},
			{"DELETE", base + "/members/" + victim, nil, adminOnly(204)},
		}
		// The Super Admin goes last: some of its calls change what the
		// others would see.
		order := []string{"anonymous", "revoked_token", "non_member", "viewer", "creator", "developer", "super_admin"}
		for _, rt := range routes {
			for _, who := range order {
				t.Run(fmt.Sprintf("%s %s as %s", rt.method, strings.TrimPrefix(rt.path, base), who), func(t *testing.T) {
					wantAccess(t, callers[who].do(rt.method, rt.path, rt.body), who, rt.allowed)
				})
			}
		}

		// The invite link's routes under each policy, on a Creator link the
		// Super Admin made: managing it takes the policy's consent and the
		// right to give the link's role.
		link := base + "/invite-link"
		admins, everyone := "admins", "everyone"
		for _, pc := range []struct {
			policy  string
			get     map[string]int
			changes func(status int) map[string]int
		}{
			{"everyone", everyMember, func(status int) map[string]int {
				return map[string]int{"super_admin": status, "developer": status, "creator": status}
			}},
			{"admins", adminOnly(200), adminOnly},
			{"no_one", nil, func(int) map[string]int { return nil }},
		} {
			for _, rt := range []struct {
				method, path string
				body         any
				allowed      map[string]int
			}{
				{"GET", link, nil, pc.get},
				{"PUT", link, map[string]any{"role": "creator", "enabled": false}, pc.changes(200)},
				{"POST", link + "/reset", nil, pc.changes(200)},
				{"DELETE", link, nil, pc.changes(204)},
			} {
				for _, who := range order {
					t.Run(fmt.Sprintf("%s %s under %s as %s", rt.method, strings.TrimPrefix(rt.path, base), pc.policy, who), func(t *testing.T) {
						admin.do("PATCH", base, map[string]any{"invite_link_policy": admins}).want(t, 200)
						admin.do("PUT", link, map[string]any{"role": "creator"}).want(t, 200)
						made := admin.do("POST", link+"/reset", nil).want(t, 200).json(t)
						admin.do("PATCH", base, map[string]any{"invite_link_policy": pc.policy}).want(t, 200)
						res := callers[who].do(rt.method, rt.path, rt.body)
						wantAccess(t, res, who, rt.allowed)
						// A refused change leaves the link working as it was.
						if rt.method != "GET" && res.status >= 400 {
							admin.do("PATCH", base, map[string]any{"invite_link_policy": everyone}).want(t, 200)
							got := admin.do("GET", link, nil).want(t, 200).json(t)
							if got["role"] != "creator" || got["enabled"] != true {
								t.Fatalf("after a refused %s the link is %v", rt.method, got)
							}
							token := made["url"].(string)[strings.LastIndex(made["url"].(string), "/")+1:]
							s.client(t).do("GET", "/join/"+token, nil).want(t, 200)
						}
					})
				}
			}
		}
		admin.do("PATCH", base, map[string]any{"invite_link_policy": admins}).want(t, 200)

		t.Run("join requests and tokens are decided by Super Admins or owners", func(t *testing.T) {
			admin.do("PATCH", base, map[string]any{"join_policy": "request", "domains": []string{"acme.com"}}).want(t, 200)
			s.verifyDomain(t, admin, ws, "acme.com")
			asker, _ := s.signedIn(t, "asker@acme.com")
			asker.do("POST", base+"/join", nil).want(t, 200)
			req := admin.do("GET", base+"/join-requests", nil).want(t, 200).json(t)["items"].([]any)[0].(map[string]any)["id"].(string)
			devToken := callers["developer"].do("POST", base+"/api-tokens", map[string]string{"name": "mine"}).want(t, 201).json(t)["id"].(string)
			for _, who := range order[:len(order)-1] {
				for _, call := range []struct {
					method, path string
					body         any
				}{
					{"POST", base + "/join-requests/" + req + "/approve", map[string]string{"role": "viewer"}},
					{"POST", base + "/join-requests/" + req + "/deny", nil},
				} {
					res := callers[who].do(call.method, call.path, call.body)
					switch who {
					case "anonymous", "revoked_token":
						res.want(t, 401, "unauthenticated")
					case "non_member":
						res.want(t, 404, "not_found")
					default:
						res.want(t, 403, "forbidden")
					}
				}
			}
			// Someone else's token does not exist for a non-admin.
			callers["creator"].do("DELETE", base+"/api-tokens/"+devToken, nil).want(t, 404, "not_found")
			callers["non_member"].do("DELETE", base+"/api-tokens/"+devToken, nil).want(t, 404, "not_found")
			admin.do("DELETE", base+"/api-tokens/"+devToken, nil).want(t, 204)
			admin.do("POST", base+"/join-requests/"+req+"/approve", map[string]string{"role": "viewer"}).want(t, 204)
		})

		t.Run("routes of the signed-in user refuse anonymous callers and revoked tokens", func(t *testing.T) {
			for _, rt := range []struct{ method, path string }{
				{"GET", "/api/v1/me"}, {"PATCH", "/api/v1/me"}, {"GET", "/api/v1/workspaces"}, {"POST", "/api/v1/workspaces"},
				{"GET", "/api/v1/invitations"}, {"POST", "/api/v1/invitations/x/accept"}, {"POST", "/api/v1/invitations/x/decline"},
				{"POST", "/api/v1/join/x"}, {"GET", "/api/v1/discover"}, {"POST", base + "/join"}, {"POST", base + "/leave"},
				{"GET", "/api/v1/notifications"}, {"POST", "/api/v1/notifications/x/read"}, {"POST", "/api/v1/notifications/read-all"},
				{"GET", "/api/v1/notifications/stream"}, {"POST", "/api/v1/auth/verify-email/resend"},
			} {
				for _, who := range []string{"anonymous", "revoked_token"} {
					callers[who].do(rt.method, rt.path, map[string]string{}).want(t, 401, "unauthenticated")
				}
			}
		})

		t.Run("a removed member is refused on the very next request", func(t *testing.T) {
			dev := callers["developer"]
			me := dev.do("GET", "/api/v1/me", nil).want(t, 200).json(t)
			admin.do("DELETE", base+"/members/"+me["id"].(string), nil).want(t, 204)
			dev.do("GET", base, nil).want(t, 404, "not_found")
		})

		t.Run("leaving", func(t *testing.T) {
			callers["viewer"].do("POST", base+"/leave", nil).want(t, 204)
			callers["viewer"].do("GET", base, nil).want(t, 404, "not_found")
			admin.do("POST", base+"/leave", nil).want(t, 409, "last_super_admin")
		})
	})
}
