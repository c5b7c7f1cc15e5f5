package main

import (
	"net/url"
	"strings"
	"testing"
	"time"

	cdpbrowser "github.com/chromedp/cdproto/browser"
	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/chromedp"

	"troupe/internal/i18n"
	"troupe/internal/testkit"
)

// A Developer adds an endpoint on the Webhooks page, copies its secret
// (shown once), sends a test event that arrives signed, and sees it
// delivered in the deliveries table — on a phone-sized screen too.
func TestBrowserWebhookJourney(t *testing.T) {
	cat, err := i18n.Load()
	if err != nil {
		t.Fatal(err)
	}
	browser := testkit.Browser(t)
	s := startServerWith(t, testkit.Engines(t)[0], serverOptions{webhookRetries: []time.Duration{100 * time.Millisecond},
		env: []string{"TROUPE_WEBHOOKS_ALLOW_HTTP", "true", "TROUPE_WEBHOOKS_ALLOW_PRIVATE", "true"}})
	const lang = "en"
	s.signupVerified(t, "admin@acme.com", "Maya Chen", "correct horse 1")
	api := s.login(t, "admin@acme.com")
	base := api.post("/workspaces", url.Values{"name": {"Acme Studio"}}, 303).where()
	ws := strings.TrimPrefix(base, "/w/")
	s.member(t, api, ws, "dev@acme.com", "developer")
	r := testkit.StartReceiver(t)

	p := &browserPage{t: t, ctx: browser, s: s, cat: cat, lang: lang}
	c := chromedp.FromContext(browser)
	if _, err := cdp.Call(browser, c.Browser, cdpbrowser.SetPermission, cdpbrowser.SetPermissionParams{
		Permission: &cdpbrowser.PermissionDescriptor{Name: "clipboard-read"}, Setting: cdpbrowser.PermissionSettingGranted,
		Origin: s.url, BrowserContextID: c.BrowserContextID,
	}); err != nil {
		t.Fatalf("clipboard permission: %v", err)
	}
	page := base + "/settings/webhooks"
	p.signIn("dev@acme.com", page)
	p.wantHeading("webhooks.title")
	p.do(chromedp.SendKeys(chromedp.CSS("#f-url"), r.URL))
	p.do(chromedp.Click(chromedp.CSS(`input[name=events][value="item.created"]`)))
	p.do(chromedp.Click(chromedp.CSS(`form[data-webhook-form] button[type=submit]`)))
	p.waitText("#h-created span", cat.T(lang, "webhooks.created_title"))
	secret := p.value("#f-webhook-secret")
	if !strings.HasPrefix(secret, "whsec_") {
		t.Fatalf("the page shows the secret %q", secret)
	}
	p.do(chromedp.Click(chromedp.CSS(`[data-copy="f-webhook-secret"]`)))
	p.waitText(`[data-copy="f-webhook-secret"] span`, cat.T(lang, "copy.copied"))
	copied, err := chromedp.Run(p.ctx, chromedp.Evaluate[string](`navigator.clipboard.readText()`, chromedp.EvalAwaitPromise))
	if err != nil || copied != secret {
		t.Fatalf("the clipboard holds %q (%v), want the secret", copied, err)
	}
	r.SetSecret(copied)

	p.do(chromedp.Click(chromedp.CSS(`form[action$="/test"] button`)))
	p.waitText(".toast", cat.T(lang, "flash.webhook_test_sent"))
	ev := r.WaitFor("webhook.test", nil, 10*time.Second)
	// The table shows it delivered once the page is read again.
	deadline := time.Now().Add(15 * time.Second)
	for {
		p.do(chromedp.Navigate(s.url + page))
		ok, _ := chromedp.Run(p.ctx, chromedp.Evaluate[bool](`(() => {
			const row = document.querySelector('tr[data-delivery="`+ev.ID+`"]');
			return !!row && row.dataset.status === "succeeded";
		})()`))
		if ok {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the test event never showed delivered in the table")
		}
		time.Sleep(300 * time.Millisecond)
	}
	for _, size := range []struct {
		label string
		w, h  int64
	}{{"desktop", 1440, 900}, {"phone", 390, 844}} {
		p.do(chromedp.EmulateViewport(size.w, size.h), chromedp.Navigate(s.url+page))
		p.wantHeading("webhooks.title")
		p.waitScript("no sideways scroll", `(() => document.documentElement.scrollWidth > window.innerWidth ?
			"page is " + document.documentElement.scrollWidth + "px wide" : "")()`)
		testkit.Screenshot(t, p.ctx, "webhooks-"+size.label)
	}
	if got := p.text(`tr[data-delivery="` + ev.ID + `"] td:first-child`); got != "webhook.test" {
		t.Fatalf("the delivery row names %q", got)
	}
	// The secret is never shown again.
	if strings.Contains(p.text("body"), secret) {
		t.Fatal("the secret is on the page again")
	}
}
