package main

import (
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"
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

			// The identity routes are the signed-in person's own: not the
			// anonymous's, not an API token's.
			s.client(t).do("GET", "/api/v1/me/identities", nil).want(t, 401, "unauthenticated")
			s.client(t).do("DELETE", "/api/v1/me/identities/acme-id", nil).want(t, 401, "unauthenticated")
			ws := bobPass.do("POST", "/api/v1/workspaces", map[string]string{"name": "Bob's"}).want(t, 201).json(t)["id"].(string)
			tok := bobPass.do("POST", "/api/v1/workspaces/"+ws+"/api-tokens", map[string]string{"name": "ci"}).want(t, 201).json(t)["token"].(string)
			s.withToken(t, tok).do("GET", "/api/v1/me/identities", nil).want(t, 403, "forbidden")
			s.withToken(t, tok).do("DELETE", "/api/v1/me/identities/acme-id", nil).want(t, 403, "forbidden")
		})
	}
}

// A workspace's single sign-on: its provider at its verified domain,
// required (password sign-in refused with the reason, except for a Super
// Admin with two-factor), and the roles the provider's groups give at
// each sign-in, audited, never demoting the last Super Admin.
func TestWorkspaceSingleSignOn(t *testing.T) {
	for _, e := range testkit.Engines(t) {
		t.Run(e.Name, func(t *testing.T) {
			port := testkit.OIDCPort(t)
			cfg, _ := json.Marshal([]map[string]any{{"id": "studio-id", "name": "Studio ID", "issuer": "http://127.0.0.1:" + strconv.Itoa(port) + "/",
				"client_id": "troupe", "client_secret": "troupe-secret"}})
			s := startServerWith(t, e, serverOptions{env: []string{"TROUPE_OIDC_PROVIDERS", string(cfg)}})
			op := testkit.StartOIDCProvider(t, port, []testkit.OIDCUser{
				{ID: "u-admin", Username: "admin", Password: "admin-password", Email: "admin@studio.test", EmailVerified: true},
				{ID: "u-bob", Username: "bob", Password: "bob-password", Email: "bob@studio.test", EmailVerified: true, Groups: []string{"editors"}},
			}, s.url+"/auth/sso/studio-id/callback")

			admin, _ := s.signedIn(t, "admin@studio.test")
			ws := admin.do("POST", "/api/v1/workspaces", map[string]string{"name": "Studio"}).want(t, 201).json(t)["id"].(string)
			api := "/api/v1/workspaces/" + ws
			s.member(t, admin, ws, "bob@studio.test", "creator")
			var clock atomic.Int64
			enableTwoFactor(t, admin, &clock)

			// Only a configured provider; only Super Admins.
			admin.do("PUT", api+"/sso", map[string]any{"provider": "elsewhere"}).want(t, 422, "validation_failed")
			admin.do("PATCH", api, map[string]any{"domains": []string{"studio.test"}}).want(t, 200)
			s.verifyDomain(t, admin, ws, "studio.test")
			set := admin.do("PUT", api+"/sso", map[string]any{"provider": "studio-id", "required": true, "break_glass": true,
				"default_role": "viewer", "group_roles": map[string]string{"editors": "developer"}}).want(t, 200).json(t)
			if set["provider"] != "studio-id" || set["required"] != true || set["group_roles"].(map[string]any)["editors"] != "developer" {
				t.Fatalf("saved: %v", set)
			}

			// Bob's password no longer signs him in, and he is told why.
			refused := s.client(t).do("POST", "/api/v1/auth/login", map[string]string{"email": "bob@studio.test", "password": "correct horse 1"}).
				want(t, 403, "sso_required").json(t)
			if !strings.Contains(refused["detail"].(string), "Studio ID") {
				t.Fatalf("refusal: %v", refused)
			}
			// The Super Admin with two-factor keeps the password as a way in.
			if res := s.client(t).do("POST", "/api/v1/auth/login", map[string]string{"email": "admin@studio.test", "password": "correct horse 1"}).
				want(t, 200).json(t); res["two_factor_required"] != true {
				t.Fatalf("break glass: %v", res)
			}

			// Through the provider, Bob's group makes him a Developer, audited.
			c, res := op.SignInAt(t, s.url+"/auth/sso/studio-id", "bob", "bob-password")
			res.Body.Close()
			meRes, err := c.Get(s.url + "/api/v1/me")
			if err != nil || meRes.StatusCode != 200 {
				t.Fatalf("bob's sign-on: %v %v", meRes, err)
			}
			meRes.Body.Close()
			var role string
			for _, m := range admin.do("GET", api+"/members", nil).want(t, 200).json(t)["items"].([]any) {
				if m := m.(map[string]any); m["email"] == "bob@studio.test" {
					role, _ = m["role"].(string)
				}
			}
			if role != "developer" {
				t.Fatalf("bob's role after sign-on: %q", role)
			}
			log := admin.do("GET", api+"/audit-log", nil).want(t, 200)
			if !strings.Contains(string(log.body), "member.role_sso") {
				t.Fatalf("no member.role_sso in the audit log: %.500s", log.body)
			}
			// The last Super Admin, in no mapped group, stays Super Admin.
			_, res = op.SignInAt(t, s.url+"/auth/sso/studio-id", "admin", "admin-password")
			res.Body.Close()
			for _, m := range admin.do("GET", api+"/members", nil).want(t, 200).json(t)["items"].([]any) {
				if m := m.(map[string]any); m["email"] == "admin@studio.test" && m["role"] != "super_admin" {
					t.Fatalf("the last Super Admin was demoted: %v", m)
				}
			}
		})
	}
}
