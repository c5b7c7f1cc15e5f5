package main

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"troupe/internal/testkit"
)

func TestAccountJourneyOverAPI(t *testing.T) {
	forEngine(t, func(t *testing.T, s *testServer) {
		c := s.client(t)
		body := map[string]string{"email": "ada@example.com", "password": "correct horse 1", "name": "Ada"}
		res := c.do("POST", "/api/v1/auth/signup", body).want(t, 201)
		u := res.json(t)
		if u["email"] != "ada@example.com" || u["email_verified"] != false || u["id"] == "" {
			t.Fatalf("signup answer %v", u)
		}
		// Sign-up signs in at once; the address waits for its link.
		if !strings.Contains(res.header.Get("Set-Cookie"), "troupe_session=") {
			t.Fatal("sign-up did not sign in")
		}
		if me := c.do("GET", "/api/v1/me", nil).want(t, 200).json(t); me["id"] != u["id"] || me["email_verified"] != false {
			t.Fatalf("me after sign-up %v", me)
		}
		c.do("POST", "/api/v1/auth/logout", nil).want(t, 204)

		// The mail really went out over SMTP; follow its link.
		m := s.mail.WaitFor(t, "ada@example.com", 10*time.Second)
		link := m.Link(t, "/verify-email")
		if !strings.HasPrefix(link, s.url+"/verify-email?token=") {
			t.Fatalf("link %q does not point at this server", link)
		}
		c.do("POST", "/api/v1/auth/verify-email", map[string]string{"token": testkit.TokenOf(t, link)}).want(t, 200)
		c.do("POST", "/api/v1/auth/verify-email", map[string]string{"token": testkit.TokenOf(t, link)}).want(t, 400, "token_invalid")

		res = c.do("POST", "/api/v1/auth/login", map[string]string{"email": "ada@example.com", "password": "correct horse 1"}).want(t, 200)
		cookie := res.header.Get("Set-Cookie")
		for _, attr := range []string{"troupe_session=", "HttpOnly", "SameSite=Lax", "Path=/"} {
			if !strings.Contains(cookie, attr) {
				t.Fatalf("session cookie %q lacks %s", cookie, attr)
			}
		}
		if strings.Contains(cookie, "Secure") {
			t.Fatal("Secure cookie on an http base URL would never come back")
		}
		me := c.do("GET", "/api/v1/me", nil).want(t, 200).json(t)
		if me["email_verified"] != true || me["name"] != "Ada" || me["discoverable"] != true {
			t.Fatalf("me %v", me)
		}
		me = c.do("PATCH", "/api/v1/me", map[string]any{"name": "Ada L.", "locale": "fr"}).want(t, 200).json(t)
		if me["name"] != "Ada L." || me["locale"] != "fr" {
			t.Fatalf("after PATCH %v", me)
		}
		c.do("PATCH", "/api/v1/me", map[string]any{"current_password": "correct horse 1", "new_password": "brand new pass 2"}).want(t, 200)
		c.do("GET", "/api/v1/me", nil).want(t, 200) // the new session cookie replaced the old one
		c.do("POST", "/api/v1/auth/logout", nil).want(t, 204)
		c.do("GET", "/api/v1/me", nil).want(t, 401, "unauthenticated")
		c.do("POST", "/api/v1/auth/login", map[string]string{"email": "ada@example.com", "password": "brand new pass 2"}).want(t, 200)
	})
}

func TestPasswordResetOverAPI(t *testing.T) {
	forEngine(t, func(t *testing.T, s *testServer) {
		s.signupVerified(t, "reset@example.com", "R", "correct horse 1")
		c := s.client(t)
		c.do("POST", "/api/v1/auth/password-reset", map[string]string{"email": "nobody@example.com"}).want(t, 202)
		c.do("POST", "/api/v1/auth/password-reset", map[string]string{"email": "reset@example.com"}).want(t, 202)
		link := s.mail.WaitFor(t, "reset@example.com", 10*time.Second).Link(t, "/reset-password")
		tok := testkit.TokenOf(t, link)
		c.do("POST", "/api/v1/auth/password-reset/confirm", map[string]string{"token": tok, "password": "short"}).want(t, 422, "validation_failed")
		c.do("POST", "/api/v1/auth/password-reset/confirm", map[string]string{"token": tok, "password": "a new password 9"}).want(t, 204)
		c.do("POST", "/api/v1/auth/password-reset/confirm", map[string]string{"token": tok, "password": "a new password 9"}).want(t, 400, "token_invalid")
		c.do("POST", "/api/v1/auth/login", map[string]string{"email": "reset@example.com", "password": "a new password 9"}).want(t, 200)
	})
}

