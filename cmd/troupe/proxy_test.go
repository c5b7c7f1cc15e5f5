package main

import (
	"fmt"
	"net"
	"net/http"
	"strings"
	"testing"

	"troupe/internal/testkit"
)

// from makes c dial from the local address ip (any of 127.0.0.0/8 works
// on Linux), so the server sees another TCP peer.
func (c *apiClient) from(ip string) *apiClient {
	c.http.Transport = &http.Transport{DialContext: (&net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(ip)}}).DialContext}
	return c
}

// Behind trusted proxies the client's address comes from Forwarded or
// X-Forwarded-For, and feeds the rate limits and the audit log; from any
// other peer those headers are ignored.
func TestTrustedProxies(t *testing.T) {
	for _, e := range testkit.Engines(t) {
		t.Run(e.Name, func(t *testing.T) {
			s := startServer(t, e, "TROUPE_TRUSTED_PROXIES", "127.0.0.1/32, 10.0.0.0/8")
			proxy := s.client(t).from("127.0.0.1")
			stranger := s.client(t).from("127.0.0.2")
			login := func(c *apiClient, n int, header ...string) int {
				return c.do("POST", "/api/v1/auth/login", map[string]string{"email": fmt.Sprintf("nobody-%d@example.com", n), "password": "wrong password 1"}, header...).status
			}

			// Sign-ins are limited per visitor, not per proxy: 50 for the
			// first visitor behind the proxy, then 429 for them alone.
			for i := range 50 {
				if st := login(proxy, i, "X-Forwarded-For", "198.51.100.1"); st != http.StatusUnauthorized {
					t.Fatalf("sign-in %d through the proxy: %d", i+1, st)
				}
			}
			if st := login(proxy, 50, "X-Forwarded-For", "198.51.100.1"); st != http.StatusTooManyRequests {
				t.Fatalf("51st sign-in of one visitor: %d, want 429", st)
			}
			if st := login(proxy, 51, "Forwarded", `for="198.51.100.2"`); st != http.StatusUnauthorized {
				t.Fatalf("another visitor behind the same proxy: %d, want 401", st)
			}
			// A chain: the right-most address that is not a trusted proxy.
			if st := login(proxy, 52, "X-Forwarded-For", "198.51.100.1, 198.51.100.3, 10.1.1.1"); st != http.StatusUnauthorized {
				t.Fatalf("a visitor behind two proxies, naming the first visitor on the left: %d, want 401", st)
			}
			if st := login(proxy, 53, "X-Forwarded-For", "198.51.100.3, 198.51.100.1, 10.1.1.1"); st != http.StatusTooManyRequests {
				t.Fatalf("the first visitor behind two proxies: %d, want 429", st)
			}

			// An untrusted peer cannot pass for others: its headers are
			// ignored and its own address is counted.
			for i := range 50 {
				if st := login(stranger, 100+i, "X-Forwarded-For", fmt.Sprintf("203.0.113.%d", i)); st != http.StatusUnauthorized {
					t.Fatalf("sign-in %d from an untrusted peer: %d", i+1, st)
				}
			}
			if st := login(stranger, 150, "X-Forwarded-For", "203.0.113.200", "Forwarded", "for=203.0.113.201"); st != http.StatusTooManyRequests {
				t.Fatalf("51st sign-in from an untrusted peer naming someone else: %d, want 429", st)
			}

			// The audit log records the same address.
			admin, _ := s.signedIn(t, "admin@proxy.test")
			admin.from("127.0.0.1")
			ws := idOf(t, admin.do("POST", "/api/v1/workspaces", map[string]string{"name": "Behind"}, "X-Forwarded-For", "198.51.100.9, 10.2.2.2").want(t, 201))
			admin.from("127.0.0.2")
			admin.do("PATCH", "/api/v1/workspaces/"+ws, map[string]string{"description": "spoofed"}, "X-Forwarded-For", "198.51.100.10").want(t, 200)
			audit := string(admin.do("GET", "/api/v1/workspaces/"+ws+"/audit-log", nil).want(t, 200).body)
			if !strings.Contains(audit, `"ip":"198.51.100.9"`) || !strings.Contains(audit, `"ip":"127.0.0.2"`) || strings.Contains(audit, "198.51.100.10") {
				t.Fatalf("audit log addresses: %s", audit)
			}

			// The scheme: https said by a trusted proxy makes cookies
			// Secure and sends HSTS; said by anyone else, nothing.
			res := proxy.do("POST", "/api/v1/auth/login", map[string]string{"email": "admin@proxy.test", "password": "correct horse 1"},
				"X-Forwarded-Proto", "https", "X-Forwarded-For", "198.51.100.20")
			res.want(t, 200)
			if c := res.header.Get("Set-Cookie"); !strings.Contains(c, "Secure") || res.header.Get("Strict-Transport-Security") == "" {
				t.Fatalf("https through a trusted proxy: Set-Cookie %q, HSTS %q", c, res.header.Get("Strict-Transport-Security"))
			}
			res = s.client(t).from("127.0.0.3").do("POST", "/api/v1/auth/login", map[string]string{"email": "admin@proxy.test", "password": "correct horse 1"},
				"X-Forwarded-Proto", "https")
			res.want(t, 200)
			if c := res.header.Get("Set-Cookie"); strings.Contains(c, "Secure") || res.header.Get("Strict-Transport-Security") != "" {
				t.Fatalf("https claimed by an untrusted peer: Set-Cookie %q, HSTS %q", c, res.header.Get("Strict-Transport-Security"))
			}
		})
	}
}
