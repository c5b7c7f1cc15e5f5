package store_test

import (
	"context"
	"reflect"
	"testing"
	"time"

	"troupe/internal/store"
	"troupe/internal/testkit"
	"troupe/internal/troupe"
)

// The access snapshot answers every check exactly as the database does,
// is never used once a change commits, and on PostgreSQL stops answering
// within the cache bound after another instance's change.
func TestAccessGraphAnswersAsTheDatabase(t *testing.T) {
	for _, e := range testkit.Engines(t) {
		t.Run(e.Name, func(t *testing.T) {
			ctx := context.Background()
			db := open(t, e)
			now := time.Now().UTC().Truncate(time.Millisecond)
			users := []string{"ga", "gb", "gc", "gd"}
			tx := func(fn func(tx *store.Tx) error) {
				t.Helper()
				if err := db.Tx(ctx, fn); err != nil {
					t.Fatal(err)
				}
			}
			tx(func(tx *store.Tx) error {
				for _, u := range users {
					if err := tx.CreateUser(ctx, store.UserRecord{User: troupe.User{ID: u, Email: u + "@example.com", Name: u}, PasswordHash: "h"}, now); err != nil {
						return err
					}
				}
				if err := tx.CreateWorkspace(ctx, troupe.Workspace{ID: "gw", Name: "Graph"}, now); err != nil {
					return err
				}
				for u, role := range map[string]troupe.Role{"ga": troupe.RoleSuperAdmin, "gb": troupe.RoleCreator, "gc": troupe.RoleViewer} {
					if err := tx.AddMember(ctx, "gw", u, role, now); err != nil {
						return err
					}
				}
				for _, it := range []troupe.Item{
					{ID: "f1", Kind: troupe.KindFolder, Name: "Top", OwnerID: "gb", Workspace: troupe.LevelView},
					{ID: "f2", Kind: troupe.KindFolder, Name: "Middle", ParentID: "f1", OwnerID: "ga"},
					{ID: "v1", Kind: troupe.KindVideo, Name: "Deep", ParentID: "f2", OwnerID: "gb"},
					{ID: "v2", Kind: troupe.KindVideo, Name: "Alone", OwnerID: "ga"},
					{ID: "d1", Kind: troupe.KindDraft, Name: "Binned", ParentID: "f1", OwnerID: "gc"},
					// A tree no workspace access reaches: only its share
					// shows it.
					{ID: "f3", Kind: troupe.KindFolder, Name: "Private", OwnerID: "ga"},
					{ID: "f4", Kind: troupe.KindFolder, Name: "Inner", ParentID: "f3", OwnerID: "ga"},
					{ID: "v3", Kind: troupe.KindVideo, Name: "Hidden clip", ParentID: "f4", OwnerID: "ga"},
				} {
					it.WorkspaceID, it.CreatedAt, it.UpdatedAt = "gw", now, now
					if err := tx.CreateItem(ctx, it); err != nil {
						return err
					}
				}
				if _, err := tx.SetSharing(ctx, "f2", troupe.LevelNone, map[string]troupe.Level{"gc": troupe.LevelEdit, "gd": troupe.LevelView}, now); err != nil {
					return err
				}
				if _, err := tx.SetSharing(ctx, "f3", troupe.LevelNone, map[string]troupe.Level{"gd": troupe.LevelView}, now); err != nil {
					return err
				}
				return tx.TrashItem(ctx, "d1", "gc", now)
			})
			items := []string{"f1", "f2", "v1", "v2", "d1", "f3", "f4", "v3", "missing"}
			// same waits for a snapshot and holds each of its answers to
			// the database's.
			// pass holds every answer the snapshot gives to the database's;
			// complete is false when the snapshot went stale before the end
			// (on PostgreSQL an instance also hears its own changes
			// announced, a moment after it dropped the snapshot itself).
			pass := func(step string) (complete bool) {
				t.Helper()
				for _, id := range items {
					for _, actor := range users {
						for _, user := range users {
							want, err := db.ChainFromDatabase(ctx, id, actor, user)
							got, ok := db.ChainFromMemory(id, actor, user)
							if troupe.ErrorCode(err) == troupe.CodeNotFound {
								if ok {
									t.Fatalf("%s: %s for %s knows a missing item: %+v", step, id, user, got)
								}
								continue
							}
							if err != nil {
								t.Fatal(err)
							}
							if !ok {
								return false
							}
							if !reflect.DeepEqual(got, want) {
								t.Fatalf("%s: %s asked by %s for %s:\nmemory   %+v\ndatabase %+v", step, id, actor, user, got, want)
							}
						}
					}
				}
				known := items[:len(items)-1]
				gotChains, gotShares, ok := db.ChainsFromMemory(known)
				wantChains, wantShares, err := db.ChainsFromDatabase(ctx, known)
				if err != nil {
					t.Fatal(err)
				}
				if !ok {
					return false
				}
				if !reflect.DeepEqual(gotChains, wantChains) || !reflect.DeepEqual(gotShares, wantShares) {
					t.Fatalf("%s: chains of a page:\nmemory   %+v %+v\ndatabase %+v %+v", step, gotChains, gotShares, wantChains, wantShares)
				}
				if _, _, ok := db.ChainsFromMemory(items); ok {
					t.Fatalf("%s: the chains of a missing item came from memory", step)
				}
				return samePages(t, db, step, users)
			}
			// same waits for a snapshot and holds a whole pass of its
			// answers to the database's.
			same := func(step string) {
				t.Helper()
				if !settles(10*time.Second, func() bool {
					_, ok := db.ChainFromMemory("f1", "ga", "ga")
					return ok && pass(step)
				}) {
					t.Fatalf("%s: no snapshot answered a whole pass", step)
				}
			}
			// stale holds that a committed change leaves no snapshot to use.
			stale := func(step string) {
				t.Helper()
				if c, ok := db.ChainFromMemory("f1", "ga", "ga"); ok {
					t.Fatalf("%s: the old snapshot still answers: %+v", step, c)
				}
			}
			same("seeded")
			for _, change := range []struct {
				step string
				fn   func(tx *store.Tx) error
			}{
				{"shared", func(tx *store.Tx) error {
					_, err := tx.SetSharing(ctx, "v1", troupe.LevelComment, map[string]troupe.Level{"gd": troupe.LevelEdit}, now)
					return err
				}},
				{"moved", func(tx *store.Tx) error { return tx.MoveItem(ctx, "v1", "f1", now) }},
				{"renamed", func(tx *store.Tx) error {
					name := "Renamed"
					return tx.UpdateItem(ctx, "f1", store.ItemUpdate{Name: &name}, now)
				}},
				{"role changed", func(tx *store.Tx) error { return tx.UpdateMemberRole(ctx, "gw", "gc", troupe.RoleCreator) }},
				{"published", func(tx *store.Tx) error {
					return tx.Exec(ctx, `UPDATE items SET public_slug = 'graph-v2' WHERE id = 'v2'`)
				}},
				{"publishing turned off", func(tx *store.Tx) error {
					return tx.Exec(ctx, `UPDATE workspaces SET publishing = 'off' WHERE id = 'gw'`)
				}},
				{"trashed", func(tx *store.Tx) error { return tx.TrashItem(ctx, "f2", "ga", now) }},
			} {
				tx(change.fn)
				stale(change.step)
				same(change.step)
			}
			if db.AccessGraphHits() == 0 {
				t.Fatal("no check was answered from memory")
			}
			if e.Name == "sqlite" {
				return
			}
			// Another instance's changes: announced through the database.
			other := open(t, e)
			for _, change := range []struct {
				step string
				fn   func(tx *store.Tx) error
			}{
				{"shared elsewhere", func(tx *store.Tx) error {
					_, err := tx.SetSharing(ctx, "v2", troupe.LevelView, nil, now)
					return err
				}},
				{"publishing turned on elsewhere", func(tx *store.Tx) error {
					return tx.Exec(ctx, `UPDATE workspaces SET publishing = 'public' WHERE id = 'gw'`)
				}},
				{"role changed elsewhere", func(tx *store.Tx) error { return tx.UpdateMemberRole(ctx, "gw", "gb", troupe.RoleViewer) }},
			} {
				if err := other.Tx(ctx, change.fn); err != nil {
					t.Fatal(err)
				}
				if !settles(time.Second, func() bool { _, ok := db.ChainFromMemory("f1", "ga", "ga"); return !ok }) {
					t.Fatalf("%s: the change went unseen for a second", change.step)
				}
				same(change.step)
			}
		})
	}
}

