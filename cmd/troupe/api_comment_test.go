package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

// commentTeam is a workspace with a video owned by a creator, shared
// with one Viewer at view and one at comment; the developer has no
// access to it.
type commentTeam struct {
	ws, video, draft string
	callers          map[string]*apiClient
	ids              map[string]string
}

func newCommentTeam(t *testing.T, s *testServer) commentTeam {
	t.Helper()
	admin, adminID := s.signedIn(t, "admin@acme.com")
	ws := admin.do("POST", "/api/v1/workspaces", map[string]string{"name": "Acme"}).want(t, 201).json(t)["id"].(string)
	tm := commentTeam{ws: ws, callers: map[string]*apiClient{"super_admin": admin, "anonymous": s.client(t)},
		ids: map[string]string{"super_admin": adminID}}
	for who, role := range map[string]string{"developer": "developer", "creator": "creator", "viewer_view": "viewer", "viewer_comment": "viewer"} {
		tm.callers[who], tm.ids[who] = s.member(t, admin, ws, who+"@acme.com", role)
	}
	tm.callers["non_member"], _ = s.signedIn(t, "outsider@other.org")
	revoked := admin.do("POST", "/api/v1/workspaces/"+ws+"/api-tokens", map[string]string{"name": "old"}).want(t, 201).json(t)
	admin.do("DELETE", "/api/v1/workspaces/"+ws+"/api-tokens/"+revoked["id"].(string), nil).want(t, 204)
	tm.callers["revoked_token"] = s.withToken(t, revoked["token"].(string))
	creator := tm.callers["creator"]
	tm.video = idOf(t, creator.upload(ws, "videos", nil, "a.mp4", bytes.NewReader(mp4Head)).want(t, 201))
	tm.draft = idOf(t, creator.do("POST", "/api/v1/workspaces/"+ws+"/drafts", map[string]any{"name": "Script"}).want(t, 201))
	for _, id := range []string{tm.video, tm.draft} {
		creator.do("PUT", "/api/v1/items/"+id+"/sharing", map[string]any{"general_access": "restricted", "shares": []map[string]string{
			{"user_id": tm.ids["viewer_view"], "level": "view"}, {"user_id": tm.ids["viewer_comment"], "level": "comment"}}}).want(t, 200)
	}
	return tm
}

var commentCallers = []string{"anonymous", "revoked_token", "non_member", "developer", "viewer_view", "viewer_comment", "super_admin", "creator"}

// expect gives the status each caller gets: 401 for the signed out, 404
// for those who cannot see the item, refused (403) unless allowed says.
func expect(allowed map[string]int) map[string]int {
	out := map[string]int{"anonymous": 401, "revoked_token": 401, "non_member": 404, "developer": 404}
	for _, who := range []string{"viewer_view", "viewer_comment", "super_admin", "creator"} {
		out[who] = 403
		if s, ok := allowed[who]; ok {
			out[who] = s
		}
	}
	return out
}

