package main

import (
	"fmt"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"

	"troupe/internal/testkit"
)

// forEngineWithClock runs fn on a server whose clock the test moves
// ahead through the returned counter (nanoseconds).
func forEngineWithClock(t *testing.T, fn func(t *testing.T, s *testServer, ahead *atomic.Int64)) {
	for _, e := range testkit.Engines(t) {
		t.Run(e.Name, func(t *testing.T) {
			var ahead atomic.Int64
			s := startServerWith(t, e, serverOptions{now: func() time.Time { return time.Now().Add(time.Duration(ahead.Load())) }})
			fn(t, s, &ahead)
		})
	}
}

// codeAt is the authenticator app's code for secret at the server's time.
func codeAt(t *testing.T, secret string, ahead *atomic.Int64) string {
	t.Helper()
	code, err := totp.GenerateCode(secret, time.Now().Add(time.Duration(ahead.Load())))
	if err != nil {
		t.Fatal(err)
	}
	return code
}

// nextStep moves the server's clock to the next TOTP time step.
func nextStep(ahead *atomic.Int64) { ahead.Add(int64(30 * time.Second)) }

// enableTwoFactor turns two-factor on for c over the API and returns the
// secret and the recovery codes.
func enableTwoFactor(t *testing.T, c *apiClient, ahead *atomic.Int64) (string, []string) {
	t.Helper()
	setup := c.do("POST", "/api/v1/me/two-factor", nil).want(t, 200).json(t)
	secret := setup["secret"].(string)
	res := c.do("POST", "/api/v1/me/two-factor/confirm", map[string]string{"code": codeAt(t, secret, ahead)}).want(t, 200).json(t)
	var codes []string
	for _, x := range res["recovery_codes"].([]any) {
		codes = append(codes, x.(string))
	}
	nextStep(ahead) // the confirming code is used up
	return secret, codes
}

func passwordLogin(t *testing.T, c *apiClient, email string) response {
	t.Helper()
	return c.do("POST", "/api/v1/auth/login", map[string]string{"email": email, "password": "correct horse 1"}).want(t, 200)
}

