package store_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"troupe/internal/store"
	"troupe/internal/testkit"
	"troupe/internal/troupe"
)

// TestCachesStopWithinASecondOfAStalledListener stalls one instance's
// listener connection without closing it: changes made on another
// instance (an unpublished video, a sign-out) go unheard, yet within a
// second the stalled instance stops serving them from memory and reads
// through; once the connection flows again, or the listener dialled again
// after a long stall, its caches serve again.
func TestCachesStopWithinASecondOfAStalledListener(t *testing.T) {
	ctx := context.Background()
	dbURL := testkit.PostgresURL(t)
	proxy := testkit.StartStallingProxy(t, dbURL)
	b := open(t, testkit.Engine{Name: "postgres", URL: dbURL})
	a, err := store.OpenWith(ctx, dbURL, store.Options{ListenURL: proxy.URL})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		proxy.Resume()
		a.Close()
	})

	now := time.Now().UTC().Truncate(time.Millisecond)
	ws := troupe.Workspace{ID: "w1", Name: "Studio", Settings: troupe.DefaultSettings}
	ws.Settings.Publishing = troupe.PermAllowed
	video := func(id string) troupe.Item {
		return troupe.Item{ID: id, WorkspaceID: ws.ID, Kind: troupe.KindVideo, Name: "Teaser " + id, OwnerID: "u1",
			MediaKey: "k" + id, MediaType: "video/mp4", CreatedAt: now, UpdatedAt: now}
	}
	const slug1, slug2 = "AAAAAAAAAAAAAAAAAAAAAAAA", "BBBBBBBBBBBBBBBBBBBBBBBB"
	session := func(hash string) store.Session {
		return store.Session{IDHash: hash, UserID: "u1", CreatedAt: now, LastSeenAt: now, ExpiresAt: now.Add(time.Hour)}
	}
	err = b.Tx(ctx, func(tx *store.Tx) error {
		return errors.Join(
			tx.CreateUser(ctx, store.UserRecord{User: troupe.User{ID: "u1", Email: "ada@example.com", Name: "Ada"}, PasswordHash: "h"}, now),
			tx.CreateWorkspace(ctx, ws, now),
			tx.CreateItem(ctx, video("v1")), publish(ctx, tx, "v1", ws.ID, slug1, now),
			tx.CreateItem(ctx, video("v2")), publish(ctx, tx, "v2", ws.ID, slug2, now),
			tx.CreateSession(ctx, session("s1")), tx.CreateSession(ctx, session("s2")))
	})
	if err != nil {
		t.Fatal(err)
	}

	published := func(slug string) bool {
		_, err := a.FindPublicVideo(ctx, slug)
		if troupe.ErrorCode(err) == troupe.CodeNotFound {
			return false
		}
		if err != nil {
			t.Fatal(err)
		}
		return true
	}
	signedIn := func(hash string) bool {
		_, _, err := a.FindSessionUser(ctx, hash, time.Now())
		if troupe.ErrorCode(err) == troupe.CodeNotFound {
			return false
		}
		if err != nil {
			t.Fatal(err)
		}
		return true
	}
	// cached waits until a serves both the page and the session from
	// memory: its listener is up and hears its heartbeats.
	cached := func(slug, hash string) {
		t.Helper()
		pages, sessions := a.PublicCacheHits(), a.SessionCacheHits()
		if !settles(10*time.Second, func() bool {
			if !published(slug) || !signedIn(hash) {
				t.Fatal("page or session not found")
			}
			return a.PublicCacheHits() != pages && a.SessionCacheHits() != sessions
		}) {
			t.Fatal("the page and the session never came from the caches")
		}
	}

	cached(slug1, "s1")
	proxy.Stall()
	err = b.Tx(ctx, func(tx *store.Tx) error {
		return errors.Join(tx.DeleteItemLinks(ctx, "v1", now), tx.DeleteSession(ctx, "s1"))
	})
	if err != nil {
		t.Fatal(err)
	}
	committed := time.Now()
	staleFor := func(gone func() bool) time.Duration {
		for !gone() {
			if time.Since(committed) > 5*time.Second {
				t.Fatal("still served 5s after the change, with the listener stalled")
			}
			time.Sleep(time.Millisecond)
		}
		return time.Since(committed)
	}
	page := staleFor(func() bool { return !published(slug1) })
	signOut := staleFor(func() bool { return !signedIn("s1") })
	t.Logf("with the listener stalled, the unpublished page was served %v and the ended session %v after the change committed", page, signOut)
	// The bound is a second; the rest is room for a busy test machine.
	if limit := 1500 * time.Millisecond; page > limit || signOut > limit {
		t.Fatalf("served %v (page) and %v (session) after the change; want at most about a second", page, signOut)
	}

	// Meanwhile everything still works, read from the database.
	pages, sessions := a.PublicCacheHits(), a.SessionCacheHits()
	if !published(slug2) || !signedIn("s2") || !published(slug2) || !signedIn("s2") {
		t.Fatal("a published page or a live session is not found while the listener stalls")
	}
	if a.PublicCacheHits() != pages || a.SessionCacheHits() != sessions {
		t.Fatal("served from memory while the listener stalls")
	}

	// Flowing again, the listener hears what it missed, then its
	// heartbeats, and the caches serve again.
	proxy.Resume()
	cached(slug2, "s2")
	if published(slug1) || signedIn("s1") {
		t.Fatal("what changed during the stall is served once the listener hears again")
	}

	// A stall that lasts makes the listener give its connection up and
	// dial again; once the new one gets through, the caches serve again.
	dialled := proxy.Connections()
	proxy.Stall()
	if !settles(10*time.Second, func() bool { return proxy.Connections() > dialled }) {
		t.Fatal("the listener never dialled again during a long stall")
	}
	proxy.Resume()
	cached(slug2, "s2")
}

