package main

import (
	"context"
	"io"
	"log/slog"
	"testing"
	"time"

	"troupe/internal/password"
	"troupe/internal/testkit"
)

// A mail whose cause was committed survives a stop before it was sent: the
// next instance on the same database sends it.
func TestQueuedMailSurvivesRestart(t *testing.T) {
	for _, e := range testkit.Engines(t) {
		t.Run(e.Name, func(t *testing.T) {
			box := testkit.StartSMTP(t)
			dir := t.TempDir()
			start := func(poll time.Duration) *Main {
				cfg, err := LoadConfig([]string{"-addr", "127.0.0.1:0", "-data-dir", dir, "-database-url", e.URL, "-smtp-url", box.URL()},
					func(string) string { return "" }, io.Discard)
				if err != nil {
					t.Fatal(err)
				}
				m := NewMain(cfg, slog.New(slog.DiscardHandler))
				m.HashParams = &password.Params{Memory: 1024, Time: 1, Threads: 1}
				m.PollInterval = poll
				if err := m.Run(context.Background()); err != nil {
					t.Fatal(err)
				}
				return m
			}
			// The first instance cannot reach the mail server.
			box.FailNext(1000)
			first := start(50 * time.Millisecond)
			s := &testServer{main: first, url: "http://" + first.Addr(), mail: box}
			s.client(t).do("POST", "/api/v1/auth/signup", map[string]string{"email": "durable@example.com", "password": "correct horse 1", "name": "D"}).want(t, 201)
			time.Sleep(500 * time.Millisecond)
			if err := first.Close(context.Background()); err != nil {
				t.Fatal(err)
			}
			if n := box.Count("durable@example.com"); n != 0 {
				t.Fatalf("the mail was delivered (%d) although the server refused it", n)
			}
			box.FailNext(0)

			second := start(50 * time.Millisecond)
			defer second.Close(context.Background())
			m := box.WaitFor(t, "durable@example.com", 15*time.Second)
			m.Link(t, "/verify-email")
		})
	}
}