func TestBadInputOverAPI(t *testing.T) {
	forEngine(t, func(t *testing.T, s *testServer) {
		s.signupVerified(t, "known@example.com", "K", "correct horse 1")
		c := s.client(t)
		cases := []struct {
			name, method, path string
			body               any
			header             []string
			status             int
			code               string
		}{
			{"malformed JSON", "POST", "/api/v1/auth/signup", `{"email": "x@example.com",`, nil, 400, "malformed_request"},
			{"unknown field", "POST", "/api/v1/auth/signup", `{"email":"x@example.com","password":"correct horse 1","name":"X","admin":true}`, nil, 400, "malformed_request"},
			{"two objects", "POST", "/api/v1/auth/signup", `{"email":"x@example.com"} {}`, nil, 400, "malformed_request"},
			{"wrong type", "POST", "/api/v1/auth/signup", `{"email":42}`, nil, 400, "malformed_request"},
			{"empty body", "POST", "/api/v1/auth/login", "", nil, 400, "malformed_request"},
			{"not JSON", "POST", "/api/v1/auth/login", "email=a", []string{"Content-Type", "text/plain"}, 400, "malformed_request"},
			{"oversized body", "POST", "/api/v1/auth/signup", `{"name":"` + strings.Repeat("a", 2<<20) + `"}`, nil, 413, "body_too_large"},
			{"invalid email", "POST", "/api/v1/auth/signup", map[string]string{"email": "nope", "password": "correct horse 1", "name": "X"}, nil, 422, "validation_failed"},
			{"weak password", "POST", "/api/v1/auth/signup", map[string]string{"email": "x@example.com", "password": "123", "name": "X"}, nil, 422, "validation_failed"},
			{"over-long password", "POST", "/api/v1/auth/signup", map[string]string{"email": "x@example.com", "password": strings.Repeat("p", 200), "name": "X"}, nil, 422, "validation_failed"},
			{"wrong password", "POST", "/api/v1/auth/login", map[string]string{"email": "known@example.com", "password": "wrong password"}, nil, 401, "invalid_credentials"},
			{"huge email at sign-in", "POST", "/api/v1/auth/login", map[string]string{"email": strings.Repeat("a", 20000) + "@example.com", "password": "correct horse 1"}, nil, 401, "invalid_credentials"},
			{"missing cookie", "GET", "/api/v1/me", nil, nil, 401, "unauthenticated"},
			{"tampered cookie", "GET", "/api/v1/me", nil, []string{"Cookie", "troupe_session=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"}, 401, "unauthenticated"},
			{"garbage cookie", "GET", "/api/v1/me", nil, []string{"Cookie", "troupe_session=<script>"}, 401, "unauthenticated"},
			{"bad verification token", "POST", "/api/v1/auth/verify-email", map[string]string{"token": "forged"}, nil, 400, "token_invalid"},
			{"bad reset token", "POST", "/api/v1/auth/password-reset/confirm", map[string]string{"token": "forged", "password": "a good password 1"}, nil, 400, "token_invalid"},
			{"unknown route", "GET", "/api/v1/nothing-here", nil, nil, 404, "not_found"},
			{"cross-site write", "POST", "/api/v1/auth/logout", nil, []string{"Origin", "https://evil.example", "Sec-Fetch-Site", "cross-site"}, 403, "forbidden"},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				res := c.do(tc.method, tc.path, tc.body, tc.header...).want(t, tc.status, tc.code)
				p := res.json(t)
				if p["status"] != float64(tc.status) || p["detail"] == "" || p["request_id"] == "" {
					t.Fatalf("incomplete problem document %v", p)
				}
			})
		}
		t.Run("validation errors name each field", func(t *testing.T) {
			p := c.do("POST", "/api/v1/auth/signup", map[string]string{"email": "nope", "password": "123", "name": ""}).want(t, 422).json(t)
			fields := map[string]bool{}
			for _, e := range p["errors"].([]any) {
				fields[e.(map[string]any)["field"].(string)] = true
			}
			if !fields["email"] || !fields["password"] || !fields["name"] {
				t.Fatalf("field errors %v", p["errors"])
			}
		})
		t.Run("a user agent cut inside a character still signs in", func(t *testing.T) {
			ua := strings.Repeat("a", 299) + "é" + strings.Repeat("b", 50)
			s.client(t).do("POST", "/api/v1/auth/login", map[string]string{"email": "known@example.com", "password": "correct horse 1"}, "User-Agent", ua).want(t, 200)
		})
		t.Run("nothing was stored by the refused requests", func(t *testing.T) {
			c.do("POST", "/api/v1/auth/login", map[string]string{"email": "x@example.com", "password": "correct horse 1"}).want(t, 401, "invalid_credentials")
			if n := len(s.mail.All()); n != 1 {
				t.Fatalf("%d mails sent, want only the first verification", n)
			}
		})
	})
}

func TestSignInRateLimitOverAPI(t *testing.T) {
	forEngine(t, func(t *testing.T, s *testServer) {
		c := s.client(t)
		var res response
		for range 11 {
			res = c.do("POST", "/api/v1/auth/login", map[string]string{"email": "victim@example.com", "password": "guess guess"})
		}
		res.want(t, 429, "rate_limited")
		if ra := res.header.Get("Retry-After"); ra == "" || ra == "0" {
			t.Fatalf("Retry-After %q", ra)
		}
	})
}

