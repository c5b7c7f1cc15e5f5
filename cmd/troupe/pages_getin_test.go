package main

import (
	"net/url"
	"strings"
	"testing"

	"troupe/internal/i18n"
	"troupe/internal/testkit"
)

// The copy of the first minutes (issue 14, point 14), in English and
// French: "Check your email" names the address, the publish message says
// whether a password is set, and a hint and an error never say the same
// thing twice.
func TestGettingInCopy(t *testing.T) {
	cat, err := i18n.Load()
	if err != nil {
		t.Fatal(err)
	}
	forEngine(t, func(t *testing.T, s *testServer) {
		s.signupVerified(t, "owner@acme.com", "Owner", "correct horse 1")
		for _, lang := range []string{"en", "fr"} {
			al := []string{"Accept-Language", lang}
			T := func(key string, args ...any) string { return htmlText(cat.T(lang, key, args...)) }

			t.Run(lang+": check your email names the address", func(t *testing.T) {
				c := s.client(t)
				form := url.Values{"name": {"X"}, "email": {"owner@acme.com"}, "password": {"correct horse 1"}}
				page := c.do("POST", "/signup", form, al...).want(t, 200).text()
				contains(t, page, T("check.title"), T("check.lead", "email", "owner@acme.com"))
				c.do("GET", "/api/v1/me", nil).want(t, 401, "unauthenticated")
				page = c.do("POST", "/forgot-password", url.Values{"email": {"someone@acme.com"}}, al...).want(t, 200).text()
				contains(t, page, T("check.title"), T("forgot.sent", "email", "someone@acme.com"))
			})

			t.Run(lang+": an error takes the hint's place", func(t *testing.T) {
				c := s.client(t)
				page := c.do("GET", "/signup", nil, al...).want(t, 200).text()
				contains(t, page, `id="f-password-hint"`, T("signup.password_hint"))
				page = c.do("POST", "/signup", url.Values{"name": {"X"}, "email": {"x@acme.com"}, "password": {"short"}}, al...).want(t, 422).text()
				contains(t, page, `id="f-password-error"`, T("fielderr.too_short"), `aria-describedby="f-password-error"`)
				lacks(t, page, `id="f-password-hint"`, T("signup.password_hint"))
			})

			t.Run(lang+": the banner names the address and offers Resend and Change address", func(t *testing.T) {
				c := s.client(t)
				email := "banner-" + lang + "@acme.com"
				c.do("POST", "/signup", url.Values{"name": {"B"}, "email": {email}, "password": {"correct horse 1"}}, al...).want(t, 303)
				page := c.do("GET", "/workspaces", nil, al...).want(t, 200).text()
				contains(t, page, T("verify.banner", "email", email), T("verify.resend"), T("verify.change"),
					`action="/account/verify-email"`, `name="next" value="/workspaces"`, `href="/account/email?next=%2Fworkspaces"`)
				// Resend comes back to the page, saying so once.
				if got := c.post("/account/verify-email", url.Values{"next": {"/workspaces"}}, 303).where(); got != "/workspaces" {
					t.Fatalf("after resend: %q", got)
				}
				contains(t, c.do("GET", "/workspaces", nil, al...).want(t, 200).text(), T("flash.verification_sent"))
				// Finding the team says why it waits, without a second banner.
				page = c.do("GET", "/discover", nil, al...).want(t, 403).text()
				contains(t, page, T("discover.unverified_title"), T("discover.unverified_lead"))
				lacks(t, page, "banner-error", T("error.email_unverified"))
				// The change form names the current address and is refused
				// for another account's.
				page = c.do("GET", "/account/email?next=%2Fworkspaces", nil, al...).want(t, 200).text()
				contains(t, page, T("change_email.title"), T("change_email.lead", "email", email), `name="next" value="/workspaces"`)
				page = c.do("POST", "/account/email", url.Values{"email": {"owner@acme.com"}, "next": {"/workspaces"}}, al...).want(t, 422).text()
				contains(t, page, T("fielderr.email.taken"), `value="owner@acme.com"`)
			})

			t.Run(lang+": the publish message says whether a password is set", func(t *testing.T) {
				admin := s.login(t, "owner@acme.com")
				admin.do("PATCH", "/api/v1/me", map[string]any{"locale": lang}).want(t, 200)
				base := admin.post("/workspaces", url.Values{"name": {"Studio " + lang}}, 303).where()
				ws := strings.TrimPrefix(base, "/w/")
				admin.do("PATCH", "/api/v1/workspaces/"+ws, map[string]string{"publishing": "allowed"}).want(t, 200)
				page := admin.postFile(base+"/upload", [][2]string{{"kind", "video"}, {"name", "Teaser"}, {"parent_id", ""}},
					"clip.mp4", testkit.VideoBytes(t, 1), 303).where()
				admin.post(page+"/publish", nil, 303)
				p := admin.page(page, 200)
				contains(t, p, T("flash.video_published"))
				lacks(t, p, T("flash.video_published_protected"))
				admin.post(page+"/unpublish", nil, 303)
				admin.post(page+"/password", url.Values{"password": {"open sesame"}}, 303)
				admin.page(page, 200)
				admin.post(page+"/publish", nil, 303)
				p = admin.page(page, 200)
				contains(t, p, T("flash.video_published_protected"))
				lacks(t, p, T("flash.video_published"))
				admin.do("PATCH", "/api/v1/me", map[string]any{"locale": "en"}).want(t, 200)
			})
		}
	})
}

// htmlText escapes a message the way html/template writes it in a page.
func htmlText(s string) string {
	return strings.NewReplacer("&", "&amp;", "'", "&#39;", "<", "&lt;", ">", "&gt;", `"`, "&#34;").Replace(s)
}