// samePages holds every page of Recent and search (all kinds and videos
// only, pages of 1, 2 and 50) that the snapshot decides for each user to
// the database's, to the last page; false when the snapshot went stale.
func samePages(t *testing.T, db *store.DB, step string, users []string) bool {
	t.Helper()
	ctx := context.Background()
	for _, u := range users {
		for _, query := range []string{"", "e"} {
			for _, kind := range []troupe.Kind{"", troupe.KindVideo} {
				for _, limit := range []int{1, 2, 50} {
					f := store.ItemFilter{WorkspaceID: "gw", Kind: kind, Limit: limit}
					for page := 0; ; page++ {
						got, gotNext, ok, err := db.VisibleFromMemory(ctx, store.Viewer{UserID: u}, query, f)
						if err != nil {
							t.Fatal(err)
						}
						if !ok {
							return false
						}
						want, wantNext, err := db.VisibleFromDatabase(ctx, store.Viewer{UserID: u}, query, f)
						if err != nil {
							t.Fatal(err)
						}
						if !reflect.DeepEqual(got, want) || gotNext != wantNext {
							t.Fatalf("%s: page %d of %q (kind %q, %d) for %s:\nmemory   %+v %q\ndatabase %+v %q", step, page, query, kind, limit, u, got, gotNext, want, wantNext)
						}
						if f.Cursor = gotNext; gotNext == "" {
							break
						}
					}
				}
			}
		}
	}
	return true
}