func TestOperationalEndpoints(t *testing.T) {
	for _, e := range testkit.Engines(t) {
		t.Run(e.Name, func(t *testing.T) {
			s := startServer(t, e, "TROUPE_METRICS_ADDR", "127.0.0.1:0")
			c := s.client(t)
			c.do("GET", "/healthz", nil).want(t, http.StatusOK)
			c.do("GET", "/readyz", nil).want(t, http.StatusOK)
			if doc := c.do("GET", "/api/v1/openapi.json", nil).want(t, http.StatusOK).json(t); doc["openapi"] != "3.1.0" {
				t.Fatalf("openapi %v", doc["openapi"])
			}
			res := c.do("GET", "/login", nil).want(t, 200)
			if res.header.Get("X-Request-Id") == "" {
				t.Fatal("no request id")
			}
			for h, want := range map[string]string{"X-Content-Type-Options": "nosniff", "X-Frame-Options": "DENY"} {
				if got := res.header.Get(h); got != want {
					t.Fatalf("%s = %q, want %q", h, got, want)
				}
			}
			if !strings.Contains(res.header.Get("Content-Security-Policy"), "default-src 'self'") {
				t.Fatal("no CSP")
			}
			// Metrics are only on their own address, which serves nothing else.
			c.do("GET", "/metrics", nil).want(t, http.StatusNotFound)
			if s.main.MetricsAddr() == "" || s.main.MetricsAddr() == s.main.Addr() {
				t.Fatalf("metrics address %q, public address %q", s.main.MetricsAddr(), s.main.Addr())
			}
			private := &apiClient{t: t, base: "http://" + s.main.MetricsAddr(), http: &http.Client{Timeout: 20 * time.Second}}
			metrics := string(private.do("GET", "/metrics", nil).want(t, 200).body)
			if !strings.Contains(metrics, `troupe_http_requests_total{code="200",route="GET /login"} 1`) {
				t.Fatalf("metrics lack the request count:\n%s", metrics[:min(len(metrics), 2000)])
			}
			private.do("GET", "/healthz", nil).want(t, http.StatusNotFound)
			private.do("GET", "/login", nil).want(t, http.StatusNotFound)
		})
	}
}

// Without TROUPE_METRICS_ADDR there is no metrics listener at all, and
// the public address does not serve them.
func TestNoMetricsByDefault(t *testing.T) {
	s := startServer(t, testkit.Engines(t)[0])
	if addr := s.main.MetricsAddr(); addr != "" {
		t.Fatalf("metrics served on %s", addr)
	}
	s.client(t).do("GET", "/metrics", nil).want(t, http.StatusNotFound)
}

// Password reset answers alike whether or not an address has an account.
// Sign-up signs a new account in at once, so a taken address cannot
// answer alike: it signs nobody in, says to check the mail, and mails the
// owner, who alone learns more.
func TestNoAccountEnumeration(t *testing.T) {
	forEngine(t, func(t *testing.T, s *testServer) {
		s.signupVerified(t, "taken@example.com", "Owner", "correct horse 1")
		c := s.client(t)
		fresh := c.do("POST", "/api/v1/auth/signup", map[string]string{"email": "new@example.com", "password": "correct horse 1", "name": "N"}).want(t, 201)
		if !strings.Contains(fresh.header.Get("Set-Cookie"), "troupe_session=") {
			t.Fatal("a new account is signed in at once")
		}
		stranger := s.client(t)
		taken := stranger.do("POST", "/api/v1/auth/signup", map[string]string{"email": "taken@example.com", "password": "correct horse 1", "name": "N"}).want(t, 202)
		if tk := taken.json(t); tk["email"] != "taken@example.com" || tk["status"] != "check_email" || len(tk) != 2 {
			t.Fatalf("answer to a taken address %v", tk)
		}
		if strings.Contains(taken.header.Get("Set-Cookie"), "troupe_session=") {
			t.Fatal("a taken address signed someone in")
		}
		stranger.do("GET", "/api/v1/me", nil).want(t, 401, "unauthenticated")
		known := c.do("POST", "/api/v1/auth/password-reset", map[string]string{"email": "taken@example.com"}).want(t, 202)
		unknown := c.do("POST", "/api/v1/auth/password-reset", map[string]string{"email": "ghost@example.com"}).want(t, 202)
		if string(known.body) != string(unknown.body) {
			t.Fatalf("bodies differ: %q vs %q", known.body, unknown.body)
		}
		// The owner hears about the attempt; the stranger's address gets
		// nothing from the reset.
		if m := s.mail.WaitFor(t, "taken@example.com", 10*time.Second); !strings.Contains(m.Subject, "tried to create") {
			t.Fatalf("owner got %q", m.Subject)
		}
		s.mail.WaitFor(t, "taken@example.com", 10*time.Second) // the reset link
		if n := s.mail.Count("ghost@example.com"); n != 0 {
			t.Fatalf("%d mails to an address without an account", n)
		}
	})
}
