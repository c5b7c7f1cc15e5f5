package main

import (
	"net/url"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"troupe/internal/testkit"
)

// Journey of issue 14, point 1: someone opens an invite link in a fresh
// browser, sees the workspace and the role, fills in one form (name,
// address, password once) and lands inside, signed in; no separate
// sign-in, no check-email page.
func TestBrowserInviteLinkSignupJourney(t *testing.T) {
	cat, browser, s := journey(t)
	for _, lang := range []string{"en", "fr"} {
		t.Run(lang, func(t *testing.T) {
			admin := "admin-" + lang + "@acme.com"
			s.signupVerified(t, admin, "Maya Chen", "correct horse 1")
			api := s.login(t, admin)
			base := api.post("/workspaces", url.Values{"name": {"Acme Studio " + lang}}, 303).where()
			ws := base[len("/w/"):]
			token := api.do("PUT", "/api/v1/workspaces/"+ws+"/invite-link", map[string]any{"role": "creator"}).want(t, 200).json(t)["token"].(string)

			p := &browserPage{t: t, ctx: testkit.NewBrowserContext(t, browser), s: s, cat: cat, lang: lang}
			p.do(testkit.SetLanguage(lang), chromedp.Navigate(s.url+"/join/"+token))
			p.wantHeading("join.title")
			p.waitText(".lead", cat.T(lang, "join.preview", "workspace", "Acme Studio "+lang, "role", cat.T(lang, "role.creator")))
			p.waitScript("one password field", `document.querySelectorAll("input[type=password]").length === 1 ? "" : "password fields: " + document.querySelectorAll("input[type=password]").length`)
			p.check("join-link-signup")
			p.do(
				chromedp.SendKeys(chromedp.CSS("#f-name"), "Nia Okafor"),
				chromedp.SendKeys(chromedp.CSS("#f-email"), "nia-"+lang+"@example.org"),
				chromedp.SendKeys(chromedp.CSS("#f-password"), "correct horse 1"),
				chromedp.Click(chromedp.CSS("button[type=submit]")),
			)
			p.wantHeading("home.welcome", "name", "Nia Okafor")
			p.waitText(".ws-switcher .ws-name", "Acme Studio "+lang)
			p.waitText(".toast", cat.T(lang, "flash.joined"))
			p.waitText("[data-verify-banner] .verify-banner-text", cat.T(lang, "verify.banner", "email", "nia-"+lang+"@example.org"))
			p.check("joined-by-link")
		})
	}
}

// Journey of issue 14, point 11: a colleague signs up with their company
// address; until it is verified, finding the team waits (and says why);
// the mailed link verifies in place and comes back home, where "Find
// your team" comes before "Create a workspace", and one click joins.
func TestBrowserFindYourTeamFirstJourney(t *testing.T) {
	cat, browser, s := journey(t)
	const lang = "en"
	s.signupVerified(t, "admin@acme.com", "Maya Chen", "correct horse 1")
	api := s.login(t, "admin@acme.com")
	base := api.post("/workspaces", url.Values{"name": {"Acme Studio"}}, 303).where()
	api.post(base+"/settings", url.Values{"join_policy": {"domain"}}, 303)
	api.post(base+"/settings/domains", url.Values{"domain": {"acme.com"}}, 303)
	s.verifyDomain(t, api, base, "acme.com")

	p := &browserPage{t: t, ctx: testkit.NewBrowserContext(t, browser), s: s, cat: cat, lang: lang}
	p.do(testkit.SetLanguage(lang), chromedp.Navigate(s.url+"/signup"))
	p.wantHeading("signup.title")
	p.do(
		chromedp.SendKeys(chromedp.CSS("#f-name"), "Bob Stone"),
		chromedp.SendKeys(chromedp.CSS("#f-email"), "bob@acme.com"),
		chromedp.SendKeys(chromedp.CSS("#f-password"), "correct horse 1"),
		chromedp.Click(chromedp.CSS("button[type=submit]")),
	)
	p.wantHeading("home.welcome", "name", "Bob Stone")
	p.waitScript("no team found before verification", `document.querySelector("[data-find-team]") ? "Find your team shows for an unverified address" : ""`)

	// Finding the team directly says what it waits for, once.
	p.do(chromedp.Navigate(s.url + "/discover"))
	p.wantHeading("discover.title")
	p.waitText(".empty-state h2", cat.T(lang, "discover.unverified_title"))
	p.waitScript("no error banner repeating it", `document.querySelector(".banner-error") ? "an error banner repeats the explanation" : ""`)
	p.check("discover-unverified")

	link := s.mail.WaitFor(t, "bob@acme.com", 10*time.Second).Link(t, "/verify-email")
	p.do(chromedp.Navigate(link))
	p.wantHeading("verify.title")
	p.do(chromedp.Click(chromedp.CSS("button[type=submit]")))
	p.wantHeading("home.welcome", "name", "Bob Stone")
	p.waitText(".toast", cat.T(lang, "flash.email_verified"))
	p.waitText("#h-find", cat.T(lang, "discover.title"))
	p.waitScript("find your team comes first", `(() => {
		const find = document.querySelector("[data-find-team]"), create = document.querySelector("[data-create-workspace]");
		if (!find || !create) return "missing section";
		if (!(find.compareDocumentPosition(create) & Node.DOCUMENT_POSITION_FOLLOWING)) return "Create a workspace comes first";
		if (find.getBoundingClientRect().top >= window.innerHeight) return "Find your team is below the fold";
		return "";
	})()`)
	p.waitText("#h-create", cat.T(lang, "home.create_own_title"))
	p.check("home-find-team")
	p.do(chromedp.Click(chromedp.CSS(`[data-find-team] [data-workspace="Acme Studio"] button[type=submit]`)))
	p.wantHeading("home.welcome", "name", "Bob Stone")
	p.waitText(".ws-switcher .ws-name", "Acme Studio")
	p.waitText(".toast", cat.T(lang, "flash.joined"))
	p.check("joined-by-domain")
}