// ReadAccessEarly reads the snapshot before any check asks for it;
// without it nothing is read until a check finds no snapshot.
func TestReadAccessEarly(t *testing.T) {
	for _, e := range testkit.Engines(t) {
		t.Run(e.Name, func(t *testing.T) {
			db := open(t, e)
			time.Sleep(100 * time.Millisecond)
			if db.AccessSnapshotHeld() {
				t.Fatal("a snapshot was read before anyone asked")
			}
			db.ReadAccessEarly()
			if !settles(10*time.Second, db.AccessSnapshotHeld) {
				t.Fatal("no snapshot read early")
			}
		})
	}
}

// A server is ready once its first access snapshot is read, so that a
// load balancer sends it lists when they are fast, and at the latest
// after MaxWarmUp.
func TestReadyWaitsForTheFirstSnapshot(t *testing.T) {
	ctx := context.Background()
	for _, e := range testkit.Engines(t) {
		t.Run(e.Name, func(t *testing.T) {
			slow := open(t, e)
			if err := slow.Ready(ctx); err != nil {
				t.Fatalf("not ready before any snapshot was asked for: %v", err)
			}
			slow.HoldAccessReads()
			slow.ReadAccessEarly()
			err := slow.Ready(ctx)
			if e, ok := troupe.AsError(err); !ok || e.Code != troupe.CodeUnavailable || e.RetryAfter != time.Second {
				t.Fatalf("ready while the snapshot is read: %v", err)
			}
			slow.AgeWarmUp(store.MaxWarmUp)
			if err := slow.Ready(ctx); err != nil {
				t.Fatalf("still not ready after MaxWarmUp: %v", err)
			}
			slow.ReleaseAccessReads()

			// On SQLite the caches are the file's, shared with slow.
			db := open(t, e)
			db.ReadAccessEarly()
			if !settles(10*time.Second, func() bool { return db.Ready(ctx) == nil }) {
				t.Fatal("never ready")
			}
			if !db.AccessSnapshotHeld() {
				t.Fatal("ready before the snapshot was read")
			}
		})
	}
}
