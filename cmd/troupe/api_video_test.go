package main

import (
	"bytes"
	"fmt"
	"net/url"
	"strings"
	"testing"

	"troupe/internal/testkit"
)

const frenchSRT = "1\r\n00:00:00,500 --> 00:00:01,800\r\nBonjour à tous\r\n\r\n2\r\n00:00:02,000 --> 00:00:02,900\r\n<script>alert(1)</script> <i>fin</i>\r\n"

// The video share page over HTTP: who may change it, publishing, the
// password, captions, the public page and its files, and the headers.
func TestVideoSharePage(t *testing.T) {
	video := testkit.VideoBytes(t, 3)
	forEngine(t, func(t *testing.T, s *testServer) {
		admin, _ := s.signedIn(t, "admin@acme.com")
		ws := admin.do("POST", "/api/v1/workspaces", map[string]string{"name": "Acme"}).want(t, 201).json(t)["id"].(string)
		creator, _ := s.member(t, admin, ws, "creator@acme.com", "creator")
		viewer, viewerID := s.member(t, admin, ws, "viewer@acme.com", "viewer")
		id := idOf(t, creator.upload(ws, "videos", map[string]string{"name": "Launch teaser", "description": "First cut"}, "clip.mp4", bytes.NewReader(video)).want(t, 201))
		creator.do("PUT", "/api/v1/items/"+id+"/sharing", map[string]any{"general_access": "restricted",
			"shares": []map[string]string{{"user_id": viewerID, "level": "edit"}}}).want(t, 200)
		v := "/api/v1/videos/" + id

		// Publishing is for Super Admins by default.
		creator.do("POST", v+"/publish", nil).want(t, 403, "forbidden")
		admin.do("PATCH", "/api/v1/workspaces/"+ws, map[string]string{"publishing": "allowed"}).want(t, 200)
		pub := creator.do("POST", v+"/publish", nil).want(t, 200).json(t)
		slug := pub["slug"].(string)
		if len(slug) != 24 || !strings.HasSuffix(pub["url"].(string), "/v/"+slug) {
			t.Fatalf("publish: %v", pub)
		}
		if again := creator.do("POST", v+"/publish", nil).want(t, 200).json(t); again["slug"] != slug {
			t.Fatalf("publishing twice changed the slug: %v", again)
		}
		item := creator.do("GET", "/api/v1/items/"+id, nil).want(t, 200).json(t)
		if item["published"] != true || item["password_protected"] != false || item["public_path"] != "/v/"+slug {
			t.Fatalf("item: %v", item)
		}

		// A Viewer with an edit share still only views: no page controls.
		viewer.do("POST", v+"/publish", nil).want(t, 403, "forbidden")
		viewer.do("DELETE", v+"/publish", nil).want(t, 403, "forbidden")
		viewer.do("PUT", v+"/password", map[string]string{"password": "open sesame"}).want(t, 403, "forbidden")
		viewer.do("PUT", v+"/captions/fr", frenchSRT, "Content-Type", "application/x-subrip").want(t, 403, "forbidden")
		if vi := viewer.do("GET", "/api/v1/items/"+id, nil).want(t, 200).json(t); vi["public_path"] != nil {
			t.Fatalf("a viewer sees the public path: %v", vi)
		}

		// Captions: a French SRT with markup, stored as plain text.
		tr := creator.do("PUT", v+"/captions/fr?label=Fran%C3%A7ais", frenchSRT, "Content-Type", "application/x-subrip").want(t, 200).json(t)
		cues := tr["cues"].([]any)
		if tr["lang"] != "fr" || tr["label"] != "Français" || len(cues) != 2 {
			t.Fatalf("captions: %v", tr)
		}
		if c := cues[1].(map[string]any); c["start_ms"] != 2000.0 || c["end_ms"] != 2900.0 || strings.Contains(c["text"].(string), "<") {
			t.Fatalf("second cue: %v", c)
		}
		vtt := viewer.do("GET", v+"/captions/fr.vtt", nil).want(t, 200)
		if !strings.HasPrefix(string(vtt.body), "WEBVTT") || strings.Contains(string(vtt.body), "<") ||
			!strings.HasPrefix(vtt.header.Get("Content-Type"), "text/vtt") {
			t.Fatalf("vtt: %s %q", vtt.header.Get("Content-Type"), vtt.body)
		}
		if srt := viewer.do("GET", v+"/captions/fr.srt", nil).want(t, 200); !strings.Contains(string(srt.body), "00:00:00,500 --> 00:00:01,800") {
			t.Fatalf("srt: %q", srt.body)
		}
		list := viewer.do("GET", v+"/captions", nil).want(t, 200).json(t)["items"].([]any)
		if len(list) != 1 || list[0].(map[string]any)["cue_count"] != 2.0 {
			t.Fatalf("caption list: %v", list)
		}
		// Bad captions: errors name their lines; nothing is stored.
		bad := creator.do("PUT", v+"/captions/de", "WEBVTT\n\n00:00:05.000 --> 00:00:01.000\nrückwärts\n", "Content-Type", "text/vtt").
			want(t, 422, "invalid_captions").json(t)
		if e := bad["errors"].([]any)[0].(map[string]any); e["line"] != 3.0 || e["code"] != "reversed_times" {
			t.Fatalf("reversed times: %v", bad)
		}
		creator.do("PUT", v+"/captions/de", "\x00\x01\xff\xfe garbage", "Content-Type", "text/vtt").want(t, 422, "invalid_captions")
		creator.do("PUT", v+"/captions/de", strings.Repeat("a", 1<<20+1), "Content-Type", "text/plain").want(t, 422, "invalid_captions")
		creator.do("PUT", v+"/captions/de", map[string]any{"label": "Deutsch", "cues": []map[string]any{{"start_ms": 3000, "end_ms": 1000, "text": "x"}}}).
			want(t, 422, "invalid_captions")
		creator.do("PUT", v+"/captions/not-a-tag!", frenchSRT, "Content-Type", "text/plain").want(t, 422, "validation_failed")
		creator.do("GET", v+"/captions/de", nil).want(t, 404, "not_found")
		// The editor's JSON replaces the track whole.
		edited := creator.do("PUT", v+"/captions/en", map[string]any{"label": "English", "cues": []map[string]any{
			{"start_ms": 0, "end_ms": 1000, "text": "Hello <b>team</b> & friends"}}}).want(t, 200).json(t)
		// What the editor sends is plain text, kept as typed; the file
		// escapes it, so a player shows it literally.
		if c := edited["cues"].([]any)[0].(map[string]any); c["text"] != "Hello <b>team</b> & friends" {
			t.Fatalf("edited cue: %v", c)
		}
		if f := string(viewer.do("GET", v+"/captions/en.vtt", nil).want(t, 200).body); !strings.Contains(f, "Hello &lt;b&gt;team&lt;/b&gt; &amp; friends") {
			t.Fatalf("escaped vtt: %q", f)
		}

		// The public page, anonymous, no password yet.
		anon := s.client(t)
		page := anon.do("GET", "/v/"+slug, nil).want(t, 200)
		body := string(page.body)
		for _, want := range []string{"Launch teaser", "First cut", `property="og:title"`, `srclang="fr"`, "/v/" + slug + "/media"} {
			if !strings.Contains(body, want) {
				t.Fatalf("public page lacks %q:\n%s", want, body)
			}
		}
		for _, leak := range []string{"creator@acme.com", "admin@acme.com", "Acme", ws} {
			if strings.Contains(body, leak) {
				t.Fatalf("public page leaks %q", leak)
			}
		}
		if page.header.Get("Content-Security-Policy") == "" || strings.Contains(body, "noindex") {
			t.Fatalf("public page headers: %v", page.header)
		}
		part := anon.do("GET", "/v/"+slug+"/media", nil, "Range", "bytes=0-99").want(t, 206)
		if !bytes.Equal(part.body, video[:100]) || part.header.Get("Content-Range") != fmt.Sprintf("bytes 0-99/%d", len(video)) ||
			part.header.Get("Content-Type") != "video/mp4" || part.header.Get("X-Content-Type-Options") != "nosniff" ||
			part.header.Get("Cache-Control") != "no-cache" {
			t.Fatalf("public range: %v", part.header)
		}
		anon.do("HEAD", "/v/"+slug+"/media", nil).want(t, 200)
		anon.do("GET", "/v/"+slug+"/media", nil, "Range", fmt.Sprintf("bytes=%d-", len(video))).want(t, 416)
		anon.do("GET", "/v/"+slug+"/media", nil, "Range", "bytes="+strings.Repeat("0-1,", 20)+"0-1").want(t, 416)
		// If-Range with a stale validator gets the whole file.
		anon.do("GET", "/v/"+slug+"/media", nil, "Range", "bytes=0-9", "If-Range", `"stale"`).want(t, 200)
		etag := part.header.Get("ETag")
		anon.do("GET", "/v/"+slug+"/media", nil, "Range", "bytes=0-9", "If-Range", etag).want(t, 206)
		if c := anon.do("GET", "/v/"+slug+"/captions/fr.vtt", nil).want(t, 200); strings.Contains(string(c.body), "<script") {
			t.Fatalf("public captions carry markup: %q", c.body)
		}
		dl := anon.do("GET", "/v/"+slug+"/media?download=1", nil).want(t, 200)
		if !strings.HasPrefix(dl.header.Get("Content-Disposition"), "attachment") {
			t.Fatalf("download: %v", dl.header)
		}
		creator.do("PUT", v+"/download", map[string]bool{"allowed": false}).want(t, 204)
		anon.do("GET", "/v/"+slug+"/media?download=1", nil).want(t, 403)
		if strings.Contains(string(anon.do("GET", "/v/"+slug, nil).want(t, 200).body), "download=1") {
			t.Fatal("the page still offers a download")
		}

		// A password: a form, no preview tags, locked files.
		creator.do("PUT", v+"/password", map[string]string{"password": "short"}).want(t, 422, "validation_failed")
		creator.do("PUT", v+"/password", map[string]string{"password": "open sesame"}).want(t, 204)
		if got := string(creator.do("GET", "/api/v1/items/"+id, nil).want(t, 200).body); strings.Contains(got, "sesame") ||
			!strings.Contains(got, `"password_protected":true`) {
			t.Fatalf("item after password: %s", got)
		}
		locked := anon.do("GET", "/v/"+slug, nil).want(t, 200)
		if b := string(locked.body); !strings.Contains(b, `name="password"`) || strings.Contains(b, "og:title") ||
			strings.Contains(b, "First cut") || !strings.Contains(b, "noindex") || locked.header.Get("X-Robots-Tag") == "" {
			t.Fatalf("locked page:\n%s", b)
		}
		anon.do("GET", "/v/"+slug+"/media", nil, "Range", "bytes=0-9").want(t, 401)
		anon.do("GET", "/v/"+slug+"/captions/fr.vtt", nil).want(t, 401)
		anon.do("GET", "/v/"+slug+"/poster", nil).want(t, 404)
		// A password in the address is ignored.
		anon.do("POST", "/v/"+slug+"/unlock?password=open+sesame", url.Values{}).want(t, 401)
		anon.do("POST", "/v/"+slug+"/unlock", url.Values{"password": {"guess"}}).want(t, 401)
		anon.do("POST", "/v/"+slug+"/unlock", url.Values{"password": {"open sesame"}}).want(t, 303)
		if b := string(anon.do("GET", "/v/"+slug, nil).want(t, 200).body); !strings.Contains(b, "<video") {
			t.Fatalf("unlocked page:\n%s", b)
		}
		media := anon.do("GET", "/v/"+slug+"/media", nil, "Range", "bytes=0-9").want(t, 206)
		if media.header.Get("Cache-Control") != "private, no-store" {
			t.Fatalf("protected media Cache-Control %q", media.header.Get("Cache-Control"))
		}
		// Wrong guesses: 5 per address and video in 15 minutes (two were
		// made above; the right one does not count), then 429 with
		// Retry-After, right or wrong.
		other := s.client(t)
		for _, guess := range []string{"guess 2", "guess 3", "guess 4"} {
			other.do("POST", "/v/"+slug+"/unlock", url.Values{"password": {guess}}).want(t, 401)
		}
		limited := other.do("POST", "/v/"+slug+"/unlock", url.Values{"password": {"open sesame"}}).want(t, 429)
		if limited.header.Get("Retry-After") == "" {
			t.Fatal("429 without Retry-After")
		}
		// Changing the password locks earlier visitors out.
		creator.do("PUT", v+"/password", map[string]string{"password": "new secret 2"}).want(t, 204)
		anon.do("GET", "/v/"+slug+"/media", nil, "Range", "bytes=0-9").want(t, 401)
		creator.do("DELETE", v+"/password", nil).want(t, 204)
		anon.do("GET", "/v/"+slug+"/media", nil, "Range", "bytes=0-9").want(t, 206)

		// Publishing off in the workspace hides the page; unpublishing
		// makes the page and its files 404 at once.
		admin.do("PATCH", "/api/v1/workspaces/"+ws, map[string]string{"publishing": "off"}).want(t, 200)
		anon.do("GET", "/v/"+slug, nil).want(t, 404)
		admin.do("PATCH", "/api/v1/workspaces/"+ws, map[string]string{"publishing": "allowed"}).want(t, 200)
		anon.do("GET", "/v/"+slug, nil).want(t, 200)
		// In the trash, the page is gone; restored, it is back.
		creator.do("DELETE", "/api/v1/items/"+id, nil).want(t, 204)
		anon.do("GET", "/v/"+slug, nil).want(t, 404)
		anon.do("GET", "/v/"+slug+"/media", nil).want(t, 404)
		creator.do("POST", "/api/v1/items/"+id+"/restore", nil).want(t, 200)
		anon.do("GET", "/v/"+slug, nil).want(t, 200)
		creator.do("DELETE", v+"/publish", nil).want(t, 204)
		anon.do("GET", "/v/"+slug, nil).want(t, 404)
		anon.do("GET", "/v/"+slug+"/media", nil, "Range", "bytes=0-9").want(t, 404)
		anon.do("GET", "/v/"+slug+"/captions/fr.vtt", nil).want(t, 404)
		// Slugs of the wrong shape, and unknown ones.
		for _, p := range []string{"/v/short", "/v/" + strings.Repeat("A", 24), "/v/" + slug + "x"} {
			anon.do("GET", p, nil).want(t, 404)
		}
		anon.do("GET", "/v/"+strings.Repeat("a", 23)+"%00", nil).want(t, 400) // not text at all
		// Not a video: 404 on the video routes.
		folder := idOf(t, creator.do("POST", "/api/v1/workspaces/"+ws+"/folders", map[string]string{"name": "F"}).want(t, 201))
		creator.do("POST", "/api/v1/videos/"+folder+"/publish", nil).want(t, 404, "not_found")
	})
}

