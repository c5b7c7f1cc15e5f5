package main

import (
	"bytes"
	"net/url"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"troupe/internal/i18n"
	"troupe/internal/testkit"
)

// isoDate is a date as a machine writes it, which no page text shows.
var isoDate = regexp.MustCompile(`\d{4}-\d{2}-\d{2}`)

// The main pages in French, with things done two months ago and just now:
// every date is said in French, never as an ISO date, no catalog key is
// left in the text, and every <time> carries its instant for the browser.
func TestFrenchPagesSayDates(t *testing.T) {
	video := testkit.VideoBytes(t, 2)
	cat, err := i18n.Load()
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range testkit.Engines(t) {
		t.Run(e.Name, func(t *testing.T) {
			var back atomic.Int64 // how far the server's clock is behind
			back.Store(int64(60 * 24 * time.Hour))
			s := startServerWith(t, e, serverOptions{noTools: true,
				now: func() time.Time { return time.Now().Add(-time.Duration(back.Load())) }})
			// Sessions from two months ago have ended since.
			signIn := func(email string) *apiClient {
				c := s.client(t)
				c.do("POST", "/api/v1/auth/login", map[string]string{"email": email, "password": "correct horse 1"}).want(t, 200)
				c.do("PATCH", "/api/v1/me", map[string]string{"locale": "fr"}).want(t, 200)
				return c
			}

			// Two months ago: the workspace, a member, a token used once,
			// a draft and a video with captions, published.
			alice, _ := s.signedIn(t, "alice@acme.com")
			ws := alice.do("POST", "/api/v1/workspaces", map[string]string{"name": "Acme Studio"}).want(t, 201).json(t)["id"].(string)
			api := "/api/v1/workspaces/" + ws
			_, bobID := s.member(t, alice, ws, "bob@acme.com", "developer")
			token := alice.do("POST", api+"/api-tokens", map[string]string{"name": "ci"}).want(t, 201).json(t)["token"].(string)
			s.withToken(t, token).do("GET", api, nil).want(t, 200)
			draft := idOf(t, alice.do("POST", api+"/drafts", map[string]string{"name": "Script"}).want(t, 201))
			vid := idOf(t, alice.upload(ws, "videos", map[string]string{"name": "Launch"}, "clip.mp4", bytes.NewReader(video)).want(t, 201))
			alice.do("PUT", "/api/v1/videos/"+vid+"/captions/fr", frenchSRT, "Content-Type", "application/x-subrip").want(t, 200)
			alice.do("PATCH", api, map[string]string{"publishing": "allowed"}).want(t, 200)
			slug := alice.do("POST", "/api/v1/videos/"+vid+"/publish", nil).want(t, 200).json(t)["slug"].(string)
			alice.do("PATCH", api+"/members/"+bobID, map[string]string{"role": "creator"}).want(t, 200)

			// Ten days ago: something went to the trash.
			back.Store(int64(10 * 24 * time.Hour))
			alice = signIn("alice@acme.com")
			trashed := idOf(t, alice.do("POST", api+"/folders", map[string]string{"name": "Old cuts"}).want(t, 201))
			alice.do("DELETE", "/api/v1/items/"+trashed, nil).want(t, 204)

			// Now: a pending invitation, an invite link that expires, a join
			// request, and everyone reading in French.
			back.Store(0)
			alice = signIn("alice@acme.com")
			alice.do("POST", api+"/invitations", map[string]any{"emails": []string{"carol@example.com"}, "role": "viewer"}).want(t, 200)
			invitation := s.mail.WaitFor(t, "carol@example.com", 10*time.Second).Link(t, "/invitations/")
			invitation = invitation[strings.Index(invitation, "/invitations/"):]
			expires := time.Now().AddDate(0, 2, 0).UTC().Truncate(24 * time.Hour)
			alice.do("PUT", api+"/invite-link", map[string]any{"role": "creator", "expires_at": expires.Format(time.RFC3339)}).want(t, 200)
			alice.do("PATCH", api, map[string]string{"join_policy": "request"}).want(t, 200)
			alice.post("/w/"+ws+"/settings/domains", url.Values{"domain": {"acme.com"}}, 303)
			s.verifyDomain(t, alice, ws, "acme.com")
			dan, _ := s.signedIn(t, "dan@acme.com")
			dan.post("/discover/"+ws+"/join", nil, 303)
			bob := signIn("bob@acme.com")
			carol, _ := s.signedIn(t, "carol@example.com")
			carol.do("PATCH", "/api/v1/me", map[string]string{"locale": "fr"}).want(t, 200)
			anon := s.client(t)

			old := time.Now().Add(-60 * 24 * time.Hour).UTC()
			oldDay := regexp.MustCompile(`\b` + oldDayFR(old) + `\b`)
			base := "/w/" + ws
			for _, pg := range []struct {
				who   *apiClient
				path  string
				wants []string
			}{
				{alice, base, []string{"Modifié le "}},
				{alice, base + "/recent", nil},
				{alice, base + "/items/" + draft, []string{"Modifié le "}},
				{alice, base + "/items/" + vid, []string{"Modifié le "}},
				{alice, base + "/members", []string{"valable jusqu'au ", "à l'instant"}},
				{alice, base + "/settings/api-tokens", nil},
				{alice, base + "/audit", nil},
				{alice, base + "/trash", []string{"Mis à la corbeille il y a 10 jours", "Suppression définitive le "}},
				{alice, "/notifications", []string{"à l'instant"}},
				{bob, "/notifications", nil},
				{anon, invitation, nil},
				{carol, invitation, []string{"Expire le "}},
				{anon, "/v/" + slug, []string{"Créé avec Troupe"}},
			} {
				t.Run(strings.ReplaceAll(pg.path, "/", "_"), func(t *testing.T) {
					page := string(pg.who.do("GET", pg.path, nil, "Accept-Language", "fr").want(t, 200).body)
					text := strings.Join(strings.Fields(visibleText(page)), " ")
					if iso := isoDate.FindString(text); iso != "" {
						t.Errorf("an ISO date in the text: %q", around(text, iso))
					}
					for _, key := range cat.Keys() {
						if strings.Contains(text, key) {
							t.Errorf("a catalog key in the text: %q", around(text, key))
						}
					}
					for _, title := range regexp.MustCompile(`title="([^"]*)"`).FindAllStringSubmatch(page, -1) {
						if isoDate.MatchString(title[1]) {
							t.Errorf("an ISO date in a title: %q", title[1])
						}
					}
					times := regexp.MustCompile(`<time datetime="\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z" title="[^"]+ à \d{2}:\d{2} UTC" data-local="(?:date|time)">`).FindAllString(page, -1)
					if n := strings.Count(page, "<time"); n != len(times) {
						t.Errorf("%d of %d <time> elements carry an instant, a French title and data-local", len(times), n)
					}
					for _, w := range pg.wants {
						if !strings.Contains(text, w) {
							t.Errorf("lacks %q: %s", w, text)
						}
					}
				})
			}
			// What happened two months ago is said with its day, in French.
			for _, path := range []string{base, base + "/settings/api-tokens", base + "/audit"} {
				if text := visibleText(alice.page(path, 200)); !oldDay.MatchString(text) {
					t.Errorf("%s does not say %q", path, oldDayFR(old))
				}
			}
			if text := visibleText(bob.page("/notifications", 200)); !oldDay.MatchString(text) {
				t.Errorf("bob's notifications do not say %q", oldDayFR(old))
			}
		})
	}
}

// oldDayFR is t's day as a French page says it ("3 octobre 2026").
func oldDayFR(t time.Time) string {
	months := []string{"janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre", "novembre", "décembre"}
	day := t.Format("2")
	if t.Day() == 1 {
		day = "1er"
	}
	return day + " " + months[t.Month()-1] + " " + t.Format("2006")
}

// around is the text near what was found, for the failure message.
func around(text, found string) string {
	i := strings.Index(text, found)
	from, to := max(0, i-60), min(len(text), i+len(found)+60)
	return strings.Join(strings.Fields(text[from:to]), " ")
}
