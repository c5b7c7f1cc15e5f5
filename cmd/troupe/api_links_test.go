package main

import (
	"bytes"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"troupe/internal/testkit"
)

// Links to one video over HTTP: each with its own password and expiry,
// revoked alone; unpublishing revokes them all; the workspace's rules
// for links; the embed page's headers per setting; oEmbed.
func TestShareLinks(t *testing.T) {
	video := testkit.VideoBytes(t, 2)
	for _, e := range testkit.Engines(t) {
		t.Run(e.Name, func(t *testing.T) {
			var ahead atomic.Int64 // how far the server's clock is ahead
			s := startServerWith(t, e, serverOptions{noTools: true,
				now: func() time.Time { return time.Now().Add(time.Duration(ahead.Load())) }})
			admin, _ := s.signedIn(t, "admin@acme.com")
			ws := admin.do("POST", "/api/v1/workspaces", map[string]string{"name": "Acme"}).want(t, 201).json(t)["id"].(string)
			api := "/api/v1/workspaces/" + ws
			id := idOf(t, admin.upload(ws, "videos", map[string]string{"name": "Launch"}, "clip.mp4", bytes.NewReader(video)).want(t, 201))
			v := "/api/v1/videos/" + id
			anon := s.client(t)

			// The default link first, made by publishing.
			admin.do("PUT", v+"/password", map[string]string{"password": "default-pass"}).want(t, 204)
			main := admin.do("POST", v+"/publish", nil).want(t, 200).json(t)["slug"].(string)

			newLink := func(body map[string]any) map[string]any {
				t.Helper()
				return admin.do("POST", v+"/links", body).want(t, 201).json(t)
			}
			alpha := newLink(map[string]any{"label": "Client A", "password": "alpha-pass-1"})
			soon := time.Now().Add(time.Hour).UTC().Truncate(time.Second)
			bravo := newLink(map[string]any{"label": "Client B", "password": "bravo-pass-2", "expires_at": soon, "allow_download": false})
			open := newLink(map[string]any{"label": "Press", "embed": "anywhere"})
			for _, l := range []map[string]any{alpha, bravo, open} {
				if len(l["slug"].(string)) != 24 || !strings.HasSuffix(l["url"].(string), "/v/"+l["slug"].(string)) ||
					!strings.HasSuffix(l["embed_url"].(string), "/e/"+l["slug"].(string)) || l["views"] != 0.0 || l["default"] != false {
					t.Fatalf("link: %v", l)
				}
			}
			if bravo["expires_at"] != soon.Format(time.RFC3339) || bravo["allow_download"] != false || bravo["has_password"] != true ||
				alpha["expires_at"] != nil || open["has_password"] != false || open["embed"] != "anywhere" {
				t.Fatalf("links: %v %v %v", alpha, bravo, open)
			}
			list := admin.do("GET", v+"/links", nil).want(t, 200).json(t)["items"].([]any)
			if len(list) != 4 || list[0].(map[string]any)["slug"] != main || list[0].(map[string]any)["default"] != true ||
				list[0].(map[string]any)["has_password"] != true || list[3].(map[string]any)["label"] != "Press" {
				t.Fatalf("list: %v", list)
			}

			// Each password opens its own link only.
			slug := func(l map[string]any) string { return l["slug"].(string) }
			unlock := func(slug, pw string) response {
				c := s.client(t)
				return c.do("POST", "/v/"+slug+"/unlock", url.Values{"password": {pw}})
			}
			if r := unlock(slug(alpha), "bravo-pass-2"); r.status != 401 {
				t.Fatalf("another link's password opened alpha: %d", r.status)
			}
			for _, c := range []struct{ slug, pw string }{{slug(alpha), "alpha-pass-1"}, {slug(bravo), "bravo-pass-2"}, {main, "default-pass"}} {
				visitor := s.client(t)
				visitor.do("POST", "/v/"+c.slug+"/unlock", url.Values{"password": {c.pw}}).want(t, 303)
				visitor.do("GET", "/v/"+c.slug+"/media", nil, "Range", "bytes=0-9").want(t, 206)
			}
			anon.do("GET", "/v/"+slug(alpha)+"/media", nil).want(t, 401)
			anon.do("GET", "/v/"+slug(open)+"/media", nil, "Range", "bytes=0-9").want(t, 206)

			// Past its expiry, bravo says so and its files are gone; the
			// others are unaffected.
			ahead.Store(int64(2 * time.Hour))
			if page := anon.do("GET", "/v/"+slug(bravo), nil).want(t, 410); !strings.Contains(string(page.body), "expired") {
				t.Fatalf("expired page: %s", page.body)
			}
			anon.do("GET", "/v/"+slug(bravo)+"/media", nil).want(t, 404)
			anon.do("GET", "/v/"+slug(bravo)+"/captions/fr.vtt", nil).want(t, 404)
			anon.do("GET", "/v/"+slug(open), nil).want(t, 200)
			if l := admin.do("GET", v+"/links", nil).want(t, 200).json(t)["items"].([]any)[2].(map[string]any); l["expired"] != true {
				t.Fatalf("bravo not expired: %v", l)
			}
			// A new expiry brings it back.
			later := time.Now().Add(48 * time.Hour).UTC().Truncate(time.Second)
			admin.do("PATCH", "/api/v1/links/"+bravo["id"].(string), map[string]any{"expires_at": later}).want(t, 200)
			anon.do("GET", "/v/"+slug(bravo), nil).want(t, 200)
			// A password link's embed page asks for it in the frame, then plays.
			framed := s.client(t)
			if page := string(framed.do("GET", "/e/"+slug(bravo), nil).want(t, 200).body); !strings.Contains(page, `action="/e/`+slug(bravo)+`/unlock"`) ||
				strings.Contains(page, "<video") {
				t.Fatalf("locked embed page: %s", page)
			}
			framed.do("POST", "/e/"+slug(bravo)+"/unlock", url.Values{"password": {"alpha-pass-1"}}).want(t, 401)
			if r := framed.do("POST", "/e/"+slug(bravo)+"/unlock", url.Values{"password": {"bravo-pass-2"}}).want(t, 303); r.header.Get("Location") != "/e/"+slug(bravo) {
				t.Fatalf("unlocked embed goes to %q", r.header.Get("Location"))
			}
			if page := string(framed.do("GET", "/e/"+slug(bravo), nil).want(t, 200).body); !strings.Contains(page, "<video") {
				t.Fatalf("unlocked embed page: %s", page)
			}
			framed.do("GET", "/v/"+slug(bravo)+"/media", nil, "Range", "bytes=0-9").want(t, 206)
			// A new password voids the unlocks of that link alone.
			admin.do("PATCH", "/api/v1/links/"+alpha["id"].(string), map[string]any{"password": nil}).want(t, 200)
			anon.do("GET", "/v/"+slug(alpha)+"/media", nil, "Range", "bytes=0-9").want(t, 206)

			// Revoked: 404 at once, the others still play.
			admin.do("DELETE", "/api/v1/links/"+alpha["id"].(string), nil).want(t, 204)
			anon.do("GET", "/v/"+slug(alpha), nil).want(t, 404)
			anon.do("GET", "/v/"+slug(alpha)+"/media", nil).want(t, 404)
			admin.do("DELETE", "/api/v1/links/"+alpha["id"].(string), nil).want(t, 404, "not_found")
			anon.do("GET", "/v/"+slug(open)+"/media", nil, "Range", "bytes=0-9").want(t, 206)

			// The embed page: framed anywhere, or nowhere.
			frame := func(slug string) (xfo, ancestors string) {
				t.Helper()
				r := anon.do("GET", "/e/"+slug, nil).want(t, 200)
				csp := r.header.Get("Content-Security-Policy")
				i := strings.Index(csp, "frame-ancestors ")
				if i < 0 {
					t.Fatalf("no frame-ancestors: %q", csp)
				}
				ancestors, _, _ = strings.Cut(csp[i+len("frame-ancestors "):], ";")
				return r.header.Get("X-Frame-Options"), ancestors
			}
			if xfo, fa := frame(slug(open)); xfo != "" || fa != "*" {
				t.Fatalf("anywhere: X-Frame-Options %q, frame-ancestors %q", xfo, fa)
			}
			if xfo, fa := frame(slug(bravo)); xfo != "DENY" || fa != "'none'" {
				t.Fatalf("off: X-Frame-Options %q, frame-ancestors %q", xfo, fa)
			}
			admin.do("PATCH", "/api/v1/links/"+open["id"].(string), map[string]any{"embed": "domains",
				"embed_domains": []string{"Partner.example", "http://localhost:8080", "*.agency.example"}}).want(t, 200)
			if xfo, fa := frame(slug(open)); xfo != "" || fa != "https://partner.example http://localhost:8080 https://*.agency.example" {
				t.Fatalf("domains: X-Frame-Options %q, frame-ancestors %q", xfo, fa)
			}
			admin.do("PATCH", "/api/v1/links/"+open["id"].(string), map[string]any{"embed_domains": []string{"https://x.example/path"}}).
				want(t, 422, "validation_failed")
			// Embedding turned off for the workspace closes every frame.
			admin.do("PATCH", api, map[string]string{"embedding": "off"}).want(t, 200)
			if xfo, fa := frame(slug(open)); xfo != "DENY" || fa != "'none'" {
				t.Fatalf("workspace off: X-Frame-Options %q, frame-ancestors %q", xfo, fa)
			}
			admin.do("POST", v+"/links", map[string]any{"embed": "anywhere"}).want(t, 422, "validation_failed")
			admin.do("PATCH", api, map[string]string{"embedding": "allowed"}).want(t, 200)
			admin.do("PATCH", "/api/v1/links/"+open["id"].(string), map[string]any{"embed": "anywhere"}).want(t, 200)

			// oEmbed, and its discovery on the share page.
			oembed := func(u string) response {
				return anon.do("GET", "/oembed?format=json&url="+url.QueryEscape(u), nil)
			}
			o := oembed(open["url"].(string)).want(t, 200).json(t)
			if o["version"] != "1.0" || o["type"] != "video" || o["title"] != "Launch" || o["width"] != 1280.0 || o["height"] != 720.0 ||
				!strings.Contains(o["html"].(string), `src="`+open["embed_url"].(string)+`"`) {
				t.Fatalf("oembed: %v", o)
			}
			if small := oembed(open["embed_url"].(string)+"").want(t, 200).json(t); small["title"] != "Launch" {
				t.Fatalf("oembed of the embed page: %v", small)
			}
			if o := anon.do("GET", "/oembed?maxwidth=640&url="+url.QueryEscape(open["url"].(string)), nil).want(t, 200).json(t); o["width"] != 640.0 || o["height"] != 360.0 {
				t.Fatalf("maxwidth: %v", o)
			}
			page := string(anon.do("GET", "/v/"+slug(open), nil).want(t, 200).body)
			if !strings.Contains(page, `type="application/json+oembed"`) {
				t.Fatalf("no oEmbed discovery on the share page")
			}
			if page := string(anon.do("GET", "/v/"+slug(bravo), nil).want(t, 200).body); strings.Contains(page, "json+oembed") {
				t.Fatalf("oEmbed discovery on a protected page")
			}
			oembed(bravo["url"].(string)).want(t, 404) // a password
			oembed(alpha["url"].(string)).want(t, 404) // revoked
			oembed("https://elsewhere.example/v/"+slug(open)).want(t, 404)
			anon.do("GET", "/oembed?format=xml&url="+url.QueryEscape(open["url"].(string)), nil).want(t, 501)

			// Unpublishing revokes every link.
			admin.do("DELETE", v+"/publish", nil).want(t, 204)
			for _, sl := range []string{main, slug(bravo), slug(open)} {
				anon.do("GET", "/v/"+sl, nil).want(t, 404)
				anon.do("GET", "/e/"+sl, nil).want(t, 404)
			}
			if items := admin.do("GET", v+"/links", nil).want(t, 200).json(t)["items"].([]any); len(items) != 0 {
				t.Fatalf("links after unpublishing: %v", items)
			}
			oembed(open["url"].(string)).want(t, 404)

			// The workspace's rules for links.
			admin.do("PATCH", api, map[string]any{"link_password": "required", "link_max_days": 7}).want(t, 200)
			problem := admin.do("POST", v+"/links", map[string]any{"label": "No password"}).want(t, 422, "validation_failed").json(t)
			if !bytes.Contains(mustJSON(problem), []byte(`"password"`)) {
				t.Fatalf("no password: %v", problem)
			}
			admin.do("POST", v+"/links", map[string]any{"password": "long-enough", "expires_at": time.Now().AddDate(0, 0, 30)}).want(t, 422, "validation_failed")
			admin.do("POST", v+"/links", map[string]any{"password": "long-enough", "expires_at": time.Now().Add(-time.Hour)}).want(t, 422, "validation_failed")
			l := newLink(map[string]any{"password": "long-enough"})
			at, err := time.Parse(time.RFC3339, l["expires_at"].(string))
			if want := time.Now().Add(time.Duration(ahead.Load())).AddDate(0, 0, 7); err != nil || at.Sub(want).Abs() > time.Minute {
				t.Fatalf("default expiry %v, want about %v (%v)", l["expires_at"], want, err)
			}
			admin.do("PATCH", "/api/v1/links/"+l["id"].(string), map[string]any{"expires_at": nil}).want(t, 200)
			if l := admin.do("GET", v+"/links", nil).want(t, 200).json(t)["items"].([]any)[0].(map[string]any); l["expires_at"] == nil {
				t.Fatalf("a link outlives the workspace's longest expiry: %v", l)
			}
			w := admin.do("GET", api, nil).want(t, 200).json(t)
			if w["link_password"] != "required" || w["link_max_days"] != 7.0 || w["embedding"] != "allowed" {
				t.Fatalf("workspace: %v", w)
			}
			admin.do("PATCH", api, map[string]any{"link_max_days": 12}).want(t, 422, "validation_failed")
			// Changing what a link lets out is publishing: an editor who may
			// not publish may not loosen a link either.
			editor, editorID := s.member(t, admin, ws, "ed@acme.com", "creator")
			admin.do("PUT", "/api/v1/items/"+id+"/sharing", map[string]any{"general_access": "restricted",
				"shares": []map[string]string{{"user_id": editorID, "level": "edit"}}}).want(t, 200)
			editor.do("PATCH", "/api/v1/links/"+l["id"].(string), map[string]any{"embed": "anywhere"}).want(t, 403, "forbidden")
			admin.do("PATCH", api, map[string]any{"link_password": "optional"}).want(t, 200)

			// Publishing makes a link too: it needs the video's password when
			// the workspace asks for one.
			admin.do("DELETE", v+"/publish", nil).want(t, 204)
			admin.do("PATCH", api, map[string]any{"link_password": "required"}).want(t, 200)
			admin.do("DELETE", v+"/password", nil).want(t, 204)
			admin.do("POST", v+"/publish", nil).want(t, 422, "validation_failed")
			admin.do("PUT", v+"/password", map[string]string{"password": "default-pass"}).want(t, 204)
			def := admin.do("POST", v+"/publish", nil).want(t, 200).json(t)["slug"].(string)
			if l := admin.do("GET", v+"/links", nil).want(t, 200).json(t)["items"].([]any)[0].(map[string]any); l["slug"] != def ||
				l["default"] != true || l["has_password"] != true || l["expires_at"] == nil {
				t.Fatalf("the default link under the workspace's rules: %v", l)
			}
			// Under a workspace that asks for passwords, the default link's
			// cannot be removed.
			admin.do("DELETE", v+"/password", nil).want(t, 422, "validation_failed")
		})
	}
}
