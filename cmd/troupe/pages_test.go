package main

import (
	"net/url"
	"strings"
	"testing"
	"time"

	"troupe/internal/testkit"
)

// The pages work as plain forms, without JavaScript.
func TestPagesAsPlainForms(t *testing.T) {
	forEngine(t, func(t *testing.T, s *testServer) {
		c := s.client(t)
		lang := []string{"Accept-Language", "fr-CA,fr;q=0.9,en;q=0.5"}

		t.Run("signed-out visitors are sent to sign-in", func(t *testing.T) {
			res := c.do("GET", "/account", nil).want(t, 303)
			if loc := res.header.Get("Location"); loc != "/login?next=%2Faccount" {
				t.Fatalf("Location %q", loc)
			}
		})

		t.Run("the browser's language is used", func(t *testing.T) {
			body := string(c.do("GET", "/signup", nil, lang...).want(t, 200).body)
			if !strings.Contains(body, `<html lang="fr">`) || !strings.Contains(body, "Créez votre compte") {
				t.Fatal("French page expected")
			}
		})

		t.Run("invalid input is shown inline and kept", func(t *testing.T) {
			form := url.Values{"name": {"Zoé"}, "email": {"not-an-email"}, "password": {"short"}}
			body := string(c.do("POST", "/signup", form, lang...).want(t, 422).body)
			for _, want := range []string{"Saisissez une adresse e-mail valide", "Utilisez au moins 10 caractères", `value="Zoé"`, `value="not-an-email"`, `aria-invalid="true"`} {
				if !strings.Contains(body, want) {
					t.Fatalf("page lacks %q", want)
				}
			}
			if strings.Contains(body, `value="short"`) {
				t.Fatal("the password was sent back to the browser")
			}
		})

		t.Run("sign-up signs in, verification comes back in place, then sign-in and sign-out", func(t *testing.T) {
			form := url.Values{"name": {"Zoé"}, "email": {"zoe@example.com"}, "password": {"correct horse 1"}}
			res := c.do("POST", "/signup", form, lang...).want(t, 303)
			if res.header.Get("Location") != "/" {
				t.Fatalf("Location %q", res.header.Get("Location"))
			}
			// Inside at once, with the banner naming the address.
			page := string(c.do("GET", "/", nil, lang...).want(t, 200).body)
			for _, want := range []string{"Bienvenue, Zoé", "Vérifiez zoe@example.com", "Renvoyer le lien", "Changer d&#39;adresse", `href="/account/email?next=%2F"`} {
				if !strings.Contains(page, want) {
					t.Fatalf("home lacks %q", want)
				}
			}
			link := s.mail.WaitFor(t, "zoe@example.com", 10*time.Second).Link(t, "/verify-email")
			tok := testkit.TokenOf(t, link)
			// Opening the link verifies nothing until the button is pressed.
			page = string(c.do("GET", "/verify-email?token="+tok, nil, lang...).want(t, 200).body)
			if !strings.Contains(page, `value="`+tok+`"`) {
				t.Fatal("verification page lacks the token form")
			}
			res = c.do("POST", "/verify-email", url.Values{"token": {tok}, "next": {"/account"}}, lang...).want(t, 303)
			if res.header.Get("Location") != "/account" {
				t.Fatalf("after verifying: %q", res.header.Get("Location"))
			}
			page = string(c.do("GET", "/account", nil, lang...).want(t, 200).body)
			if !strings.Contains(page, "Votre adresse e-mail est vérifiée.") || strings.Contains(page, "Renvoyer le lien") {
				t.Fatal("verification not confirmed in place")
			}
			page = string(c.do("POST", "/verify-email", url.Values{"token": {tok}}, lang...).want(t, 400).body)
			if !strings.Contains(page, "n&#39;est plus valide") {
				t.Fatalf("reused link not explained:\n%s", page)
			}
			c.do("POST", "/logout", nil).want(t, 303)

			c.do("POST", "/login", url.Values{"email": {"zoe@example.com"}, "password": {"wrong password"}}, lang...).want(t, 401)
			res = c.do("POST", "/login", url.Values{"email": {"zoe@example.com"}, "password": {"correct horse 1"}, "next": {"/account"}}, lang...).want(t, 303)
			if res.header.Get("Location") != "/account" {
				t.Fatalf("after sign-in: %q", res.header.Get("Location"))
			}
			page = string(c.do("GET", "/account", nil, lang...).want(t, 200).body)
			if !strings.Contains(page, "zoe@example.com") || !strings.Contains(page, "Vérifié") {
				t.Fatal("account page incomplete")
			}
			c.do("POST", "/account/profile", url.Values{"name": {"Zoé Martin"}, "locale": {"en"}, "discoverable": {"on"}}).want(t, 303)
			page = string(c.do("GET", "/account", nil, lang...).want(t, 200).body)
			if !strings.Contains(page, `<html lang="en">`) || !strings.Contains(page, "Zoé Martin") || !strings.Contains(page, "Your changes were saved.") {
				t.Fatal("the user's language setting must win over the browser's, and the change be confirmed")
			}
			c.do("POST", "/logout", nil).want(t, 303)
			c.do("GET", "/account", nil).want(t, 303)
		})

		t.Run("sign-in only redirects within the site", func(t *testing.T) {
			for _, next := range []string{"https://evil.example/", "//evil.example/", "/\\evil.example"} {
				res := c.do("POST", "/login", url.Values{"email": {"zoe@example.com"}, "password": {"correct horse 1"}, "next": {next}}).want(t, 303)
				if loc := res.header.Get("Location"); loc != "/" {
					t.Fatalf("next=%q redirected to %q", next, loc)
				}
			}
		})

		t.Run("unknown pages are a friendly 404", func(t *testing.T) {
			body := string(c.do("GET", "/no/such/page", nil).want(t, 404).body)
			if !strings.Contains(body, "Page not found") {
				t.Fatal("no 404 page")
			}
		})

		t.Run("cross-site form posts are refused", func(t *testing.T) {
			c.do("POST", "/logout", nil, "Origin", "https://evil.example", "Sec-Fetch-Site", "cross-site").want(t, 403)
		})

		t.Run("oversized forms are refused", func(t *testing.T) {
			c.do("POST", "/login", url.Values{"email": {strings.Repeat("a", 70<<10)}}).want(t, 413)
		})

		t.Run("assets are served under hashed URLs", func(t *testing.T) {
			page := string(c.do("GET", "/login", nil).want(t, 200).body)
			i := strings.Index(page, "/static/")
			j := strings.Index(page[i:], `"`)
			res := c.do("GET", page[i:i+j], nil).want(t, 200)
			if !strings.Contains(res.header.Get("Cache-Control"), "immutable") {
				t.Fatal("assets must be cached for good")
			}
			c.do("GET", "/static/0000/app.css", nil).want(t, 404)
		})
	})
}
