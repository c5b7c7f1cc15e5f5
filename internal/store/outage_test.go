package store_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"troupe/internal/store"
	"troupe/internal/testkit"
	"troupe/internal/troupe"
)

// wantUnavailableAfter checks that op failed as unavailable after waiting
// about wait for a connection.
func wantUnavailableAfter(t *testing.T, wait time.Duration, op func() error) {
	t.Helper()
	start := time.Now()
	err := op()
	if code := troupe.ErrorCode(err); code != troupe.CodeUnavailable {
		t.Fatalf("got %v (%s), want unavailable", err, code)
	}
	if d := time.Since(start); d < wait || d > wait+3*time.Second {
		t.Fatalf("failed after %s, want about %s", d, wait)
	}
}

// With every connection busy, operations wait a bounded time for one and
// then fail as unavailable instead of waiting for ever.
func TestPoolWaitIsBounded(t *testing.T) {
	for _, e := range testkit.Engines(t) {
		t.Run(e.Name, func(t *testing.T) {
			ctx := context.Background()
			db := open(t, e)
			const wait = 200 * time.Millisecond
			db.SetPoolWait(wait)

			release := testkit.HoldConnections(t, db.Writer())
			wantUnavailableAfter(t, wait, func() error { return db.Tx(ctx, func(*store.Tx) error { return nil }) })
			if e.Name == "postgres" { // one pool for reads and writes
				wantUnavailableAfter(t, wait, func() error { _, err := db.Read().FindUserByID(ctx, "u"); return err })
				wantUnavailableAfter(t, wait, func() error { return db.Ready(ctx) })
			}
			release()
			if err := db.Tx(ctx, func(*store.Tx) error { return nil }); err != nil {
				t.Fatal(err)
			}

			// SQLite's readers, whose prepared statements are left aside
			// while the pool is full.
			release = testkit.HoldConnections(t, db.Reader())
			wantUnavailableAfter(t, wait, func() error { _, err := db.Read().FindUserByID(ctx, "u"); return err })
			wantUnavailableAfter(t, wait, func() error { _, _, err := db.Read().FindItemAccess(ctx, "i", "u"); return err })
			release()
			if _, err := db.Read().FindUserByID(ctx, "u"); troupe.ErrorCode(err) != troupe.CodeNotFound {
				t.Fatalf("after the readers are free: %v", err)
			}
			if err := db.Ready(ctx); err != nil {
				t.Fatal(err)
			}
		})
	}
}

// A transaction cut short by an outage leaves nothing: PostgreSQL going
// down in its middle, SQLite's disk filling up under it.
func TestOutageRollsBack(t *testing.T) {
	ctx := context.Background()
	now := time.Now()
	user := func(id string, name string) store.UserRecord {
		return store.UserRecord{User: troupe.User{ID: id, Email: id + "@example.com", Name: name}, PasswordHash: "h"}
	}
	wantAbsent := func(t *testing.T, db *store.DB, id string) {
		t.Helper()
		if _, err := db.Read().FindUserByID(ctx, id); troupe.ErrorCode(err) != troupe.CodeNotFound {
			t.Fatalf("%s after the outage: %v, want not found", id, err)
		}
	}
	t.Run("postgres", func(t *testing.T) {
		cluster := testkit.StartCluster(t)
		db := open(t, testkit.Engine{Name: "postgres", URL: cluster.Database("troupe")})
		err := db.Tx(ctx, func(tx *store.Tx) error {
			if err := tx.CreateUser(ctx, user("first", "First"), now); err != nil {
				return err
			}
			cluster.Crash()
			return tx.CreateUser(ctx, user("second", "Second"), now)
		})
		if code := troupe.ErrorCode(err); code != troupe.CodeUnavailable {
			t.Fatalf("got %v (%s), want unavailable", err, code)
		}
		if err := db.Ready(ctx); troupe.ErrorCode(err) != troupe.CodeUnavailable {
			t.Fatalf("ready while down: %v", err)
		}
		cluster.Start()
		if !settles(10*time.Second, func() bool { return db.Ready(ctx) == nil }) {
			t.Fatalf("not ready after the restart: %v", db.Ready(ctx))
		}
		wantAbsent(t, db, "first")
	})
	t.Run("sqlite", func(t *testing.T) {
		disk := testkit.SmallDisk(t, 16<<20)
		db := open(t, testkit.Engine{Name: "sqlite", URL: disk + "/troupe.db"})
		big := strings.Repeat("x", 4<<20)
		var free func()
		err := db.Tx(ctx, func(tx *store.Tx) error {
			if err := tx.CreateUser(ctx, user("first", "First"), now); err != nil {
				return err
			}
			free = testkit.FillDisk(t, disk)
			return tx.CreateUser(ctx, user("second", big), now)
		})
		if code := troupe.ErrorCode(err); code != troupe.CodeUnavailable {
			t.Fatalf("got %v (%s), want unavailable", err, code)
		}
		if err := db.Ready(ctx); troupe.ErrorCode(err) != troupe.CodeUnavailable {
			t.Fatalf("ready on a full disk: %v", err)
		}
		free()
		if err := db.Ready(ctx); err != nil {
			t.Fatal(err)
		}
		wantAbsent(t, db, "first")
		if err := db.Tx(ctx, func(tx *store.Tx) error { return tx.CreateUser(ctx, user("third", "Third"), now) }); err != nil {
			t.Fatal(err)
		}
	})
}
