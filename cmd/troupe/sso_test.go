package main

import (
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"troupe/internal/testkit"
)

// Single sign-on against a real OpenID provider process: a first sign-in
// makes a verified account; one at a verified address links to it; an
// address the provider has not verified, or an account whose address
// was never verified, signs nobody in; a callback that did not start in
// this browser signs nobody in; identities are listed and unlinked.
func TestSingleSignOn(t *testing.T) {
	for _, e := range testkit.Engines(t) {
		t.Run(e.Name, func(t *testing.T) {
			port := testkit.OIDCPort(t)
			issuer := "http://127.0.0.1:" + strconv.Itoa(port) + "/"
			cfg, _ := json.Marshal([]map[string]any{{"id": "acme-id", "name": "Acme ID", "issuer": issuer,
				"client_id": "troupe", "client_secret": "troupe-secret"}})
			s := startServerWith(t, e, serverOptions{env: []string{"TROUPE_OIDC_PROVIDERS", string(cfg)}})
			op := testkit.StartOIDCProvider(t, port, []testkit.OIDCUser{
				{ID: "u-ada", Username: "ada", Password: "ada-password", Email: "ada@acme.com", EmailVerified: true, FirstName: "Ada", LastName: "Lovelace"},
				{ID: "u-bob", Username: "bob", Password: "bob-password", Email: "bob@acme.com", EmailVerified: true},
				{ID: "u-cy", Username: "cy", Password: "cy-password", Email: "cy@acme.com", EmailVerified: false},
				{ID: "u-dee", Username: "dee", Password: "dee-password", Email: "dee@acme.com", EmailVerified: true},
			}, s.url+"/auth/sso/acme-id/callback")

			// The sign-in page offers the provider.
			if page := string(s.client(t).do("GET", "/login", nil).want(t, 200).body); !strings.Contains(page, "Continue with Acme ID") ||
				!strings.Contains(page, `href="/auth/sso/acme-id"`) {
				t.Fatalf("the sign-in page does not offer the provider:\n%s", page)
			}
			me := func(c *http.Client) map[string]any {
				t.Helper()
				res, err := c.Get(s.url + "/api/v1/me")
				if err != nil {
					t.Fatal(err)
				}
				defer res.Body.Close()
				var out map[string]any
				if res.StatusCode == 200 {
					json.NewDecoder(res.Body).Decode(&out)
				}
				return out
			}
			final := func(res *http.Response) string {
				t.Helper()
				body, _ := io.ReadAll(res.Body)
				res.Body.Close()
				return strconv.Itoa(res.StatusCode) + " " + res.Request.URL.Path + "\n" + string(body)
			}

			// First sign-in: a new, verified account, back where it began.
			c, res := op.SignInAt(t, s.url+"/auth/sso/acme-id?next=/account", "ada", "ada-password")
			if got := final(res); !strings.HasPrefix(got, "200 /account") {
				t.Fatalf("JIT sign-in ended at %s", got[:min(len(got), 300)])
			}
			if m := me(c); m["email"] != "ada@acme.com" || m["email_verified"] != true || m["name"] != "Ada Lovelace" {
				t.Fatalf("the new account: %v", m)
			}
			// Again: the same account, through the linked identity.
			c, res = op.SignInAt(t, s.url+"/auth/sso/acme-id", "ada", "ada-password")
			final(res)
			adaID := me(c)["id"]

			// A verified account at the same address is linked.
			s.signupVerified(t, "bob@acme.com", "Bob", "correct horse 1")
			bobPass := s.client(t)
			bobID := bobPass.do("POST", "/api/v1/auth/login", map[string]string{"email": "bob@acme.com", "password": "correct horse 1"}).want(t, 200).json(t)["id"]
			c, res = op.SignInAt(t, s.url+"/auth/sso/acme-id", "bob", "bob-password")
			final(res)
			if m := me(c); m["id"] != bobID || m["id"] == adaID {
				t.Fatalf("bob's sign-on reached %v, want his account %v", m, bobID)
			}
			ids := bobPass.do("GET", "/api/v1/me/identities", nil).want(t, 200).json(t)["items"].([]any)
			if len(ids) != 1 || ids[0].(map[string]any)["provider"] != "acme-id" || ids[0].(map[string]any)["provider_name"] != "Acme ID" {
				t.Fatalf("bob's identities: %v", ids)
			}
			// He has a password, so he may unlink; Ada, who has none, may not.
			bobPass.do("DELETE", "/api/v1/me/identities/acme-id", nil).want(t, 204)
			bobPass.do("DELETE", "/api/v1/me/identities/acme-id", nil).want(t, 404, "not_found")
			adaBrowser, res := op.SignInAt(t, s.url+"/auth/sso/acme-id", "ada", "ada-password")
			final(res)
			if req, _ := http.NewRequest("DELETE", s.url+"/api/v1/me/identities/acme-id", nil); true {
				res, err := adaBrowser.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				res.Body.Close()
				if res.StatusCode != 409 {
					t.Fatalf("unlinking the only way in: %d, want 409", res.StatusCode)
				}
			}

			// An address the provider has not verified signs nobody in.
			c, res = op.SignInAt(t, s.url+"/auth/sso/acme-id", "cy", "cy-password")
			if got := final(res); !strings.HasPrefix(got, "403 ") {
				t.Fatalf("unverified address at the provider: %s", got[:min(len(got), 300)])
			}
			if me(c) != nil {
				t.Fatal("an unverified address was signed in")
			}
			// Nor does a Troupe account whose address was never verified.
			s.client(t).do("POST", "/api/v1/auth/signup", map[string]string{"email": "dee@acme.com", "password": "correct horse 1", "name": "Dee"}).want(t, 201)
			c, res = op.SignInAt(t, s.url+"/auth/sso/acme-id", "dee", "dee-password")
			if got := final(res); !strings.HasPrefix(got, "409 ") {
				t.Fatalf("unverified Troupe account: %s", got[:min(len(got), 300)])
			}
			if me(c) != nil {
				t.Fatal("an account with an unverified address was taken over")
			}

			// A callback that did not start in this browser, or with another
			// state, signs nobody in.
			stranger := s.client(t)
			stranger.do("GET", "/auth/sso/acme-id/callback?code=x&state=y", nil).want(t, 400)
			started := s.client(t)
			started.do("GET", "/auth/sso/acme-id", nil).want(t, 303)
			started.do("GET", "/auth/sso/acme-id/callback?code=x&state=forged", nil).want(t, 400)
			started.do("GET", "/api/v1/me", nil).want(t, 401)
			s.client(t).do("GET", "/auth/sso/nobody", nil).want(t, 404)
		})
	}
}