// Every comment route, as every kind of caller, including a Viewer with a
// view share (who reads but may not comment) and one with a comment share.
func TestCommentAuthorization(t *testing.T) {
	forEngine(t, func(t *testing.T, s *testServer) {
		tm := newCommentTeam(t, s)
		creator := tm.callers["creator"]
		list := "/api/v1/items/" + tm.video + "/comments"
		first := idOf(t, creator.do("POST", list, map[string]any{"body": "first", "position_ms": 1000}).want(t, 201))
		second := idOf(t, creator.do("POST", list, map[string]any{"body": "second"}).want(t, 201))
		readers := map[string]int{"viewer_view": 200, "viewer_comment": 200, "super_admin": 200, "creator": 200}
		commenters := map[string]int{"viewer_comment": 201, "super_admin": 201, "creator": 201}
		routes := []struct {
			method, path string
			body         any
			want         map[string]int
		}{
			{"GET", list, nil, expect(readers)},
			{"GET", list + "?resolved=false", nil, expect(readers)},
			{"GET", "/api/v1/items/" + tm.draft + "/comments", nil, expect(readers)},
			{"POST", list, map[string]any{"body": "hello", "position_ms": 2000}, expect(commenters)},
			{"POST", list, map[string]any{"body": "re", "parent_id": first}, expect(commenters)},
			{"POST", "/api/v1/items/" + tm.draft + "/comments", map[string]any{"body": "hello"}, expect(commenters)},
			// Only the author edits the body; anyone who may comment resolves.
			{"PATCH", "/api/v1/comments/" + first, map[string]any{"body": "first!"}, expect(map[string]int{"creator": 200})},
			{"PATCH", "/api/v1/comments/" + first, map[string]any{"resolved": true}, expect(map[string]int{"viewer_comment": 200, "super_admin": 200, "creator": 200})},
			{"PATCH", "/api/v1/comments/" + first, map[string]any{"resolved": false}, expect(map[string]int{"viewer_comment": 200, "super_admin": 200, "creator": 200})},
			// The Super Admin deletes it; then it is gone for its author too.
			{"DELETE", "/api/v1/comments/" + second, nil, expect(map[string]int{"super_admin": 204, "creator": 404})},
		}
		for _, rt := range routes {
			for _, who := range commentCallers {
				t.Run(fmt.Sprintf("%s %s as %s", rt.method, rt.path, who), func(t *testing.T) {
					res := tm.callers[who].do(rt.method, rt.path, rt.body)
					switch want := rt.want[who]; want {
					case 401:
						res.want(t, 401, "unauthenticated")
					case 404:
						res.want(t, 404, "not_found")
					case 403:
						res.want(t, 403, "forbidden")
					default:
						res.want(t, want)
					}
				})
			}
		}
		t.Run("deleting: the author or a Super Admin", func(t *testing.T) {
			mine := idOf(t, tm.callers["viewer_comment"].do("POST", list, map[string]any{"body": "mine"}).want(t, 201))
			creator.do("DELETE", "/api/v1/comments/"+mine, nil).want(t, 403, "forbidden")
			tm.callers["viewer_comment"].do("DELETE", "/api/v1/comments/"+mine, nil).want(t, 204)
			tm.callers["super_admin"].do("DELETE", "/api/v1/comments/"+first, nil).want(t, 204)
			creator.do("DELETE", "/api/v1/comments/"+first, nil).want(t, 404, "not_found")
		})
		t.Run("streams: the same check as listing", func(t *testing.T) {
			for who, want := range map[string]int{"viewer_view": 200, "developer": 404, "non_member": 404, "anonymous": 401} {
				if got := streamStatus(t, tm.callers[who], list+"/stream"); got != want {
					t.Errorf("%s: status %d, want %d", who, got, want)
				}
			}
		})
		t.Run("a stream ends when its reader loses access", func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			req, _ := http.NewRequestWithContext(ctx, "GET", s.url+list+"/stream", nil)
			res, err := tm.callers["viewer_view"].http.Do(req)
			if err != nil || res.StatusCode != 200 {
				t.Fatalf("stream: %v %v", res, err)
			}
			defer res.Body.Close()
			rd := bufio.NewReader(res.Body)
			if line, _ := rd.ReadString('\n'); line != "event: comments\n" {
				t.Fatalf("first line %q", line)
			}
			creator.do("PUT", "/api/v1/items/"+tm.video+"/sharing", map[string]any{"general_access": "restricted", "shares": []map[string]string{
				{"user_id": tm.ids["viewer_comment"], "level": "comment"}}}).want(t, 200)
			start := time.Now()
			for {
				if _, err := rd.ReadString('\n'); err != nil {
					if ctx.Err() != nil {
						t.Fatal("the stream went on after access was lost")
					}
					break
				}
			}
			t.Logf("the stream ended %v after access was lost", time.Since(start).Round(100*time.Millisecond))
		})
		t.Run("folders have no comments", func(t *testing.T) {
			folder := idOf(t, creator.do("POST", "/api/v1/workspaces/"+tm.ws+"/folders", map[string]any{"name": "Q3"}).want(t, 201))
			creator.do("POST", "/api/v1/items/"+folder+"/comments", map[string]any{"body": "x"}).want(t, 422, "validation_failed")
		})
	})
}

// streamStatus opens an event stream as c and returns its status, reading
// the first event when it answers 200.
func streamStatus(t *testing.T, c *apiClient, path string) int {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", c.base+path, nil)
	res, err := c.http.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	if res.StatusCode == 200 {
		line, err := bufio.NewReader(res.Body).ReadString('\n')
		if err != nil || line != "event: comments\n" {
			t.Fatalf("first line %q %v", line, err)
		}
	}
	return res.StatusCode
}

