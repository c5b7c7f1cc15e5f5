package jobs

import (
	"context"
	"testing"
	"time"

	"troupe/internal/store"
	"troupe/internal/testkit"
	"troupe/internal/troupe"
)

// The cleanup reads the clock it is given: a session that is still live on
// that clock stays, and one that ended before it goes.
func TestCleanupKeepsSessionsLiveOnItsClock(t *testing.T) {
	for _, e := range testkit.Engines(t) {
		t.Run(e.Name, func(t *testing.T) {
			ctx := context.Background()
			db, err := store.Open(ctx, e.URL)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { db.Close() })
			if err := db.Migrate(ctx); err != nil {
				t.Fatal(err)
			}
			clock := time.Now().AddDate(0, -2, 0) // two months behind the wall
			user := store.UserRecord{User: troupe.User{ID: "0195c3a0-0000-7000-8000-000000000001",
				Email: "alice@example.com", Name: "Alice", Locale: "en"}, PasswordHash: "x"}
			err = db.Tx(ctx, func(tx *store.Tx) error {
				if err := tx.CreateUser(ctx, user, clock); err != nil {
					return err
				}
				for hash, ends := range map[string]time.Time{"live": clock.Add(time.Hour), "ended": clock.Add(-time.Minute)} {
					s := store.Session{IDHash: hash, UserID: user.ID, CreatedAt: clock.Add(-time.Hour),
						LastSeenAt: clock.Add(-time.Hour), ExpiresAt: ends}
					if err := tx.CreateSession(ctx, s); err != nil {
						return err
					}
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			w := &cleanupWorker{db: db, now: func() time.Time { return clock }}
			if err := w.Work(ctx, nil); err != nil {
				t.Fatal(err)
			}
			if _, _, err := db.Read().FindSessionUser(ctx, "live", clock); err != nil {
				t.Errorf("the session still live on the cleanup's clock: %v", err)
			}
			if _, _, err := db.Read().FindSessionUser(ctx, "ended", clock.Add(-time.Hour)); err == nil {
				t.Error("the session that ended before the cleanup's clock is still there")
			}
		})
	}
}
