package main

import (
	"bytes"
	"fmt"
	"testing"
)

// Every approval route as every kind of caller, Viewers with a view share
// and with a comment share among them; then the gate on publishing and
// downloads.
func TestApprovalAuthorization(t *testing.T) {
	forEngine(t, func(t *testing.T, s *testServer) {
		admin, adminID := s.signedIn(t, "admin@acme.com")
		ws := admin.do("POST", "/api/v1/workspaces", map[string]string{"name": "Acme"}).want(t, 201).json(t)["id"].(string)
		callers := map[string]*apiClient{"super_admin": admin, "anonymous": s.client(t)}
		ids := map[string]string{"super_admin": adminID}
		for _, who := range []struct{ name, role string }{{"developer", "developer"}, {"creator", "creator"},
			{"viewer_view", "viewer"}, {"viewer_comment", "viewer"}} {
			callers[who.name], ids[who.name] = s.member(t, admin, ws, who.name+"@acme.com", who.role)
		}
		callers["non_member"], _ = s.signedIn(t, "outsider@other.org")
		revoked := admin.do("POST", "/api/v1/workspaces/"+ws+"/api-tokens", map[string]string{"name": "old"}).want(t, 201).json(t)
		admin.do("DELETE", "/api/v1/workspaces/"+ws+"/api-tokens/"+revoked["id"].(string), nil).want(t, 204)
		callers["revoked_token"] = s.withToken(t, revoked["token"].(string))

		creator := callers["creator"]
		draft := idOf(t, creator.do("POST", "/api/v1/workspaces/"+ws+"/drafts", map[string]any{"name": "Intro"}).want(t, 201))
		item := "/api/v1/items/" + draft
		creator.do("PUT", item+"/sharing", map[string]any{"general_access": "restricted", "shares": []map[string]string{
			{"user_id": ids["developer"], "level": "edit"}, {"user_id": ids["viewer_view"], "level": "view"},
			{"user_id": ids["viewer_comment"], "level": "comment"}}}).want(t, 200)
		request := func() {
			creator.do("POST", item+"/approval", map[string]any{"reviewers": []string{ids["developer"], ids["viewer_comment"], ids["super_admin"]},
				"message": "Ready?"}).want(t, 201)
		}
		routes := []struct {
			method, path string
			body         any
			allowed      map[string]int
		}{
			{"GET", item, nil, map[string]int{"super_admin": 200, "developer": 200, "creator": 200, "viewer_view": 200, "viewer_comment": 200}},
			// Edit access asks.
			{"POST", item + "/approval", map[string]any{"reviewers": []string{ids["viewer_comment"]}},
				map[string]int{"super_admin": 201, "developer": 201, "creator": 201}},
			// Named reviewers with comment access decide; the requester is not one.
			{"POST", item + "/approval/decision", map[string]any{"decision": "approve", "comment": "Fine"},
				map[string]int{"super_admin": 200, "developer": 200, "viewer_comment": 200}},
			{"POST", item + "/approval/decision", map[string]any{"decision": "request_changes"},
				map[string]int{"super_admin": 200, "developer": 200, "viewer_comment": 200}},
			// The requester, editors and Super Admins withdraw.
			{"DELETE", item + "/approval", nil, map[string]int{"super_admin": 204, "developer": 204, "creator": 204}},
		}
		order := []string{"anonymous", "revoked_token", "non_member", "viewer_view", "viewer_comment", "developer", "super_admin", "creator"}
		for _, rt := range routes {
			for _, who := range order {
				t.Run(fmt.Sprintf("%s %s as %s", rt.method, rt.path, who), func(t *testing.T) {
					request()
					wantAccess(t, callers[who].do(rt.method, rt.path, rt.body), who, rt.allowed)
				})
			}
		}

		t.Run("the item carries its approval", func(t *testing.T) {
			request()
			callers["viewer_comment"].do("POST", item+"/approval/decision", map[string]any{"decision": "request_changes", "comment": "Shorter"}).want(t, 200)
			got := callers["viewer_view"].do("GET", item, nil).want(t, 200).json(t)["approval"].(map[string]any)
			if got["status"] != "changes_requested" || got["requested_by"] != ids["creator"] || got["message"] != "Ready?" || len(got["reviewers"].([]any)) != 3 {
				t.Fatalf("approval: %v", got)
			}
			list := creator.do("GET", "/api/v1/workspaces/"+ws+"/items", nil).want(t, 200).json(t)["items"].([]any)
			if a := list[0].(map[string]any)["approval"].(map[string]any); a["status"] != "changes_requested" || len(a) != 1 {
				t.Fatalf("a list's approval: %v", a)
			}
			creator.do("POST", item+"/approval", map[string]any{"reviewers": []string{ids["viewer_view"]}}).want(t, 422, "validation_failed")
			creator.do("POST", item+"/approval", map[string]any{"reviewers": []string{ids["creator"]}}).want(t, 422, "validation_failed")
			creator.do("POST", item+"/approval", map[string]any{"reviewers": "x"}).want(t, 400, "malformed_request")
		})

		t.Run("the gate on publishing and downloads", func(t *testing.T) {
			admin.do("PATCH", "/api/v1/workspaces/"+ws, map[string]any{"approval": "required", "approval_rule": "all", "publishing": "allowed"}).want(t, 200)
			got := admin.do("GET", "/api/v1/workspaces/"+ws, nil).want(t, 200).json(t)
			if got["approval"] != "required" || got["approval_rule"] != "all" {
				t.Fatalf("workspace: %v", got)
			}
			callers["developer"].do("PATCH", "/api/v1/workspaces/"+ws, map[string]any{"approval": "off"}).want(t, 403, "forbidden")
			admin.do("PATCH", "/api/v1/workspaces/"+ws, map[string]any{"approval": "sometimes"}).want(t, 422, "validation_failed")

			video := idOf(t, creator.upload(ws, "videos", map[string]string{"name": "Teaser"}, "a.mp4", bytes.NewReader(mp4Head)).want(t, 201))
			creator.do("PUT", "/api/v1/items/"+video+"/sharing", map[string]any{"general_access": "restricted", "shares": []map[string]string{
				{"user_id": ids["developer"], "level": "edit"}, {"user_id": ids["viewer_comment"], "level": "comment"}}}).want(t, 200)
			v := "/api/v1/videos/" + video
			creator.do("POST", v+"/publish", nil).want(t, 409, "approval_required")
			callers["developer"].do("GET", v+"/media?download=1", nil).want(t, 409, "approval_required")
			callers["developer"].do("GET", v+"/media", nil).want(t, 200)
			admin.do("GET", v+"/media?download=1", nil).want(t, 200)

			creator.do("POST", "/api/v1/items/"+video+"/approval", map[string]any{"reviewers": []string{ids["developer"], ids["viewer_comment"]}}).want(t, 201)
			callers["developer"].do("POST", "/api/v1/items/"+video+"/approval/decision", map[string]any{"decision": "approve"}).want(t, 200)
			creator.do("POST", v+"/publish", nil).want(t, 409, "approval_required") // every reviewer must approve
			callers["viewer_comment"].do("POST", "/api/v1/items/"+video+"/approval/decision", map[string]any{"decision": "approve"}).want(t, 200)
			callers["viewer_comment"].do("POST", "/api/v1/items/"+video+"/approval/decision", map[string]any{"decision": "approve"}).want(t, 409, "conflict")
			slug := creator.do("POST", v+"/publish", nil).want(t, 200).json(t)["slug"].(string)
			callers["anonymous"].do("GET", "/v/"+slug+"/media?download=1", nil).want(t, 200)
			callers["developer"].do("GET", v+"/media?download=1", nil).want(t, 200)

			// Withdrawn: the public page keeps playing but offers no download.
			creator.do("DELETE", "/api/v1/items/"+video+"/approval", nil).want(t, 204)
			callers["anonymous"].do("GET", "/v/"+slug+"/media?download=1", nil).want(t, 409)
			callers["anonymous"].do("GET", "/v/"+slug+"/media", nil).want(t, 200)

			// A Super Admin publishes anyway, and the log says so.
			other := idOf(t, creator.upload(ws, "videos", map[string]string{"name": "Other"}, "b.mp4", bytes.NewReader(mp4Head)).want(t, 201))
			admin.do("POST", "/api/v1/videos/"+other+"/publish", nil).want(t, 200)
			log := admin.do("GET", "/api/v1/workspaces/"+ws+"/audit-log?action=approval.override", nil).want(t, 200).json(t)["items"].([]any)
			if len(log) != 1 || log[0].(map[string]any)["target"] != other {
				t.Fatalf("audit: %v", log)
			}
		})
	})
}
