package main

import (
	"testing"

	"troupe/internal/testkit"
	"troupe/internal/troupe"
)

// The audit log in a browser: sentences fit a phone, and the browser
// says each time in its own time zone and language.
func TestBrowserAuditLog(t *testing.T) {
	cat, browser, s := journey(t)
	alice, _ := s.signedIn(t, "alice@acme.com")
	ws := alice.do("POST", "/api/v1/workspaces", map[string]string{"name": "Acme Studio"}).want(t, 201).json(t)["id"].(string)
	_, bobID := s.member(t, alice, ws, "bob@acme.com", "developer")
	alice.do("PATCH", "/api/v1/workspaces/"+ws+"/members/"+bobID, map[string]string{"role": "creator"}).want(t, 200)
	for _, lang := range troupe.Locales {
		t.Run(lang, func(t *testing.T) {
			p := &browserPage{t: t, ctx: testkit.NewBrowserContext(t, browser), s: s, cat: cat, lang: lang}
			p.signIn("alice@acme.com", "/w/"+ws+"/audit")
			p.wantHeading("audit.title")
			p.waitTrue("times said in local time", `(() => {
				const times = [...document.querySelectorAll("time[data-local]")];
				return times.length > 0 && times.every(el => el.title && !el.title.endsWith("UTC"));
			})()`)
			p.check("audit")
		})
	}
}