func TestTwoFactorOverAPI(t *testing.T) {
	forEngineWithClock(t, func(t *testing.T, s *testServer, ahead *atomic.Int64) {
		c, _ := s.signedIn(t, "ada@example.com")
		if me := c.do("GET", "/api/v1/me", nil).want(t, 200).json(t); me["two_factor"] != false {
			t.Fatalf("me before: %v", me)
		}
		// A pending secret is replaced by the next one and stays off.
		first := c.do("POST", "/api/v1/me/two-factor", nil).want(t, 200).json(t)
		if !strings.HasPrefix(first["otpauth_url"].(string), "otpauth://totp/") || first["secret"] == "" {
			t.Fatalf("setup %v", first)
		}
		setup := c.do("POST", "/api/v1/me/two-factor", nil).want(t, 200).json(t)
		secret := setup["secret"].(string)
		if secret == first["secret"] {
			t.Fatal("a new setup kept the pending secret")
		}
		if me := c.do("GET", "/api/v1/me", nil).want(t, 200).json(t); me["two_factor"] != false {
			t.Fatalf("pending secret turned two-factor on: %v", me)
		}
		c.do("POST", "/api/v1/me/two-factor/confirm", map[string]string{"code": codeAt(t, first["secret"].(string), ahead)}).want(t, 401, "invalid_code")
		res := c.do("POST", "/api/v1/me/two-factor/confirm", map[string]string{"code": codeAt(t, secret, ahead)}).want(t, 200).json(t)
		recovery := res["recovery_codes"].([]any)
		if len(recovery) != 10 {
			t.Fatalf("%d recovery codes", len(recovery))
		}
		if me := c.do("GET", "/api/v1/me", nil).want(t, 200).json(t); me["two_factor"] != true {
			t.Fatalf("me after: %v", me)
		}
		c.do("POST", "/api/v1/me/two-factor", nil).want(t, 409, "conflict")

		// The password alone opens no session: a pending cookie only.
		c.do("POST", "/api/v1/auth/logout", nil).want(t, 204)
		res2 := passwordLogin(t, c, "ada@example.com")
		if got := res2.json(t); got["two_factor_required"] != true || got["id"] != nil {
			t.Fatalf("login answer %v", got)
		}
		cookies := strings.Join(res2.header.Values("Set-Cookie"), "\n")
		if strings.Contains(cookies, "troupe_session=") || !strings.Contains(cookies, "troupe_two_factor=") ||
			!strings.Contains(cookies, "HttpOnly") || !strings.Contains(cookies, "Max-Age=300") {
			t.Fatalf("login cookies %q", cookies)
		}
		c.do("GET", "/api/v1/me", nil).want(t, 401, "unauthenticated")
		// The code the confirmation used is spent: the same step is refused.
		c.do("POST", "/api/v1/auth/two-factor", map[string]string{"code": codeAt(t, secret, ahead)}).want(t, 401, "invalid_code")
		nextStep(ahead)
		code := codeAt(t, secret, ahead)
		c.do("POST", "/api/v1/auth/two-factor", map[string]string{"code": "12345"}).want(t, 401, "invalid_code")
		u := c.do("POST", "/api/v1/auth/two-factor", map[string]string{"code": code}).want(t, 200).json(t)
		if u["email"] != "ada@example.com" {
			t.Fatalf("user %v", u)
		}
		c.do("GET", "/api/v1/me", nil).want(t, 200)

		// A TOTP code is not accepted twice in its window.
		other := s.client(t)
		passwordLogin(t, other, "ada@example.com")
		other.do("POST", "/api/v1/auth/two-factor", map[string]string{"code": code}).want(t, 401, "invalid_code")
		// A recovery code works once, whatever its case and dashes.
		rc := recovery[0].(string)
		other.do("POST", "/api/v1/auth/two-factor", map[string]string{"code": strings.ToUpper(strings.ReplaceAll(rc, "-", ""))}).want(t, 200)
		third := s.client(t)
		passwordLogin(t, third, "ada@example.com")
		third.do("POST", "/api/v1/auth/two-factor", map[string]string{"code": rc}).want(t, 401, "invalid_code")
		third.do("POST", "/api/v1/auth/two-factor", map[string]string{"code": recovery[1].(string)}).want(t, 200)

		// Turning it off needs the right password.
		c.do("DELETE", "/api/v1/me/two-factor", map[string]string{"password": "wrong password"}).want(t, 422, "validation_failed")
		c.do("DELETE", "/api/v1/me/two-factor", map[string]string{"password": "correct horse 1"}).want(t, 204)
		if me := c.do("GET", "/api/v1/me", nil).want(t, 200).json(t); me["two_factor"] != false {
			t.Fatalf("me after turning off: %v", me)
		}
		fresh := s.client(t)
		if u := passwordLogin(t, fresh, "ada@example.com").json(t); u["email"] != "ada@example.com" {
			t.Fatalf("login without two-factor %v", u)
		}
		fresh.do("GET", "/api/v1/me", nil).want(t, 200)
	})
}

// Wrong codes are limited per account like wrong passwords.
func TestTwoFactorCodeRateLimit(t *testing.T) {
	forEngineWithClock(t, func(t *testing.T, s *testServer, ahead *atomic.Int64) {
		c, _ := s.signedIn(t, "ada@example.com")
		secret, _ := enableTwoFactor(t, c, ahead)
		attacker := s.client(t)
		passwordLogin(t, attacker, "ada@example.com")
		for i := range 10 {
			code := fmt.Sprintf("%06d", i)
			if code == codeAt(t, secret, ahead) {
				continue
			}
			attacker.do("POST", "/api/v1/auth/two-factor", map[string]string{"code": code}).want(t, 401, "invalid_code")
		}
		res := attacker.do("POST", "/api/v1/auth/two-factor", map[string]string{"code": codeAt(t, secret, ahead)}).want(t, 429, "rate_limited")
		if res.header.Get("Retry-After") == "" {
			t.Fatal("no Retry-After")
		}
		// Once the window has passed, the right code signs in.
		ahead.Add(int64(31 * time.Minute))
		attacker.do("POST", "/api/v1/auth/login", map[string]string{"email": "ada@example.com", "password": "correct horse 1"}).want(t, 200)
		attacker.do("POST", "/api/v1/auth/two-factor", map[string]string{"code": codeAt(t, secret, ahead)}).want(t, 200)
	})
}