// The API's shapes: the comment as documented, mentions only of those who
// see the item, and unreachable mentions only to an author who may share.
func TestCommentAPIShapes(t *testing.T) {
	forEngine(t, func(t *testing.T, s *testServer) {
		tm := newCommentTeam(t, s)
		list := "/api/v1/items/" + tm.video + "/comments"
		body := "@viewer_view@acme.com @developer@acme.com @nobody@other.org see 0:05"
		c := tm.callers["creator"].do("POST", list, map[string]any{"body": body, "position_ms": 5000}).want(t, 201).json(t)
		for _, k := range []string{"id", "item_id", "author", "body", "position_ms", "end_ms", "parent_id", "resolved", "mentions", "created_at", "edited_at"} {
			if _, ok := c[k]; !ok {
				t.Fatalf("no %q in %v", k, c)
			}
		}
		if m := c["mentions"].([]any); len(m) != 1 || m[0] != tm.ids["viewer_view"] {
			t.Fatalf("mentions %v", m)
		}
		un, ok := c["unreachable_mentions"].([]any)
		if !ok || len(un) != 1 || un[0].(map[string]any)["id"] != tm.ids["developer"] {
			t.Fatalf("unreachable %v", c["unreachable_mentions"])
		}
		c = tm.callers["viewer_comment"].do("POST", list, map[string]any{"body": body}).want(t, 201).json(t)
		if _, ok := c["unreachable_mentions"]; ok {
			t.Fatalf("a member who cannot share learnt %v", c["unreachable_mentions"])
		}
		tm.callers["creator"].do("POST", list, map[string]any{"body": "x", "position_ms": 1, "end_ms": 1}).want(t, 422, "validation_failed")
		tm.callers["creator"].do("GET", list+"?resolved=maybe", nil).want(t, 422, "validation_failed")
		page := tm.callers["creator"].do("GET", list+"?limit=1", nil).want(t, 200).json(t)
		next, _ := page["next_cursor"].(string)
		if len(page["items"].([]any)) != 1 || next == "" {
			t.Fatalf("page %v", page)
		}
		rest := tm.callers["creator"].do("GET", list+"?limit=1&cursor="+url.QueryEscape(next), nil).want(t, 200).json(t)
		if len(rest["items"].([]any)) != 1 {
			t.Fatalf("rest %v", rest)
		}
		me := tm.callers["creator"].do("GET", "/api/v1/me", nil).want(t, 200).json(t)
		if me["comment_mail"] != "mentions" {
			t.Fatalf("me %v", me)
		}
		tm.callers["creator"].do("PATCH", "/api/v1/me", map[string]any{"comment_mail": "sometimes"}).want(t, 422, "validation_failed")
		if got := tm.callers["creator"].do("PATCH", "/api/v1/me", map[string]any{"comment_mail": "all"}).want(t, 200).json(t); got["comment_mail"] != "all" {
			t.Fatalf("me %v", got)
		}
	})
}

// Comment bodies are text everywhere they are shown: markup is escaped,
// only http(s) links become links, and mentions show names.
func TestCommentsEscaped(t *testing.T) {
	forEngine(t, func(t *testing.T, s *testServer) {
		tm := newCommentTeam(t, s)
		creator, viewer := tm.callers["creator"], tm.callers["viewer_comment"]
		list := "/api/v1/items/" + tm.video + "/comments"
		bodies := []string{`<script>alert(1)</script>`, `"><img src=x onerror=alert(1)>`,
			`javascript:alert(1) and <a href="javascript:alert(2)">x</a> https://example.com/a?b=1&c=<2> @creator@acme.com`}
		for _, b := range bodies {
			viewer.do("POST", list, map[string]any{"body": b, "position_ms": 1000}).want(t, 201)
			viewer.do("POST", "/api/v1/items/"+tm.draft+"/comments", map[string]any{"body": b}).want(t, 201)
		}
		unsafe := []string{"<script>alert(1)", "<img src=x", `href="javascript:`, "<a href=\"javascript"}
		for _, p := range []string{"/w/" + tm.ws + "/items/" + tm.video, "/w/" + tm.ws + "/items/" + tm.draft,
			"/w/" + tm.ws + "/items/" + tm.video + "/comments", "/notifications", "/notifications/panel", "/w/" + tm.ws} {
			page := creator.page(p, 200)
			lacks(t, page, unsafe...)
			if strings.Contains(p, "/items/") {
				contains(t, page, "&lt;script&gt;alert(1)&lt;/script&gt;", "&#34;&gt;&lt;img src=x onerror=alert(1)&gt;",
					`<a href="https://example.com/a?b=1&amp;c=" rel="nofollow noopener" target="_blank">`, `<span class="mention" title="creator@acme.com">@creator</span>`)
			} else {
				contains(t, page, "&lt;script&gt;alert(1)&lt;/script&gt;")
			}
		}
		t.Run("mail", func(t *testing.T) {
			m := s.mail.WaitFor(t, "creator@acme.com", 10*time.Second)
			for m.Subject != "" && !strings.Contains(m.Subject, "mentioned you") {
				m = s.mail.WaitFor(t, "creator@acme.com", 10*time.Second)
			}
			if strings.Contains(m.HTML, "<script>") || strings.Contains(m.HTML, "<img") || strings.Contains(m.HTML, `href="javascript`) {
				t.Fatalf("the mail carries markup:\n%s", m.HTML)
			}
			if !strings.Contains(m.Text, "/items/"+tm.video+"?c=") && !strings.Contains(m.Text, "/items/"+tm.draft+"?c=") {
				t.Fatalf("the mail does not link to the time:\n%s", m.Text)
			}
		})
	})
}

