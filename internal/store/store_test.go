package store_test

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"troupe/internal/store"
	"troupe/internal/testkit"
	"troupe/internal/troupe"
)

func open(t *testing.T, e testkit.Engine) *store.DB {
	t.Helper()
	db, err := store.Open(context.Background(), e.URL)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if err := db.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	return db
}

// settles polls ok until it holds or within has passed, and says whether
// it held: for what one instance learns from another a moment later.
func settles(within time.Duration, ok func() bool) bool {
	for deadline := time.Now().Add(within); !ok(); time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			return false
		}
	}
	return true
}

func TestStore(t *testing.T) {
	for _, e := range testkit.Engines(t) {
		t.Run(e.Name, func(t *testing.T) {
			ctx := context.Background()
			db := open(t, e)
			now := time.Now().UTC().Truncate(time.Millisecond)

			t.Run("emails are unique case-insensitively", func(t *testing.T) {
				u := store.UserRecord{User: troupe.User{ID: "u1", Email: "Ada@Example.com", Name: "Ada"}, PasswordHash: "h"}
				if err := db.Tx(ctx, func(tx *store.Tx) error { return tx.CreateUser(ctx, u, now) }); err != nil {
					t.Fatal(err)
				}
				u2 := store.UserRecord{User: troupe.User{ID: "u2", Email: "ada@example.COM", Name: "Ada 2"}, PasswordHash: "h"}
				err := db.Tx(ctx, func(tx *store.Tx) error { return tx.CreateUser(ctx, u2, now) })
				if code := troupe.ErrorCode(err); code != troupe.CodeConflict {
					t.Fatalf("second user with same address: got %v (%s), want conflict", err, code)
				}
				got, err := db.Read().FindUserByEmail(ctx, "ADA@example.com")
				if err != nil || got.ID != "u1" || got.Email != "Ada@Example.com" {
					t.Fatalf("find by email: %+v, %v", got, err)
				}
			})

			t.Run("missing rows are not_found", func(t *testing.T) {
				_, err := db.Read().FindUserByID(ctx, "nobody")
				if troupe.ErrorCode(err) != troupe.CodeNotFound {
					t.Fatalf("got %v, want not_found", err)
				}
				err = db.Tx(ctx, func(tx *store.Tx) error { return tx.UpdateUser(ctx, "nobody", store.UserUpdate{}, now) })
				if troupe.ErrorCode(err) != troupe.CodeNotFound {
					t.Fatalf("update of missing user: got %v, want not_found", err)
				}
			})

			t.Run("a failed transaction changes nothing", func(t *testing.T) {
				name := "Changed"
				err := db.Tx(ctx, func(tx *store.Tx) error {
					if err := tx.UpdateUser(ctx, "u1", store.UserUpdate{Name: &name}, now); err != nil {
						return err
					}
					return troupe.Errorf(troupe.CodeValidation, "stop")
				})
				if troupe.ErrorCode(err) != troupe.CodeValidation {
					t.Fatalf("got %v", err)
				}
				u, _ := db.Read().FindUserByID(ctx, "u1")
				if u.Name != "Ada" {
					t.Fatalf("rolled-back change is visible: name %q", u.Name)
				}
			})

			t.Run("sessions expire and die with their user's other sessions", func(t *testing.T) {
				err := db.Tx(ctx, func(tx *store.Tx) error {
					for _, s := range []store.Session{
						{IDHash: "live", UserID: "u1", CreatedAt: now, LastSeenAt: now, ExpiresAt: now.Add(time.Hour)},
						{IDHash: "old", UserID: "u1", CreatedAt: now, LastSeenAt: now, ExpiresAt: now.Add(-time.Second)},
					} {
						if err := tx.CreateSession(ctx, s); err != nil {
							return err
						}
					}
					return nil
				})
				if err != nil {
					t.Fatal(err)
				}
				if _, u, err := db.Read().FindSessionUser(ctx, "live", now); err != nil || u.ID != "u1" {
					t.Fatalf("live session: %v", err)
				}
				if _, _, err := db.Read().FindSessionUser(ctx, "old", now); troupe.ErrorCode(err) != troupe.CodeNotFound {
					t.Fatalf("expired session: got %v, want not_found", err)
				}
				if err := db.Tx(ctx, func(tx *store.Tx) error { return tx.DeleteUserSessions(ctx, "u1") }); err != nil {
					t.Fatal(err)
				}
				if _, _, err := db.Read().FindSessionUser(ctx, "live", now); troupe.ErrorCode(err) != troupe.CodeNotFound {
					t.Fatalf("session after DeleteUserSessions: got %v, want not_found", err)
				}
			})

			t.Run("a token is used at most once under concurrency", func(t *testing.T) {
				tok := store.UserToken{Hash: "tok", UserID: "u1", Purpose: troupe.PurposeVerifyEmail, Email: "ada@example.com",
					CreatedAt: now, ExpiresAt: now.Add(time.Hour)}
				if err := db.Tx(ctx, func(tx *store.Tx) error { return tx.CreateUserToken(ctx, tok) }); err != nil {
					t.Fatal(err)
				}
				var wg sync.WaitGroup
				var mu sync.Mutex
				wins := 0
				for range 10 {
					wg.Add(1)
					go func() {
						defer wg.Done()
						err := db.Tx(ctx, func(tx *store.Tx) error { return tx.UseUserToken(ctx, "tok", now) })
						if err == nil {
							mu.Lock()
							wins++
							mu.Unlock()
						} else if troupe.ErrorCode(err) != troupe.CodeNotFound {
							t.Errorf("unexpected error: %v", err)
						}
					}()
				}
				wg.Wait()
				if wins != 1 {
					t.Fatalf("token used %d times, want exactly once", wins)
				}
			})

			t.Run("an invite link keeps its sealed token, and older links read as having none", func(t *testing.T) {
				ws := troupe.Workspace{ID: "w-link", Name: "Links", Settings: troupe.DefaultSettings, Plan: "Team", Seats: 5}
				l := store.InviteLink{WorkspaceID: ws.ID, TokenHash: "hash-1", TokenSealed: "sealed-1", Role: troupe.RoleCreator,
					Enabled: true, CreatedBy: "u1", CreatedAt: now}
				err := db.Tx(ctx, func(tx *store.Tx) error {
					if err := tx.CreateWorkspace(ctx, ws, now); err != nil {
						return err
					}
					return tx.SaveInviteLink(ctx, l, now)
				})
				if err != nil {
					t.Fatal(err)
				}
				got, err := db.Read().FindInviteLinkByToken(ctx, "hash-1")
				if err != nil || got.TokenSealed != "sealed-1" || got.Role != troupe.RoleCreator {
					t.Fatalf("by hash: %+v, %v", got, err)
				}
				l.TokenHash, l.TokenSealed = "hash-2", ""
				if err := db.Tx(ctx, func(tx *store.Tx) error { return tx.SaveInviteLink(ctx, l, now) }); err != nil {
					t.Fatal(err)
				}
				if got, err := db.Read().FindInviteLink(ctx, ws.ID); err != nil || got.TokenSealed != "" || got.TokenHash != "hash-2" {
					t.Fatalf("a link saved without a sealed token: %+v, %v", got, err)
				}
			})

			t.Run("only a pending invitation's role changes", func(t *testing.T) {
				inv := store.InvitationRecord{Invitation: troupe.Invitation{ID: "i-role", WorkspaceID: "w-link", Email: "Eve@Example.com",
					Role: troupe.RoleViewer, InviterID: "u1", Status: troupe.InvitationPending, CreatedAt: now, ExpiresAt: now.Add(time.Hour)},
					TokenHash: "inv-hash"}
				err := db.Tx(ctx, func(tx *store.Tx) error {
					if err := tx.CreateInvitation(ctx, inv); err != nil {
						return err
					}
					return tx.UpdateInvitationRole(ctx, inv.ID, troupe.RoleDeveloper, now)
				})
				if err != nil {
					t.Fatal(err)
				}
				if got, err := db.Read().FindInvitation(ctx, "w-link", inv.ID); err != nil || got.Role != troupe.RoleDeveloper {
					t.Fatalf("after the change: %+v, %v", got, err)
				}
				err = db.Tx(ctx, func(tx *store.Tx) error {
					if err := tx.SetInvitationStatus(ctx, inv.ID, troupe.InvitationRevoked, now); err != nil {
						return err
					}
					return tx.UpdateInvitationRole(ctx, inv.ID, troupe.RoleCreator, now)
				})
				if troupe.ErrorCode(err) != troupe.CodeNotFound {
					t.Fatalf("a revoked invitation's role: got %v, want not_found", err)
				}
			})

			t.Run("invitations refused for lack of seats wait in the order they came", func(t *testing.T) {
				mk := func(id, email string, expires time.Time) store.InvitationRecord {
					return store.InvitationRecord{Invitation: troupe.Invitation{ID: id, WorkspaceID: "w-link", Email: email, Role: troupe.RoleViewer,
						InviterID: "u1", Status: troupe.InvitationPending, CreatedAt: now, ExpiresAt: expires}, TokenHash: "wait-" + id}
				}
				u2 := store.UserRecord{User: troupe.User{ID: "u-wait", Email: "wait@example.com", Name: "W"}, PasswordHash: "h"}
				err := db.Tx(ctx, func(tx *store.Tx) error {
					if err := tx.CreateUser(ctx, u2, now); err != nil {
						return err
					}
					for _, inv := range []store.InvitationRecord{mk("i-ada", "ADA@example.com", now.Add(time.Hour)), mk("i-wait", "wait@example.com", now.Add(time.Hour)),
						mk("i-nobody", "nobody@example.com", now.Add(time.Hour))} {
						if err := tx.CreateInvitation(ctx, inv); err != nil {
							return err
						}
					}
					// Later marks keep the first time.
					for _, m := range []struct {
						email string
						at    time.Time
					}{{"wait@example.com", now}, {"ada@example.com", now.Add(time.Second)}, {"wait@example.com", now.Add(time.Minute)}, {"nobody@example.com", now}} {
						if err := tx.MarkSeatWait(ctx, "w-link", m.email, m.at); err != nil {
							return err
						}
					}
					return nil
				})
				if err != nil {
					t.Fatal(err)
				}
				got, err := db.Read().ListSeatWaiters(ctx, "w-link", now, 10)
				want := []store.SeatWaiter{{InvitationID: "i-wait", UserID: "u-wait"}, {InvitationID: "i-ada", UserID: "u1"}}
				if err != nil || len(got) != 2 || got[0] != want[0] || got[1] != want[1] {
					t.Fatalf("waiters %+v, %v; want %+v (an address without an account waits for nothing)", got, err, want)
				}
				if got, _ := db.Read().ListSeatWaiters(ctx, "w-link", now.Add(2*time.Hour), 10); len(got) != 0 {
					t.Fatalf("expired invitations still wait: %+v", got)
				}
			})

			t.Run("rate-limit counters count per key and window, and read the window before", func(t *testing.T) {
				w := now.Truncate(time.Minute)
				hit := func(key string, start time.Time, n int) (prev, cur int) {
					t.Helper()
					err := db.Tx(ctx, func(tx *store.Tx) (err error) {
						prev, cur, err = tx.HitRateLimit(ctx, key, start.Add(-time.Minute), start, n)
						return
					})
					if err != nil {
						t.Fatal(err)
					}
					return prev, cur
				}
				for i := 1; i <= 3; i++ {
					if prev, cur := hit("k", w, 1); prev != 0 || cur != i {
						t.Fatalf("hit %d: got %d, %d", i, prev, cur)
					}
				}
				if prev, cur := hit("k", w.Add(time.Minute), 2); prev != 3 || cur != 2 {
					t.Fatalf("next window: got %d, %d, want 3, 2", prev, cur)
				}
				if prev, cur := hit("k", w, -1); prev != 0 || cur != 2 {
					t.Fatalf("a hit given back: got %d, %d, want 0, 2", prev, cur)
				}
				if prev, cur, err := db.Read().RateLimitHits(ctx, "k", w, w.Add(time.Minute)); err != nil || prev != 2 || cur != 2 {
					t.Fatalf("read: %d, %d, %v", prev, cur, err)
				}
				hit("k|1.2.3.4", w, 1)
				hit("k2", w, 1)
				if err := db.Tx(ctx, func(tx *store.Tx) error { return tx.DeleteRateLimits(ctx, "k") }); err != nil {
					t.Fatal(err)
				}
				for key, want := range map[string]int{"k": 0, "k|1.2.3.4": 0, "k2": 1} {
					if _, cur, _ := db.Read().RateLimitHits(ctx, key, w.Add(-time.Minute), w); cur != want {
						t.Fatalf("%s after forgetting k: %d, want %d", key, cur, want)
					}
				}
			})
		})
	}
}