// Each two-factor route, as each kind of caller.
func TestTwoFactorAuthorization(t *testing.T) {
	forEngineWithClock(t, func(t *testing.T, s *testServer, ahead *atomic.Int64) {
		plain, _ := s.signedIn(t, "plain@acme.com")
		on, _ := s.signedIn(t, "on@acme.com")
		enableTwoFactor(t, on, ahead)
		ws := plain.do("POST", "/api/v1/workspaces", map[string]string{"name": "Acme"}).want(t, 201).json(t)["id"].(string)
		token := plain.do("POST", "/api/v1/workspaces/"+ws+"/api-tokens", map[string]string{"name": "ci"}).want(t, 201).json(t)["token"].(string)
		callers := map[string]*apiClient{"anonymous": s.client(t), "without_two_factor": plain, "with_two_factor": on,
			"api_token": s.withToken(t, token)}
		wrongPass := map[string]string{"password": "wrong password"}
		routes := []struct {
			method, path string
			body         any
			want         map[string]string // caller → "status code"
		}{
			{"POST", "/api/v1/me/two-factor/confirm", map[string]string{"code": "123456"},
				map[string]string{"anonymous": "401 unauthenticated", "api_token": "403 forbidden", "without_two_factor": "409 conflict", "with_two_factor": "409 conflict"}},
			{"POST", "/api/v1/me/two-factor/recovery-codes", map[string]string{"password": "correct horse 1"},
				map[string]string{"anonymous": "401 unauthenticated", "api_token": "403 forbidden", "without_two_factor": "409 conflict", "with_two_factor": "200"}},
			{"DELETE", "/api/v1/me/two-factor", wrongPass,
				map[string]string{"anonymous": "401 unauthenticated", "api_token": "403 forbidden", "without_two_factor": "422 validation_failed", "with_two_factor": "422 validation_failed"}},
			{"POST", "/api/v1/auth/two-factor", map[string]string{"code": "123456"},
				map[string]string{"anonymous": "401 unauthenticated", "api_token": "401 unauthenticated", "without_two_factor": "401 unauthenticated", "with_two_factor": "401 unauthenticated"}},
			{"POST", "/api/v1/me/two-factor", nil,
				map[string]string{"anonymous": "401 unauthenticated", "api_token": "403 forbidden", "without_two_factor": "200", "with_two_factor": "409 conflict"}},
		}
		for _, rt := range routes {
			for _, who := range []string{"anonymous", "api_token", "without_two_factor", "with_two_factor"} {
				t.Run(fmt.Sprintf("%s %s as %s", rt.method, rt.path, who), func(t *testing.T) {
					status, code, _ := strings.Cut(rt.want[who], " ")
					var n int
					fmt.Sscan(status, &n)
					res := callers[who].do(rt.method, rt.path, rt.body)
					if code != "" {
						res.want(t, n, code)
					} else {
						res.want(t, n)
					}
				})
			}
		}
	})
}