// Without JavaScript, comments are plain forms that return to the item
// page; a mention of someone who cannot see the video offers its author
// to share it with them at comment level.
func TestCommentsAsPlainForms(t *testing.T) {
	forEngine(t, func(t *testing.T, s *testServer) {
		tm := newCommentTeam(t, s)
		creator, viewer, dev := tm.callers["creator"], tm.callers["viewer_view"], tm.callers["developer"]
		itemPath := "/w/" + tm.ws + "/items/" + tm.video
		contains(t, viewer.page(itemPath, 200), "You can view this item but not comment on it.")
		where := creator.post(itemPath+"/comments", url.Values{"body": {"Look @developer@acme.com"}, "comment_at": {"0:03"}, "back": {itemPath}}, 303).where()
		if !strings.HasPrefix(where, itemPath+"?offer=") {
			t.Fatalf("after posting: %q", where)
		}
		page := creator.page(where, 200)
		contains(t, page, "Comment posted.", "developer can&#39;t see this item", ">0:03</button>")
		dev.do("GET", itemPath, nil).want(t, 404)
		creator.post(itemPath+"/comments/share", url.Values{"user_id": {tm.ids["developer"]}, "back": {itemPath}}, 303)
		contains(t, dev.page(itemPath, 200), "Look ", `id="f-comment-body"`)
		// The notifications lead to the comment and its time.
		tm.callers["viewer_comment"].post(itemPath+"/comments", url.Values{"body": {"@developer@acme.com again"}, "comment_at": {"0:02"}}, 303)
		contains(t, dev.page("/notifications", 200), "viewer_comment mentioned you on “", `value="`+itemPath+`?c=`, `&amp;t=2"`)
		lacks(t, dev.page(itemPath, 200), "developer can&#39;t see this item")
		contains(t, creator.post(itemPath+"/comments", url.Values{"body": {" "}, "back": {itemPath}}, 422).text(), `id="f-comment-body-error"`)
		contains(t, creator.post(itemPath+"/comments", url.Values{"body": {"x"}, "comment_at": {"soon"}}, 422).text(), `id="f-comment-at-error"`)
		// Resolve, reopen, edit, delete.
		var id string
		for _, c := range creator.do("GET", "/api/v1/items/"+tm.video+"/comments", nil).want(t, 200).json(t)["items"].([]any) {
			if c := c.(map[string]any); strings.HasPrefix(c["body"].(string), "Look") {
				id = c["id"].(string)
			}
		}
		base := itemPath + "/comments/" + id
		creator.post(base+"/resolve", url.Values{"back": {itemPath}}, 303)
		lacks(t, creator.page(itemPath, 200), "Look ")
		contains(t, creator.page(itemPath+"?resolved=1", 200), "Look ", "Reopen")
		creator.post(base+"/reopen", url.Values{"back": {itemPath}}, 303)
		creator.post(base+"/edit", url.Values{"body": {"Edited text"}, "back": {itemPath}}, 303)
		contains(t, creator.page(itemPath, 200), "Edited text", "edited")
		creator.post(base+"/delete", url.Values{"back": {itemPath}}, 303)
		contains(t, creator.page(itemPath, 200), "Comment deleted.")
		lacks(t, creator.page(itemPath, 200), "Edited text")
		// The account page saves the mail preference.
		creator.post("/account/notifications", url.Values{"comment_mail": {"none"}}, 303)
		contains(t, creator.page("/account", 200), `<option value="none" selected>`)
	})
}
