package main

import (
	"fmt"
	"testing"
	"time"

	"troupe/internal/testkit"
)

// TestLiveNotificationsReachEveryInstance opens the admin's notification
// stream on one instance and makes the notification on another: on
// PostgreSQL the instances hear each other at commit (LISTEN/NOTIFY), so
// the stream updates at once, without polling the table. SQLite
// is served by one process, which signals at commit.
func TestLiveNotificationsReachEveryInstance(t *testing.T) {
	for _, e := range testkit.Engines(t) {
		t.Run(e.Name, func(t *testing.T) {
			a := startServer(t, e)
			admin, _ := a.signedIn(t, "admin@acme.com")
			ws := admin.do("POST", "/api/v1/workspaces", map[string]string{"name": "Acme"}).want(t, 201).json(t)["id"].(string)
			admin.do("PATCH", "/api/v1/workspaces/"+ws, map[string]any{"domains": []string{"acme.com"}, "join_policy": "request"}).want(t, 200)
			a.verifyDomain(t, admin, ws, "acme.com")
			bob, _ := a.signedIn(t, "bob@acme.com")
			carol, _ := a.signedIn(t, "carol@acme.com")
			dave, _ := a.signedIn(t, "dave@acme.com")
			// The second instance starts once the sign-ups' mail went out
			// (either instance sends what is queued, each to its own test
			// mail server).
			b := a
			if e.Name == "postgres" {
				b = startServer(t, e)
			}

			// The admin's browser, on instance b.
			browser := b.client(t)
			browser.http.Jar = admin.http.Jar
			events := openStream(t, b, browser)
			if got := <-events; got != `{"unread":0}` {
				t.Fatalf("first event %q", got)
			}
			for i, who := range []*apiClient{bob, carol, dave} {
				want := fmt.Sprintf(`{"unread":%d}`, i+1)
				who.do("POST", "/api/v1/workspaces/"+ws+"/join", nil).want(t, 200)
				answered := time.Now()
				select {
				case got := <-events:
					if got != want {
						t.Fatalf("event %q, want %q", got, want)
					}
					took := time.Since(answered)
					t.Logf("the stream showed the request %v after it was answered", took)
					// Milliseconds in fact; a second polling the table
					// would miss this bound in most of the three rounds.
					if took > 500*time.Millisecond {
						t.Fatalf("the stream updated %v after the request was answered; want at once", took)
					}
				case <-time.After(10 * time.Second):
					t.Fatal("no live update within 10s")
				}
			}
		})
	}
}