// Every video page route, as every kind of caller: the video is the
// creator's, shared with the workspace at view.
func TestVideoPageAuthorization(t *testing.T) {
	forEngine(t, func(t *testing.T, s *testServer) {
		admin, _ := s.signedIn(t, "admin@acme.com")
		ws := admin.do("POST", "/api/v1/workspaces", map[string]string{"name": "Acme"}).want(t, 201).json(t)["id"].(string)
		admin.do("PATCH", "/api/v1/workspaces/"+ws, map[string]string{"publishing": "allowed"}).want(t, 200)
		callers := map[string]*apiClient{"super_admin": admin, "anonymous": s.client(t)}
		for _, role := range []string{"developer", "creator", "viewer"} {
			callers[role], _ = s.member(t, admin, ws, role+"@acme.com", role)
		}
		callers["non_member"], _ = s.signedIn(t, "outsider@other.org")
		owner := callers["creator"]
		id := idOf(t, owner.upload(ws, "videos", map[string]string{"name": "Teaser"}, "a.mp4", bytes.NewReader(mp4Head)).want(t, 201))
		owner.do("PUT", "/api/v1/items/"+id+"/sharing", map[string]any{"general_access": "workspace", "workspace_level": "view"}).want(t, 200)
		owner.do("PUT", "/api/v1/videos/"+id+"/captions/fr", frenchSRT, "Content-Type", "application/x-subrip").want(t, 200)
		link := "/api/v1/links/" + idOf(t, owner.do("POST", "/api/v1/videos/"+id+"/links", map[string]string{"label": "Agency"}).want(t, 201))

		v := "/api/v1/videos/" + id
		viewers := map[string]int{"super_admin": 200, "developer": 200, "creator": 200, "viewer": 200}
		editors := func(status int) map[string]int { return map[string]int{"super_admin": status, "creator": status} }
		routes := []struct {
			method, path string
			body         any
			allowed      map[string]int
		}{
			{"GET", v + "/media", nil, viewers},
			{"GET", v + "/captions", nil, viewers},
			{"GET", v + "/captions/fr", nil, viewers},
			{"GET", v + "/captions/fr.vtt", nil, viewers},
			{"PUT", v + "/captions/en", map[string]any{"label": "English", "cues": []map[string]any{{"start_ms": 0, "end_ms": 900, "text": "Hi"}}}, editors(200)},
			{"PUT", v + "/password", map[string]string{"password": "open sesame"}, editors(204)},
			{"DELETE", v + "/password", nil, editors(204)},
			{"PUT", v + "/download", map[string]bool{"allowed": true}, editors(204)},
			{"GET", v + "/links", nil, editors(200)},
			{"POST", v + "/links", map[string]string{"label": "Press"}, editors(201)},
			{"PATCH", link, map[string]string{"label": "Agency, again"}, editors(200)},
			// The owner revokes it first; it is then gone for the Super Admin.
			{"DELETE", link, nil, map[string]int{"creator": 204, "super_admin": 404}},
			{"GET", v + "/analytics", nil, editors(200)},
			{"GET", v + "/analytics.csv?from=2026-01-01&to=2026-12-31", nil, editors(200)},
			{"POST", v + "/publish", nil, editors(200)},
			{"DELETE", v + "/publish", nil, editors(204)},
			// The owner deletes it first; it is then gone for the Super Admin.
			{"DELETE", v + "/captions/en", nil, map[string]int{"creator": 204, "super_admin": 404}},
		}
		order := []string{"anonymous", "non_member", "viewer", "developer", "creator", "super_admin"}
		for _, rt := range routes {
			for _, who := range order {
				t.Run(fmt.Sprintf("%s %s as %s", rt.method, rt.path, who), func(t *testing.T) {
					wantAccess(t, callers[who].do(rt.method, rt.path, rt.body), who, rt.allowed)
				})
			}
		}
	})
}
