package main

import (
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
)

// clientFrom is a client whose connections come from the loopback
// address 127.0.0.n, so the server sees a client of its own there.
func (s *testServer) clientFrom(t *testing.T, n byte) *apiClient {
	c := s.client(t)
	dialer := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.IPv4(127, 0, 0, n)}}
	c.http.Transport = &http.Transport{DialContext: dialer.DialContext}
	return c
}

// deviceCookie returns the device cookie res sets.
func deviceCookie(t *testing.T, res response) *http.Cookie {
	t.Helper()
	for _, c := range (&http.Response{Header: res.header}).Cookies() {
		if c.Name == "troupe_device" {
			return c
		}
	}
	t.Fatalf("no device cookie in %v", res.header)
	return nil
}

func TestNoAccountLockout(t *testing.T) {
	forEngine(t, func(t *testing.T, s *testServer) {
		s.signupVerified(t, "owner@example.com", "Olga", "correct horse 1")
		right := map[string]string{"email": "owner@example.com", "password": "correct horse 1"}
		form := url.Values{"email": {"owner@example.com"}, "password": {"correct horse 1"}, "next": {"/"}}

		// The owner signs in once from two browsers: the API's and the
		// sign-in page's. Each keeps a long-lived HttpOnly device cookie.
		api := s.clientFrom(t, 2)
		c := deviceCookie(t, api.do("POST", "/api/v1/auth/login", right).want(t, 200))
		if !c.HttpOnly || c.MaxAge < 300*24*3600 || c.Path != "/" {
			t.Fatalf("device cookie %+v", c)
		}
		page := s.clientFrom(t, 3)
		deviceCookie(t, page.do("POST", "/login", form).want(t, 303))

		// 110 wrong passwords from 11 addresses, at once.
		var wg sync.WaitGroup
		for n := range byte(11) {
			stranger := s.clientFrom(t, 10+n)
			wg.Go(func() {
				for range 10 {
					res := stranger.do("POST", "/api/v1/auth/login", map[string]string{"email": "owner@example.com", "password": "guess guess"})
					if res.status != 401 && res.status != 429 {
						t.Errorf("flood answered %d: %s", res.status, res.body)
					}
				}
			})
		}
		wg.Wait()

		// Right after, the owner's browsers sign in; a stranger's browser
		// with the right password is refused.
		api.do("POST", "/api/v1/auth/login", right).want(t, 200)
		api.do("GET", "/api/v1/me", nil).want(t, 200)
		if res := page.do("POST", "/login", form).want(t, 303); res.header.Get("Location") != "/" {
			t.Fatalf("sign-in page sent the owner to %q", res.header.Get("Location"))
		}
		stranger := s.clientFrom(t, 40)
		res := stranger.do("POST", "/api/v1/auth/login", right).want(t, 429, "rate_limited")
		if ra := res.header.Get("Retry-After"); ra == "" || ra == "0" {
			t.Fatalf("Retry-After %q", ra)
		}
		if res := stranger.do("POST", "/login", form).want(t, 429); !strings.Contains(string(res.body), `name="password"`) {
			t.Fatalf("the sign-in page did not show its form again:\n%s", res.body)
		}
	})
}
