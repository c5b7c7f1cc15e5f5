package main

import (
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"troupe/internal/testkit"
)

// waitText polls until the element sel reads want (the page may still be
// loading after a click).
func (p *browserPage) waitText(sel, want string) {
	p.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		got, err := chromedp.Run(p.ctx, chromedp.Evaluate[string](`(document.querySelector(`+jsString(sel)+`) || {textContent: ""}).textContent.trim()`))
		if err == nil && got == want {
			return
		}
		if time.Now().After(deadline) {
			p.t.Fatalf("%s reads %q (%v), want %q", sel, got, err, want)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func jsString(s string) string { return "'" + strings.ReplaceAll(s, "'", `\'`) + "'" }

// Journey 13a: a Super Admin invites two people through the invite dialog,
// one of them signs up from the mailed link, and the members page shows
// them active with one more seat used.
func TestBrowserInviteJourney(t *testing.T) {
	cat, browser, s := journey(t)
	const lang = "en"
	s.signupVerified(t, "maya@northstudio.com", "Maya Chen", "correct horse 1")

	admin := &browserPage{t: t, ctx: browser, s: s, cat: cat, lang: lang}
	admin.do(testkit.SetLanguage(lang), chromedp.Navigate(s.url+"/login"),
		chromedp.SendKeys(chromedp.CSS("#f-email"), "maya@northstudio.com"),
		chromedp.SendKeys(chromedp.CSS("#f-password"), "correct horse 1"),
		chromedp.Click(chromedp.CSS("button[type=submit]")),
	)
	admin.wantHeading("home.welcome", "name", "Maya Chen")
	admin.check("home-no-workspace")
	admin.do(
		chromedp.SendKeys(chromedp.CSS("#f-name"), "North Studio"),
		chromedp.Click(chromedp.CSS(".empty-state button[type=submit]")),
	)
	admin.waitText(".ws-switcher .ws-name", "North Studio")
	admin.check("workspace-home")

	admin.do(chromedp.Click(chromedp.CSS(`a.nav-item[href$="/members"]`)))
	admin.wantHeading("members.title")
	seats := func(used int) string { return cat.T(lang, "members.seats", "used", used, "total", 10) }
	admin.waitText("#seats-text strong", seats(1))

	// The Invite button opens the dialog rather than the invite page.
	admin.do(
		chromedp.Click(chromedp.CSS("#invite-button")),
		chromedp.WaitVisible(chromedp.CSS("#invite-dialog .invite-row input")),
	)
	admin.check("invite-dialog")
	admin.do(
		chromedp.SendKeys(chromedp.CSS("#invite-dialog .invite-row input"), "ana@northstudio.com, leo@northstudio.com"),
		chromedp.Click(chromedp.CSS("#invite-dialog button[type=submit]")),
	)
	admin.waitText(".toast", cat.T(lang, "flash.invited_many", "count", 2))
	for _, email := range []string{"ana@northstudio.com", "leo@northstudio.com"} {
		admin.waitText(`tr[data-email="`+email+`"] .cell-status .badge`, cat.T(lang, "status.invited"))
	}
	admin.check("members")

	admin.do(chromedp.Click(chromedp.CSS(`a.nav-item[href$="/settings"]`)))
	admin.wantHeading("settings.title")
	admin.check("settings")

	// Ana opens the mailed link in her own browser and signs up from it.
	ana := &browserPage{t: t, ctx: testkit.NewBrowserContext(t, browser), s: s, cat: cat, lang: lang}
	link := s.mail.WaitFor(t, "ana@northstudio.com", 10*time.Second).Link(t, "/invitations/")
	ana.do(testkit.SetLanguage(lang), chromedp.Navigate(link))
	ana.wantHeading("invitation.title")
	ana.check("invitation")
	ana.do(
		chromedp.SendKeys(chromedp.CSS("#f-name"), "Ana Lima"),
		chromedp.SendKeys(chromedp.CSS("#f-email"), "ana@northstudio.com"),
		chromedp.SendKeys(chromedp.CSS("#f-password"), "correct horse 1"),
		chromedp.Click(chromedp.CSS("button[type=submit]")),
	)
	ana.wantHeading("home.welcome", "name", "Ana Lima")
	ana.waitText(".ws-switcher .ws-name", "North Studio")

	admin.do(chromedp.Click(chromedp.CSS(`a.nav-item[href$="/members"]`)))
	admin.wantHeading("members.title")
	admin.waitText(`tr[data-email="ana@northstudio.com"] .cell-status .badge`, cat.T(lang, "status.active"))
	admin.waitText(`tr[data-email="leo@northstudio.com"] .cell-status .badge`, cat.T(lang, "status.invited"))
	admin.waitText("#seats-text strong", seats(2))
	admin.check("members-after")
}