// TestNotificationsAreHeardOnEveryInstance: a notification added through
// one instance is announced to the watchers of every instance, on
// PostgreSQL by the listener, on SQLite at commit in the one process.
func TestNotificationsAreHeardOnEveryInstance(t *testing.T) {
	for _, e := range testkit.Engines(t) {
		t.Run(e.Name, func(t *testing.T) {
			ctx := context.Background()
			a := open(t, e)
			b := a // one process serves a SQLite file
			if e.Name == "postgres" {
				b = open(t, e)
			}
			heard := make(chan string, 16)
			b.WatchNotifications(func(userID string) {
				if userID != "" { // "" comes as the listener connects
					heard <- userID
				}
			})
			now := time.Now().UTC().Truncate(time.Millisecond)
			err := a.Tx(ctx, func(tx *store.Tx) error {
				return errors.Join(
					tx.CreateUser(ctx, store.UserRecord{User: troupe.User{ID: "u1", Email: "ada@example.com", Name: "Ada"}, PasswordHash: "h"}, now),
					tx.CreateWorkspace(ctx, troupe.Workspace{ID: "w1", Name: "Studio", Settings: troupe.DefaultSettings}, now))
			})
			if err != nil {
				t.Fatal(err)
			}
			// b's listener may not be up yet: add until it hears.
			deadline := time.After(10 * time.Second)
			tick := time.NewTicker(100 * time.Millisecond)
			defer tick.Stop()
			for i := 0; ; i++ {
				err := a.Tx(ctx, func(tx *store.Tx) error {
					return tx.AddNotification(ctx, troupe.Notification{ID: "n" + string(rune('a'+i)), UserID: "u1", WorkspaceID: "w1",
						Kind: "role_changed", Data: "{}", CreatedAt: now})
				})
				if err != nil {
					t.Fatal(err)
				}
				select {
				case got := <-heard:
					if got != "u1" {
						t.Fatalf("heard of %q, want u1", got)
					}
					return
				case <-deadline:
					t.Fatal("the other instance never heard of the notification")
				case <-tick.C:
				}
			}
		})
	}
}
