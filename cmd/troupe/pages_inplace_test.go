package main

import (
	"bytes"
	"encoding/json"
	"html"
	"net/url"
	"strings"
	"testing"

	"troupe/internal/i18n"
	"troupe/internal/testkit"
)

// applied reads the answer to a form sent in place.
func (r response) applied(t *testing.T) (message string, data map[string]any) {
	t.Helper()
	if ct := r.header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Fatalf("answer of type %q: %s", ct, r.body)
	}
	var a struct {
		Message string         `json:"message"`
		Data    map[string]any `json:"data"`
	}
	if err := json.Unmarshal(r.body, &a); err != nil {
		t.Fatalf("answer %s: %v", r.body, err)
	}
	return a.Message, a.Data
}

// Journey 14 (point 7) over HTTP: the forms the pages' script sends in
// place (role, workspace settings, a video's downloads, the cue editor)
// still post as plain forms, answering 303 to the next page; sent with
// Accept: application/json they answer what changed in words, in the
// reader's language (English and French), or a problem in that language;
// a cross-site post is refused either way.
func TestInPlaceForms(t *testing.T) {
	cat, err := i18n.Load()
	if err != nil {
		t.Fatal(err)
	}
	video := testkit.VideoBytes(t, 2)
	forEngine(t, func(t *testing.T, s *testServer) {
		admin, _ := s.signedIn(t, "admin@acme.com")
		ws := admin.do("POST", "/api/v1/workspaces", map[string]string{"name": "Acme"}).want(t, 201).json(t)["id"].(string)
		base := "/w/" + ws
		_, bobID := s.member(t, admin, ws, "bob@acme.com", "viewer")
		roleOf := func() string {
			for _, m := range admin.do("GET", "/api/v1/workspaces/"+ws+"/members", nil).want(t, 200).json(t)["items"].([]any) {
				if m := m.(map[string]any); m["email"] == "bob@acme.com" {
					return m["role"].(string)
				}
			}
			t.Fatal("bob is not listed")
			return ""
		}
		inPlace := func(lang string) []string {
			return []string{"Accept", "application/json", "Accept-Language", lang}
		}

		t.Run("role", func(t *testing.T) {
			role := base + "/members/" + bobID + "/role"
			r := admin.do("POST", role, url.Values{"role": {"developer"}, "back": {base + "/members?status=active"}}).want(t, 303)
			if loc := r.header.Get("Location"); loc != base+"/members?status=active" {
				t.Fatalf("a plain form goes to %q", loc)
			}
			if got := roleOf(); got != "developer" {
				t.Fatalf("role %q after the plain form", got)
			}
			// The next page says it, in the reader's language, and offers
			// the form that the script sends in place.
			page := string(admin.do("GET", base+"/members?status=active", nil, "Accept-Language", "fr").want(t, 200).body)
			for _, want := range []string{html.EscapeString(cat.T("fr", "flash.role_changed")), `data-inplace data-undo="role"`, html.EscapeString(cat.T("fr", "members.save_role"))} {
				if !strings.Contains(page, want) {
					t.Fatalf("the members page lacks %q", want)
				}
			}
			for _, c := range []struct{ lang, role string }{{"en", "creator"}, {"fr", "viewer"}} {
				msg, data := admin.do("POST", role, url.Values{"role": {c.role}}, inPlace(c.lang)...).want(t, 200).applied(t)
				if want := cat.T(c.lang, "members.role_now", "name", "bob", "role", cat.T(c.lang, "role."+c.role)); msg != want {
					t.Fatalf("%s: message %q, want %q", c.lang, msg, want)
				}
				if data["role"] != c.role || roleOf() != c.role {
					t.Fatalf("%s: answer %v, stored %q", c.lang, data, roleOf())
				}
			}
			// A refusal is a problem in the reader's language.
			for _, lang := range []string{"en", "fr"} {
				p := admin.do("POST", role, url.Values{"role": {"emperor"}}, inPlace(lang)...).want(t, 422, "validation_failed").json(t)
				errs, _ := p["errors"].([]any)
				if p["detail"] != cat.T(lang, "error.validation_failed") || len(errs) != 1 || errs[0].(map[string]any)["message"] != cat.T(lang, "fielderr.invalid_role") {
					t.Fatalf("%s: problem %v", lang, p)
				}
			}
			// Cross-site, the same post is refused before it is read.
			admin.do("POST", role, url.Values{"role": {"developer"}}, append(inPlace("en"), "Sec-Fetch-Site", "cross-site")...).want(t, 403)
			if got := roleOf(); got != "viewer" {
				t.Fatalf("role %q after refusals", got)
			}
		})

		t.Run("settings", func(t *testing.T) {
			form := url.Values{"default_access": {"private"}, "downloads": {"off"}, "publishing": {"admins"}}
			msg, _ := admin.do("POST", base+"/settings", form, inPlace("fr")...).want(t, 200).applied(t)
			if want := cat.T("fr", "settings.saved_changes", "changes", cat.T("fr", "settings.downloads")+": "+cat.T("fr", "settings.downloads.off")); msg != want {
				t.Fatalf("message %q, want %q", msg, want)
			}
			if got := admin.do("GET", "/api/v1/workspaces/"+ws, nil).want(t, 200).json(t)["downloads"]; got != "off" {
				t.Fatalf("downloads %v", got)
			}
			// Nothing changed: only saved.
			if msg, _ := admin.do("POST", base+"/settings", form, inPlace("en")...).want(t, 200).applied(t); msg != cat.T("en", "flash.settings_saved") {
				t.Fatalf("message %q", msg)
			}
			form.Set("downloads", "allowed")
			if loc := admin.do("POST", base+"/settings", form).want(t, 303).header.Get("Location"); loc != base+"/settings" {
				t.Fatalf("a plain form goes to %q", loc)
			}
		})

		t.Run("downloads and captions", func(t *testing.T) {
			id := idOf(t, admin.upload(ws, "videos", map[string]string{"name": "Teaser"}, "clip.mp4", bytes.NewReader(video)).want(t, 201))
			item := base + "/items/" + id
			msg, _ := admin.do("POST", item+"/download", url.Values{"allowed": {"on"}}, inPlace("en")...).want(t, 200).applied(t)
			if want := cat.T("en", "flash.video_downloads_on_named", "name", "Teaser"); msg != want {
				t.Fatalf("message %q, want %q", msg, want)
			}
			if loc := admin.do("POST", item+"/download", url.Values{}).want(t, 303).header.Get("Location"); loc != item+"#share" {
				t.Fatalf("a plain form goes to %q", loc)
			}

			admin.do("PUT", "/api/v1/videos/"+id+"/captions/fr", frenchSRT, "Content-Type", "application/x-subrip").want(t, 200)
			rows := url.Values{"label": {"Français"}, "start": {"00:00.500", "", "00:02.000"}, "end": {"00:01.800", "", "00:02.900"}, "text": {"Bonjour", "", "Fin"}}
			msg, data := admin.do("POST", item+"/captions/fr", rows, inPlace("fr")...).want(t, 200).applied(t)
			if want := cat.T("fr", "captions.saved_many", "label", "Français", "count", 2); msg != want {
				t.Fatalf("message %q, want %q", msg, want)
			}
			if cues := data["cues"].([]any); len(cues) != 2 || cues[1].(map[string]any)["text"] != "Fin" {
				t.Fatalf("answer %v", data)
			}
			// A row in error is named by its place among the rows that are
			// not empty, with its message in the reader's language.
			rows["text"] = []string{"Bonjour", "", ""}
			p := admin.do("POST", item+"/captions/fr", rows, inPlace("fr")...).want(t, 422, "invalid_captions").json(t)
			errs := p["errors"].([]any)
			if e := errs[0].(map[string]any); e["field"] != "cues[1]" || e["message"] != cat.T("fr", "captions.cue.empty_text") {
				t.Fatalf("problem %v", p)
			}
			// The editor's page, in both languages, has the player beside
			// the cues and its shortcuts written out.
			for _, lang := range []string{"en", "fr"} {
				page := string(admin.do("GET", item+"/captions/fr", nil, "Accept-Language", lang).want(t, 200).body)
				for _, want := range []string{"data-cue-video", "/api/v1/videos/" + id + "/media", html.EscapeString(cat.T(lang, "captions.set_start")), html.EscapeString(cat.T(lang, "captions.key_mark")), `form="cue-form"`} {
					if !strings.Contains(page, want) {
						t.Fatalf("%s: the editor lacks %q", lang, want)
					}
				}
			}
			// The plain form shows the editor with the problem, as before.
			if body := string(admin.do("POST", item+"/captions/fr", rows).want(t, 422).body); !strings.Contains(body, "data-cue-editor") {
				t.Fatal("the plain form does not show the editor again")
			}
			rows["text"] = []string{"Bonjour", "", "Fin"}
			if loc := admin.do("POST", item+"/captions/fr", rows).want(t, 303).header.Get("Location"); loc != item+"#captions" {
				t.Fatalf("a plain form goes to %q", loc)
			}
		})
	})
}
