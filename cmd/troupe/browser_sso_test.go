package main

import (
	"encoding/json"
	"strconv"
	"testing"

	"github.com/chromedp/chromedp"

	"troupe/internal/i18n"
	"troupe/internal/testkit"
)

// Journey: a newcomer whose company signs in with its own provider opens
// the sign-in page, chooses "Continue with Acme ID", signs in at the
// provider and lands in Troupe signed in, with a verified account; the
// account page lists the linked provider. Then in French.
func TestBrowserSingleSignOnJourney(t *testing.T) {
	cat, err := i18n.Load()
	if err != nil {
		t.Fatal(err)
	}
	browser := testkit.Browser(t)
	port := testkit.OIDCPort(t)
	cfg, _ := json.Marshal([]map[string]any{{"id": "acme-id", "name": "Acme ID", "issuer": "http://127.0.0.1:" + strconv.Itoa(port) + "/",
		"client_id": "troupe", "client_secret": "troupe-secret"}})
	s := startServerWith(t, testkit.Engines(t)[0], serverOptions{env: []string{"TROUPE_OIDC_PROVIDERS", string(cfg)}})
	testkit.StartOIDCProvider(t, port, []testkit.OIDCUser{
		{ID: "u-en", Username: "nora", Password: "nora-password", Email: "nora@acme.com", EmailVerified: true, FirstName: "Nora", LastName: "Field"},
		{ID: "u-fr", Username: "remi", Password: "remi-password", Email: "remi@acme.com", EmailVerified: true, FirstName: "Rémi", LastName: "Roux"},
	}, s.url+"/auth/sso/acme-id/callback")
	for lang, who := range map[string]string{"en": "nora", "fr": "remi"} {
		t.Run(lang, func(t *testing.T) {
			p := &browserPage{t: t, ctx: testkit.NewBrowserContext(t, browser), s: s, cat: cat, lang: lang}
			T := func(key string, args ...any) string { return cat.T(lang, key, args...) }
			p.do(testkit.SetLanguage(lang), chromedp.Navigate(s.url+"/login?next=/account"))
			p.wantHeading("login.title")
			p.waitText(`[data-sso="acme-id"]`, T("sso.continue_with", "name", "Acme ID"))
			p.check("login-with-sso")
			p.do(chromedp.Click(chromedp.CSS(`[data-sso="acme-id"]`)),
				chromedp.WaitVisible(chromedp.CSS("#username")),
				chromedp.SendKeys(chromedp.CSS("#username"), who),
				chromedp.SendKeys(chromedp.CSS("#password"), who+"-password"),
				chromedp.Click(chromedp.CSS("button[type=submit]")))
			p.waitText(`#identities [data-identity="acme-id"] strong`, "Acme ID")
			p.waitText(`#identities [data-identity="acme-id"] .subtle`, T("sso.linked_as", "email", who+"@acme.com"))
			p.check("account-identities")
		})
	}
}
