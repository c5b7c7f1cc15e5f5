package main

import (
	"bytes"
	"html"
	"net/url"
	"strings"
	"testing"
	"time"

	"troupe/internal/i18n"
)

// The approval box of a draft and a video, the publish button while
// approval is missing, and Home's "Waiting for my review", in English and
// French, as plain forms; what people write in a request or a decision is
// shown as text everywhere.
func TestApprovalPages(t *testing.T) {
	cat, err := i18n.Load()
	if err != nil {
		t.Fatal(err)
	}
	const message, comment = `<script>alert("message")</script>`, `<img src=x onerror=alert("comment")>`
	forEngine(t, func(t *testing.T, s *testServer) {
		admin, _ := s.signedIn(t, "admin@acme.com")
		ws := admin.do("POST", "/api/v1/workspaces", map[string]string{"name": "Acme"}).want(t, 201).json(t)["id"].(string)
		base := "/w/" + ws
		carla, _ := s.member(t, admin, ws, "carla@acme.com", "creator")
		rita, ritaID := s.member(t, admin, ws, "rita@acme.com", "viewer")
		admin.do("PATCH", "/api/v1/workspaces/"+ws, map[string]any{"approval": "required", "publishing": "allowed"}).want(t, 200)

		for _, lang := range []string{"en", "fr"} {
			T := func(key string, args ...any) string { return html.EscapeString(cat.T(lang, key, args...)) }
			t.Run(lang, func(t *testing.T) {
				for _, c := range []*apiClient{admin, carla, rita} {
					c.do("PATCH", "/api/v1/me", map[string]any{"locale": lang}).want(t, 200)
				}
				name := "Script " + lang
				draft := idOf(t, carla.do("POST", "/api/v1/workspaces/"+ws+"/drafts", map[string]any{"name": name}).want(t, 201))
				carla.do("PUT", "/api/v1/items/"+draft+"/sharing", map[string]any{"general_access": "restricted",
					"shares": []map[string]string{{"user_id": ritaID, "level": "comment"}}}).want(t, 200)
				page := base + "/items/" + draft
				s.mail.WaitFor(t, "rita@acme.com", 10*time.Second) // shared with her

				p := carla.page(page, 200)
				contains(t, p, `id="approval"`, T("approval.title"), T("approval.status.none"), T("approval.request"),
					`action="`+page+`/approval"`, `name="reviewers" value="`+ritaID+`"`, "rita")
				lacks(t, p, `/approval/decision"`, `/approval/withdraw"`)
				contains(t, rita.page(page, 200), T("approval.status.none"))
				lacks(t, rita.page(page, 200), `action="`+page+`/approval"`)

				// Without a reviewer, the form says so under its field.
				res := carla.post(page+"/approval", url.Values{"message": {message}}, 422).text()
				contains(t, res, `id="f-reviewers-error"`, T("fielderr.reviewers.required"))
				lacks(t, res, message)

				if got := carla.post(page+"/approval", url.Values{"reviewers": {ritaID}, "message": {message}}, 303).where(); got != page+"#approval" {
					t.Fatalf("after asking: %q", got)
				}
				p = carla.page(page, 200)
				contains(t, p, T("flash.approval_requested"), T("approval.status.pending"), T("approval.decision.none"),
					html.EscapeString(message), `action="`+page+`/approval/withdraw"`, T("approval.request_again"))
				lacks(t, p, message, `/approval/decision"`)
				m := s.mail.WaitFor(t, "rita@acme.com", 10*time.Second)
				if m.Subject != cat.T(lang, "mail.approval_requested.subject", "name", "carla", "item", name) || strings.Contains(m.HTML, "<script") || m.Link(t, page) == "" {
					t.Fatalf("mail to the reviewer: %q", m.Subject)
				}

				// The reviewer finds it on Home, then decides.
				home := rita.page(base, 200)
				contains(t, home, T("approval.awaiting"), `data-awaiting-review`, ">"+name+"<")
				lacks(t, carla.page(base, 200), `data-awaiting-review`)
				p = rita.page(page, 200)
				contains(t, p, `action="`+page+`/approval/decision"`, T("approval.approve"), T("approval.request_changes"),
					`name="decision" value="request_changes"`, html.EscapeString(message))
				lacks(t, p, message, `/approval/withdraw"`)
				rita.post(page+"/approval/decision", url.Values{"decision": {"request_changes"}, "comment": {comment}}, 303)
				p = rita.page(page, 200)
				contains(t, p, T("flash.approval_decided"), T("approval.status.changes_requested"), T("approval.decision.request_changes"),
					html.EscapeString(comment))
				lacks(t, p, comment)
				lacks(t, rita.page(base, 200), `data-awaiting-review`)
				// The requester's list marks the draft; the panel tells them.
				contains(t, carla.page(base, 200), `data-approval-badge="changes_requested"`, T("approval.status.changes_requested"))
				contains(t, carla.page("/notifications", 200), T("notif.approval_changes_requested", "name", "rita", "item", name))
				lacks(t, carla.page(page, 200), comment)
				contains(t, carla.page(page, 200), html.EscapeString(comment))

				// A video waits for approval to be published; a Super Admin may
				// publish anyway.
				video := idOf(t, carla.upload(ws, "videos", map[string]string{"name": "Teaser " + lang}, "a.mp4", bytes.NewReader(mp4Head)).want(t, 201))
				vpage := base + "/items/" + video
				p = carla.page(vpage, 200)
				contains(t, p, T("approval.publish_needed"), `disabled aria-describedby="publish-why"`, `id="approval"`)
				lacks(t, p, `action="`+vpage+`/publish"`, `/media?download=1" download`)
				contains(t, carla.post(vpage+"/publish", nil, 409).text(), T("error.approval_required"))
				p = admin.page(vpage, 200)
				contains(t, p, `action="`+vpage+`/publish"`, T("approval.publish_anyway"), T("approval.publish_anyway_hint"), `/media?download=1" download`)
				admin.post(vpage+"/publish", nil, 303)

				// Withdrawn, the box starts over.
				carla.post(page+"/approval/withdraw", nil, 303)
				contains(t, carla.page(page, 200), T("flash.approval_withdrawn"), T("approval.status.none"))
			})
		}
	})
}
