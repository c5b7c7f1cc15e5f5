package store_test

import (
	"context"
	"testing"
	"time"

	"troupe/internal/store"
	"troupe/internal/testkit"
	"troupe/internal/troupe"
)

// TestSessionsEndEverywhereAtOnce runs two instances on one database: what
// one changes about a session or its user, the other sees on its next
// read, though both serve sessions from memory (on SQLite, two handles of
// one process on one file).
func TestSessionsEndEverywhereAtOnce(t *testing.T) {
	for _, e := range testkit.Engines(t) {
		t.Run(e.Name, func(t *testing.T) {
			ctx := context.Background()
			a, b := open(t, e), open(t, e)
			now := time.Now().UTC().Truncate(time.Millisecond)
			u := store.UserRecord{User: troupe.User{ID: "u1", Email: "ada@example.com", Name: "Ada"}, PasswordHash: "h"}
			newSession := func(hash string) {
				t.Helper()
				s := store.Session{IDHash: hash, UserID: u.ID, CreatedAt: now, LastSeenAt: now, ExpiresAt: now.Add(time.Hour)}
				if err := b.Tx(ctx, func(tx *store.Tx) error { return tx.CreateSession(ctx, s) }); err != nil {
					t.Fatal(err)
				}
			}
			if err := b.Tx(ctx, func(tx *store.Tx) error { return tx.CreateUser(ctx, u, now) }); err != nil {
				t.Fatal(err)
			}
			// on reports whether a finds the session, and under which name.
			on := func(db *store.DB, hash string) (string, bool) {
				_, got, err := db.FindSessionUser(ctx, hash, time.Now())
				if troupe.ErrorCode(err) == troupe.CodeNotFound {
					return "", false
				}
				if err != nil {
					t.Fatal(err)
				}
				return got.Name, true
			}
			cached := func(hash string) {
				t.Helper()
				hits := a.SessionCacheHits()
				if !settles(10*time.Second, func() bool {
					if _, ok := on(a, hash); !ok {
						t.Fatal("session not found")
					}
					return a.SessionCacheHits() != hits
				}) {
					t.Fatal("the session never came from the cache")
				}
			}
			// eventually waits for a change made on b to reach a: the
			// notice travels at commit, in milliseconds.
			eventually := func(what string, ok func() bool) {
				t.Helper()
				if !settles(5*time.Second, ok) {
					t.Fatalf("%s: not seen by the other instance after 5s", what)
				}
			}

			newSession("s1")
			cached("s1")
			if err := b.Tx(ctx, func(tx *store.Tx) error { return tx.DeleteSession(ctx, "s1") }); err != nil {
				t.Fatal(err)
			}
			eventually("sign-out on another instance", func() bool { _, ok := on(a, "s1"); return !ok })

			newSession("s2")
			cached("s2")
			name := "Ada L."
			if err := b.Tx(ctx, func(tx *store.Tx) error { return tx.UpdateUser(ctx, u.ID, store.UserUpdate{Name: &name}, now) }); err != nil {
				t.Fatal(err)
			}
			eventually("a renamed account", func() bool { n, _ := on(a, "s2"); return n == name })

			cached("s2")
			if err := b.Tx(ctx, func(tx *store.Tx) error { return tx.DeleteUserSessions(ctx, u.ID) }); err != nil {
				t.Fatal(err)
			}
			eventually("all sessions ended", func() bool { _, ok := on(a, "s2"); return !ok })

			// On the instance that signs out, at once.
			newSession("s3")
			cached("s3")
			if err := a.Tx(ctx, func(tx *store.Tx) error { return tx.DeleteSession(ctx, "s3") }); err != nil {
				t.Fatal(err)
			}
			if _, ok := on(a, "s3"); ok {
				t.Fatal("a session signed out on this instance still works here")
			}
		})
	}
}
