package main

import (
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"troupe/internal/i18n"
	"troupe/internal/testkit"
)

// Two-factor from the account page: set it up with the QR code's key,
// keep the recovery codes shown once, sign out, and sign in again with a
// code, landing where the sign-in was going.
func TestBrowserTwoFactorJourney(t *testing.T) {
	cat, err := i18n.Load()
	if err != nil {
		t.Fatal(err)
	}
	browser := testkit.Browser(t)
	var ahead atomic.Int64
	s := startServerWith(t, testkit.Engines(t)[0], serverOptions{now: func() time.Time { return time.Now().Add(time.Duration(ahead.Load())) }})
	const lang = "en"
	p := &browserPage{t: t, ctx: testkit.NewBrowserContext(t, browser), s: s, cat: cat, lang: lang}
	s.signupVerified(t, "ada@example.com", "Ada", "correct horse 1")
	p.signIn("ada@example.com", "/account")
	p.wantHeading("account.title")
	p.waitText("[data-two-factor-state]", cat.T(lang, "two_factor.off"))

	p.do(chromedp.Click(chromedp.CSS(`form[action="/account/two-factor"] button[type=submit]`)))
	p.waitTrue("the QR code shows", `(i => !!i && i.complete && i.naturalWidth > 0 && i.src.startsWith("data:image/png;base64,"))(document.querySelector("[data-two-factor-qr]"))`)
	secret := strings.ReplaceAll(p.text("[data-two-factor-secret]"), " ", "")
	// A wrong first code is explained and the setup stays.
	p.do(
		chromedp.SendKeys(chromedp.CSS("#f-code"), "000000"),
		chromedp.Click(chromedp.CSS(`form[action="/account/two-factor/confirm"] button[type=submit]`)),
	)
	p.waitText("#form-error", cat.T(lang, "error.invalid_code"))
	if got := strings.ReplaceAll(p.text("[data-two-factor-secret]"), " ", ""); got != secret {
		t.Fatalf("the key changed after a wrong code: %q, was %q", got, secret)
	}
	p.eval(`document.querySelector("#f-code").value = ""; true`)
	p.do(
		chromedp.SendKeys(chromedp.CSS("#f-code"), codeAt(t, secret, &ahead)),
		chromedp.Click(chromedp.CSS(`form[action="/account/two-factor/confirm"] button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS("[data-recovery-codes]")),
	)
	codes := strings.Fields(p.value("#recovery-codes"))
	if len(codes) != 10 {
		t.Fatalf("%d recovery codes shown", len(codes))
	}
	p.waitText("[data-two-factor-state]", cat.T(lang, "two_factor.on"))
	p.waitTrue("a copy button for the codes", `!!document.querySelector('[data-copy="recovery-codes"]')`)

	// Sign out, then in: the password leads to the code, which signs in.
	p.do(chromedp.Navigate(s.url + "/"))
	p.eval(`document.querySelector('form[action="/logout"]').submit(); true`)
	p.wantHeading("login.title")
	p.signIn("ada@example.com", "/account")
	p.wantHeading("login_code.title")
	nextStep(&ahead)
	p.do(
		chromedp.SendKeys(chromedp.CSS("#f-code"), codeAt(t, secret, &ahead)),
		chromedp.Click(chromedp.CSS("button[type=submit]")),
	)
	p.wantHeading("account.title")
	p.waitText("[data-two-factor-state]", cat.T(lang, "two_factor.on"))
	p.waitTrue("no recovery codes shown again", `!document.querySelector("[data-recovery-codes]")`)
}