// A workspace that requires two-factor: a banner during the grace
// period, then only the enrolment page and 403 on its API; Super Admins
// see who has it.
func TestTwoFactorWorkspaceRequirement(t *testing.T) {
	forEngineWithClock(t, func(t *testing.T, s *testServer, ahead *atomic.Int64) {
		admin, _ := s.signedIn(t, "admin@acme.com")
		enableTwoFactor(t, admin, ahead)
		ws := admin.do("POST", "/api/v1/workspaces", map[string]string{"name": "Acme"}).want(t, 201).json(t)["id"].(string)
		viewer, _ := s.member(t, admin, ws, "viewer@acme.com", "viewer")
		secure, _ := s.member(t, admin, ws, "secure@acme.com", "creator")
		enableTwoFactor(t, secure, ahead)
		folder := idOf(t, admin.do("POST", "/api/v1/workspaces/"+ws+"/folders", map[string]any{"name": "Shared"}).want(t, 201))
		admin.do("PUT", "/api/v1/items/"+folder+"/sharing", map[string]any{"general_access": "workspace", "workspace_level": "view"}).want(t, 200)

		w := admin.do("PATCH", "/api/v1/workspaces/"+ws, map[string]string{"require_two_factor": "on"}).want(t, 200).json(t)
		if w["require_two_factor"] != "on" || w["require_two_factor_since"] == nil {
			t.Fatalf("workspace %v", w)
		}
		audit := admin.do("GET", "/api/v1/workspaces/"+ws+"/audit-log", nil).want(t, 200)
		if !strings.Contains(string(audit.body), "require_two_factor") || !strings.Contains(string(audit.body), "two_factor.enable") {
			t.Fatalf("audit log lacks the setting or the enabling:\n%s", audit.body)
		}

		// The grace period: everything works, with a banner on the pages.
		viewer.do("GET", "/api/v1/workspaces/"+ws, nil).want(t, 200)
		page := viewer.do("GET", "/w/"+ws, nil).want(t, 200)
		if !strings.Contains(string(page.body), "data-two-factor-banner") || !strings.Contains(string(page.body), "7 days") {
			t.Fatal("no grace banner during the grace period")
		}
		if page := secure.do("GET", "/w/"+ws, nil).want(t, 200); strings.Contains(string(page.body), "data-two-factor-banner") {
			t.Fatal("a grace banner for a member with two-factor")
		}

		// Super Admins see who has two-factor; others do not.
		rows := admin.do("GET", "/api/v1/workspaces/"+ws+"/members", nil).want(t, 200).json(t)["items"].([]any)
		seen := map[string]any{}
		for _, r := range rows {
			m := r.(map[string]any)
			seen[m["email"].(string)] = m["two_factor"]
		}
		if seen["secure@acme.com"] != true || seen["viewer@acme.com"] != false || seen["admin@acme.com"] != true {
			t.Fatalf("two_factor on member rows: %v", seen)
		}
		if body := viewer.do("GET", "/api/v1/workspaces/"+ws+"/members", nil).want(t, 200).body; strings.Contains(string(body), "two_factor") {
			t.Fatalf("a viewer sees two_factor: %s", body)
		}
		members := string(admin.do("GET", "/w/"+ws+"/members", nil).want(t, 200).body)
		if strings.Count(members, `data-two-factor="on"`) != 2 || strings.Count(members, `data-two-factor="off"`) != 1 {
			t.Fatal("members view badges are wrong")
		}

		// After the grace period: 403 on the API, the pages lead to enrolment.
		ahead.Add(int64(7*24*time.Hour + time.Minute))
		viewer.do("GET", "/api/v1/workspaces/"+ws, nil).want(t, 403, "two_factor_required")
		viewer.do("GET", "/api/v1/workspaces/"+ws+"/items", nil).want(t, 403, "two_factor_required")
		viewer.do("GET", "/api/v1/items/"+folder, nil).want(t, 403, "two_factor_required")
		res := viewer.do("GET", "/w/"+ws, nil).want(t, http.StatusSeeOther)
		if loc := res.header.Get("Location"); loc != "/account#two-factor" {
			t.Fatalf("redirect to %q", loc)
		}
		account := string(viewer.do("GET", "/account", nil).want(t, 200).body)
		if !strings.Contains(account, "requires two-factor authentication") || !strings.Contains(account, `id="two-factor"`) {
			t.Fatal("the account page does not say why")
		}
		secure.do("GET", "/api/v1/workspaces/"+ws, nil).want(t, 200)
		secure.do("GET", "/api/v1/items/"+folder, nil).want(t, 200)
		admin.do("GET", "/api/v1/workspaces/"+ws, nil).want(t, 200)
		// Enrolling lets the member back in.
		enableTwoFactor(t, viewer, ahead)
		viewer.do("GET", "/api/v1/workspaces/"+ws, nil).want(t, 200)
		viewer.do("GET", "/w/"+ws, nil).want(t, 200)

		// Someone who joins late gets their own grace period.
		late, _ := s.member(t, admin, ws, "late@acme.com", "viewer")
		late.do("GET", "/api/v1/workspaces/"+ws, nil).want(t, 200)
		ahead.Add(int64(8 * 24 * time.Hour))
		late.do("GET", "/api/v1/workspaces/"+ws, nil).want(t, 403, "two_factor_required")
		late.do("POST", "/api/v1/workspaces/"+ws+"/leave", nil).want(t, 204)
	})
}