func TestMigrations(t *testing.T) {
	for _, e := range testkit.Engines(t) {
		t.Run(e.Name, func(t *testing.T) {
			ctx := context.Background()

			t.Run("instances starting together both migrate", func(t *testing.T) {
				var wg sync.WaitGroup
				errs := make([]error, 3)
				for i := range errs {
					wg.Add(1)
					go func() {
						defer wg.Done()
						db, err := store.Open(ctx, e.URL)
						if err != nil {
							errs[i] = err
							return
						}
						defer db.Close()
						errs[i] = db.Migrate(ctx)
					}()
				}
				wg.Wait()
				for _, err := range errs {
					if err != nil {
						t.Fatalf("concurrent migrate: %v", err)
					}
				}
			})

			t.Run("a schema newer than the binary is refused", func(t *testing.T) {
				db := open(t, e)
				v, err := db.SchemaVersion(ctx)
				if err != nil || v < 1 {
					t.Fatalf("schema version %d, %v", v, err)
				}
				err = db.Tx(ctx, func(tx *store.Tx) error {
					return tx.Exec(ctx, "INSERT INTO goose_db_version (version_id, is_applied) VALUES (99999, TRUE)")
				})
				if err != nil {
					t.Fatal(err)
				}
				err = db.Migrate(ctx)
				if err == nil || !strings.Contains(err.Error(), "newer than this binary") {
					t.Fatalf("got %v, want a refusal", err)
				}
			})
		})
	}
}
