package main

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"troupe/internal/i18n"
	"troupe/internal/testkit"
	"troupe/internal/troupe"
)

// browserPage drives one tab of headless Chromium against a test server.
type browserPage struct {
	t    *testing.T
	ctx  context.Context
	s    *testServer
	cat  *i18n.Catalog
	lang string
}

func (p *browserPage) do(steps ...chromedp.Action[chromedp.Void]) {
	p.t.Helper()
	if err := chromedp.Do(p.ctx, steps...); err != nil {
		p.t.Fatalf("browser: %v", err)
	}
}

func (p *browserPage) text(sel string) string {
	p.t.Helper()
	s, err := chromedp.Run(p.ctx, chromedp.Text(chromedp.CSS(sel)))
	if err != nil {
		p.t.Fatalf("text of %s: %v", sel, err)
	}
	return strings.TrimSpace(s)
}

// wantHeading waits for the page's h1 to read the catalog message key.
// It polls, because a click may still be loading the next page.
func (p *browserPage) wantHeading(key string, args ...any) {
	p.t.Helper()
	want := p.cat.T(p.lang, key, args...)
	deadline := time.Now().Add(10 * time.Second)
	for {
		got, err := chromedp.Run(p.ctx, chromedp.Evaluate[string](`(document.querySelector("h1") || {textContent: ""}).textContent.trim()`))
		if err == nil && got == want {
			return
		}
		if time.Now().After(deadline) {
			loc, _ := chromedp.Run(p.ctx, chromedp.Location())
			p.t.Fatalf("heading %q at %s (%v), want %q", got, loc, err, want)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// screenSizes are the desktop and phone viewports the journeys check.
var screenSizes = []struct {
	label string
	w, h  int64
}{{"desktop", 1440, 900}, {"phone", 390, 844}}

// check screenshots the page at desktop and phone sizes and fails on a
// horizontal scrollbar at phone width, an image without alternative text
// or a form field without a label.
func (p *browserPage) check(name string) {
	p.t.Helper()
	for _, size := range screenSizes {
		p.do(chromedp.EmulateViewport(size.w, size.h))
		problems, err := chromedp.Run(p.ctx, chromedp.Evaluate[[]string](`(() => {
			const problems = [];
			if (document.documentElement.scrollWidth > window.innerWidth) problems.push("horizontal scrollbar (" + document.documentElement.scrollWidth + "px wide)");
			document.querySelectorAll("img:not([alt])").forEach(i => problems.push("image without alt: " + i.src));
			document.querySelectorAll("input:not([type=hidden]), select, textarea").forEach(el => {
				if (!(el.labels && el.labels.length) && !el.getAttribute("aria-label") && !el.getAttribute("aria-labelledby")) problems.push("field without label: " + (el.name || el.id));
			});
			return problems;
		})()`))
		if err != nil {
			p.t.Fatalf("page check: %v", err)
		}
		testkit.Screenshot(p.t, p.ctx, p.lang+"-"+name+"-"+size.label)
		if len(problems) > 0 {
			p.t.Errorf("%s at %s: %s", name, size.label, strings.Join(problems, "; "))
		}
	}
	p.do(chromedp.EmulateViewport(1280, 800))
}

// journey starts what a browser journey needs: the catalogs, a headless
// Chromium and a server on SQLite.
func journey(t *testing.T) (*i18n.Catalog, context.Context, *testServer) {
	t.Helper()
	cat, err := i18n.Load()
	if err != nil {
		t.Fatal(err)
	}
	return cat, testkit.Browser(t), startServer(t, testkit.Engines(t)[0])
}

// Journey of issue 14, point 1: sign-up signs in at once; the unverified
// account sees a banner naming its address with Resend and Change
// address; the corrected address gets the link, which verifies in place
// and comes back to where the person was.
func TestBrowserAccountJourney(t *testing.T) {
	cat, browser, s := journey(t)
	for _, lang := range troupe.Locales {
		t.Run(lang, func(t *testing.T) {
			p := &browserPage{t: t, ctx: testkit.NewBrowserContext(t, browser), s: s, cat: cat, lang: lang}
			typo, email := "journey-"+lang+"@exmaple.com", "journey-"+lang+"@example.com"
			p.do(testkit.SetLanguage(lang), chromedp.Navigate(s.url+"/signup"))
			p.wantHeading("signup.title")
			p.check("signup")

			// A weak password is explained in place, in the page's language,
			// once: the error takes the hint's place.
			p.do(
				chromedp.SendKeys(chromedp.CSS("#f-name"), "Ada Lovelace"),
				chromedp.SendKeys(chromedp.CSS("#f-email"), typo),
				chromedp.SendKeys(chromedp.CSS("#f-password"), "short"),
				chromedp.Click(chromedp.CSS("button[type=submit]")),
				chromedp.WaitVisible(chromedp.CSS("#f-password-error")),
			)
			if got, want := p.text("#f-password-error"), cat.T(lang, "fielderr.too_short"); got != want {
				t.Fatalf("password error %q, want %q", got, want)
			}
			p.waitScript("no hint beside the error", `(h => h && h.offsetParent !== null ? "the hint still shows" : "")(document.querySelector("#f-password-hint"))`)
			if _, err := chromedp.Run(p.ctx, chromedp.Evaluate[bool](`document.querySelector("#f-password").value = ""; true`)); err != nil {
				t.Fatal(err)
			}
			p.do(
				chromedp.SendKeys(chromedp.CSS("#f-password"), "correct horse 1"),
				chromedp.Click(chromedp.CSS("button[type=submit]")),
			)
			// Inside at once: no check-email page, no sign-in.
			p.wantHeading("home.welcome", "name", "Ada Lovelace")
			p.waitText("[data-verify-banner] .verify-banner-text", cat.T(lang, "verify.banner", "email", typo))
			p.check("home-unverified")

			// The address had a typo: correct it from the banner.
			p.do(chromedp.Click(chromedp.CSS("[data-verify-banner] a.btn")))
			p.wantHeading("change_email.title")
			p.check("change-email")
			p.eval(`document.querySelector("#f-email").value = ""; true`)
			p.do(
				chromedp.SendKeys(chromedp.CSS("#f-email"), email),
				chromedp.Click(chromedp.CSS("button[type=submit]")),
			)
			p.wantHeading("home.welcome", "name", "Ada Lovelace")
			p.waitText(".toast", cat.T(lang, "flash.email_changed"))
			p.waitText("[data-verify-banner] .verify-banner-text", cat.T(lang, "verify.banner", "email", email))

			// The corrected address got a link, which comes back home.
			link := s.mail.WaitFor(t, email, 10*time.Second).Link(t, "/verify-email")
			if n := s.mail.Count(typo); n != 1 {
				t.Fatalf("%d mails to the mistyped address, want only the first link", n)
			}
			p.do(chromedp.Navigate(s.url + "/account"))
			p.wantHeading("account.title")
			if got := p.text("#account-email + .badge"); got != cat.T(lang, "account.unverified") {
				t.Fatalf("badge %q", got)
			}
			p.do(chromedp.Navigate(link))
			p.wantHeading("verify.title")
			p.check("verify-email")
			p.do(chromedp.Click(chromedp.CSS("button[type=submit]")))
			p.wantHeading("home.welcome", "name", "Ada Lovelace")
			p.waitText(".toast", cat.T(lang, "flash.email_verified"))
			p.waitScript("banner gone", `document.querySelector("[data-verify-banner]") ? "the banner still shows" : ""`)
			p.check("home")

			p.do(chromedp.Navigate(s.url + "/account"))
			p.wantHeading("account.title")
			if got := p.text("#account-email"); got != email {
				t.Fatalf("account page shows %q, want %q", got, email)
			}
			if got := p.text(".badge-green"); got != cat.T(lang, "account.verified") {
				t.Fatalf("badge %q", got)
			}
			p.check("account")

			// Sign-out and sign-in still work with the corrected address.
			p.do(chromedp.Click(chromedp.CSS(".sidebar-bottom summary")), chromedp.Click(chromedp.CSS(`.sidebar-bottom form[action="/logout"] button`)))
			p.wantHeading("login.title")
			p.check("login")
			p.do(
				chromedp.SendKeys(chromedp.CSS("#f-email"), email),
				chromedp.SendKeys(chromedp.CSS("#f-password"), "correct horse 1"),
				chromedp.Click(chromedp.CSS("button[type=submit]")),
			)
			p.wantHeading("home.welcome", "name", "Ada Lovelace")
		})
	}
}
