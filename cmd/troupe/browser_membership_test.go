package main

import (
	"net/url"
	"testing"

	"github.com/chromedp/chromedp"

	"troupe/internal/testkit"
)

// signIn signs the browser in through the sign-in page, landing on next.
func (p *browserPage) signIn(email, next string) {
	p.t.Helper()
	p.do(testkit.SetLanguage(p.lang), chromedp.Navigate(p.s.url+"/login?next="+url.QueryEscape(next)),
		chromedp.SendKeys(chromedp.CSS("#f-email"), email),
		chromedp.SendKeys(chromedp.CSS("#f-password"), "correct horse 1"),
		chromedp.Click(chromedp.CSS("button[type=submit]")),
	)
}

// eval runs a script that returns true once it did its work.
func (p *browserPage) eval(script string) {
	p.t.Helper()
	if ok, err := chromedp.Run(p.ctx, chromedp.Evaluate[bool](script)); err != nil || !ok {
		p.t.Fatalf("script %q: %v %v", script, ok, err)
	}
}

// Journey 13b: a workspace under `request` with a company domain; a
// colleague finds it and asks to join; the Super Admin, whose page is
// already open, sees the bell light up without reloading and approves
// from the notifications panel; the colleague is then active.
func TestBrowserJoinRequestJourney(t *testing.T) {
	cat, browser, s := journey(t)
	const lang = "en"

	s.signupVerified(t, "admin@acme.com", "Maya Chen", "correct horse 1")
	s.signupVerified(t, "bob@acme.com", "Bob Stone", "correct horse 1")
	api := s.login(t, "admin@acme.com")
	base := api.post("/workspaces", url.Values{"name": {"Acme Studio"}}, 303).where()
	api.post(base+"/settings", url.Values{"join_policy": {"request"}}, 303)
	api.post(base+"/settings/domains", url.Values{"domain": {"acme.com"}}, 303)
	s.verifyDomain(t, api, base, "acme.com")

	admin := &browserPage{t: t, ctx: browser, s: s, cat: cat, lang: lang}
	admin.signIn("admin@acme.com", base+"/members")
	admin.wantHeading("members.title")
	admin.check("members-panels")

	bob := &browserPage{t: t, ctx: testkit.NewBrowserContext(t, browser), s: s, cat: cat, lang: lang}
	bob.signIn("bob@acme.com", "/discover")
	bob.wantHeading("discover.title")
	bob.check("discover")
	bob.do(chromedp.Click(chromedp.CSS(`[data-workspace="Acme Studio"] button[type=submit]`)))
	bob.waitText(`[data-workspace="Acme Studio"] .badge`, cat.T(lang, "discover.requested"))

	// The admin's page was not reloaded: the badge and the panel follow.
	admin.waitText("[data-unread-count]", "1")
	admin.do(
		chromedp.Click(chromedp.CSS("summary.bell")),
		chromedp.WaitVisible(chromedp.CSS(".notif-panel .decide-form select")),
	)
	admin.waitText(".notif-panel .notif.unread .notif-text", cat.T(lang, "notif.join_request", "name", "Bob Stone", "email", "bob@acme.com", "workspace", "Acme Studio")+" ("+cat.T(lang, "notif.unread")+")")
	admin.check("notifications-panel")
	admin.eval(`(() => { const s = document.querySelector(".notif-panel .decide-form select"); s.value = "developer"; return true; })()`)
	admin.do(chromedp.Click(chromedp.CSS(".notif-panel .decide-form button[type=submit]")))
	admin.wantHeading("members.title")
	admin.waitText(`tr[data-email="bob@acme.com"] .cell-status .badge`, cat.T(lang, "status.active"))
	admin.waitText(`tr[data-email="bob@acme.com"] select option:checked`, cat.T(lang, "role.developer"))
	admin.waitText("[data-unread-count]", "0")
	admin.check("members-after-approval")

	// The screens around the journey: a fresh invite link and a new API token.
	admin.do(chromedp.Click(chromedp.CSS(`#invite-link button.btn-primary`)))
	admin.waitText(".toast", cat.T(lang, "flash.link_created"))
	admin.check("invite-link")
	admin.do(chromedp.Navigate(s.url + base + "/settings/api-tokens"))
	admin.wantHeading("tokens.title")
	admin.do(
		chromedp.SendKeys(chromedp.CSS("#f-name"), "CI uploads"),
		chromedp.Click(chromedp.CSS(`form[action$="/api-tokens"] button[type=submit]`)),
	)
	admin.waitText(".token-created .banner", cat.T(lang, "tokens.created_once"))
	admin.check("api-token-created")
	admin.do(chromedp.Navigate(s.url + "/notifications"))
	admin.wantHeading("notif.title")
	admin.check("notifications")

	bob.do(chromedp.Navigate(s.url + "/"))
	bob.waitText(".ws-switcher .ws-name", "Acme Studio")
}
