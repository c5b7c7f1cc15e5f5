package store_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"troupe/internal/store"
	"troupe/internal/testkit"
	"troupe/internal/troupe"
)

// TestPublicPagesChangeEverywhereAtOnce runs two instances on one
// database: every change one makes to a published video, or to its
// workspace's settings, the other sees on its next read, though both serve
// public pages from memory; the instance that makes a change sees it at
// once.
func TestPublicPagesChangeEverywhereAtOnce(t *testing.T) {
	for _, e := range testkit.Engines(t) {
		t.Run(e.Name, func(t *testing.T) {
			ctx := context.Background()
			a, b := open(t, e), open(t, e)
			now := time.Now().UTC().Truncate(time.Millisecond)
			ws := troupe.Workspace{ID: "w1", Name: "Studio", Settings: troupe.DefaultSettings}
			ws.Settings.Publishing = troupe.PermAllowed
			folder := troupe.Item{ID: "f1", WorkspaceID: ws.ID, Kind: troupe.KindFolder, Name: "Launch", OwnerID: "u1", CreatedAt: now, UpdatedAt: now}
			video := troupe.Item{ID: "v1", WorkspaceID: ws.ID, Kind: troupe.KindVideo, Name: "Teaser", ParentID: folder.ID, OwnerID: "u1",
				MediaKey: "k1", MediaType: "video/mp4", CreatedAt: now, UpdatedAt: now}
			const slug = "AAAAAAAAAAAAAAAAAAAAAAAA"
			write := func(db *store.DB, fn func(tx *store.Tx) error) {
				t.Helper()
				if err := db.Tx(ctx, fn); err != nil {
					t.Fatal(err)
				}
			}
			write(b, func(tx *store.Tx) error {
				return errors.Join(
					tx.CreateUser(ctx, store.UserRecord{User: troupe.User{ID: "u1", Email: "ada@example.com", Name: "Ada"}, PasswordHash: "h"}, now),
					tx.CreateWorkspace(ctx, ws, now),
					tx.CreateItem(ctx, folder),
					tx.CreateItem(ctx, video),
					publish(ctx, tx, video.ID, video.WorkspaceID, slug, now))
			})

			// seen returns what a's public page shows: "" while there is none.
			seen := func(db *store.DB) string {
				v, err := db.FindPublicVideo(ctx, slug)
				if troupe.ErrorCode(err) == troupe.CodeNotFound {
					return ""
				}
				if err != nil {
					t.Fatal(err)
				}
				langs := make([]string, len(v.Captions))
				for i, c := range v.Captions {
					langs[i] = c.Lang
				}
				return strings.Join([]string{v.Name, string(v.Downloads), v.PasswordHash, strings.Join(langs, "+")}, "|")
			}
			// cached waits until a serves the page from memory (on
			// PostgreSQL, once its listener is up).
			cached := func() {
				t.Helper()
				hits := a.PublicCacheHits()
				if !settles(10*time.Second, func() bool {
					if seen(a) == "" {
						t.Fatal("page not found")
					}
					return a.PublicCacheHits() != hits
				}) {
					t.Fatal("the page never came from the cache")
				}
			}
			// eventually waits for a change made on b to reach a: on
			// PostgreSQL the notice travels at commit, in milliseconds.
			eventually := func(what, want string) {
				t.Helper()
				if !settles(5*time.Second, func() bool { return seen(a) == want }) {
					t.Fatalf("%s: the other instance shows %q, want %q", what, seen(a), want)
				}
			}

			cached()
			name := "Teaser, final cut"
			write(b, func(tx *store.Tx) error { return tx.UpdateItem(ctx, video.ID, store.ItemUpdate{Name: &name}, now) })
			eventually("renamed", name+"|allowed||")

			cached()
			write(b, func(tx *store.Tx) error { return tx.SetVideoPassword(ctx, video.ID, "hash") })
			eventually("password set", name+"|allowed|hash|")

			cached()
			write(b, func(tx *store.Tx) error {
				return tx.PutCaption(ctx, video.ID, store.Caption{CaptionTrack: troupe.CaptionTrack{Lang: "fr", Label: "Français", UpdatedAt: now}, VTT: "WEBVTT\n"})
			})
			eventually("captions added", name+"|allowed|hash|fr")

			cached()
			settings := ws.Settings
			settings.Downloads = troupe.PermOff
			write(b, func(tx *store.Tx) error {
				return tx.UpdateWorkspace(ctx, ws.ID, store.WorkspaceUpdate{Settings: &settings}, now)
			})
			eventually("downloads turned off", name+"|off|hash|fr")

			cached()
			write(b, func(tx *store.Tx) error { return tx.TrashItem(ctx, folder.ID, "u1", now) })
			eventually("folder trashed", "")
			write(b, func(tx *store.Tx) error { return tx.RestoreItem(ctx, folder.ID) })
			eventually("folder restored", name+"|off|hash|fr")

			// A second link: changed, then revoked, on the other instance.
			const slug2 = "CCCCCCCCCCCCCCCCCCCCCCCC"
			write(b, func(tx *store.Tx) error {
				return tx.CreateLink(ctx, troupe.Link{ID: "link-2", ItemID: video.ID, WorkspaceID: video.WorkspaceID, Slug: slug2,
					Embed: troupe.EmbedOff}, "", now)
			})
			embedOf := func() string {
				v, err := a.FindPublicVideo(ctx, slug2)
				if troupe.ErrorCode(err) == troupe.CodeNotFound {
					return ""
				}
				if err != nil {
					t.Fatal(err)
				}
				return string(v.Embed)
			}
			hits := a.PublicCacheHits()
			if !settles(10*time.Second, func() bool { return embedOf() == "off" && a.PublicCacheHits() != hits }) {
				t.Fatal("the second link never came from the cache")
			}
			anywhere := troupe.EmbedAnywhere
			write(b, func(tx *store.Tx) error {
				return tx.UpdateLink(ctx, "link-2", video.ID, store.LinkUpdate{Embed: &anywhere}, now)
			})
			if !settles(5*time.Second, func() bool { return embedOf() == "anywhere" }) {
				t.Fatalf("link changed: the other instance shows %q", embedOf())
			}
			write(b, func(tx *store.Tx) error { return tx.DeleteLink(ctx, "link-2", video.ID, now) })
			if !settles(5*time.Second, func() bool { return embedOf() == "" }) {
				t.Fatal("link revoked: the other instance still serves it")
			}

			cached()
			write(b, func(tx *store.Tx) error { return tx.DeleteItemLinks(ctx, video.ID, now) })
			eventually("unpublished", "")

			// On the instance that makes the change, at once.
			write(a, func(tx *store.Tx) error { return publish(ctx, tx, video.ID, video.WorkspaceID, slug, now) })
			cached()
			write(a, func(tx *store.Tx) error { return tx.DeleteItemLinks(ctx, video.ID, now) })
			if got := seen(a); got != "" {
				t.Fatalf("unpublished on this instance, still shows %q", got)
			}
		})
	}
}

// TestOneProcessServesASQLiteFile: a second claim on a SQLite file fails
// with a readable reason until the first is released; PostgreSQL takes any
// number.
func TestOneProcessServesASQLiteFile(t *testing.T) {
	for _, e := range testkit.Engines(t) {
		t.Run(e.Name, func(t *testing.T) {
			a, b := open(t, e), open(t, e)
			if err := a.ClaimServing(); err != nil {
				t.Fatal(err)
			}
			err := b.ClaimServing()
			if e.Name == "postgres" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), "already served by another troupe process") {
				t.Fatalf("second claim: %v", err)
			}
			a.Close()
			if err := b.ClaimServing(); err != nil {
				t.Fatalf("claim after the first was released: %v", err)
			}
		})
	}
}

// publish gives video itemID its default link under slug.
func publish(ctx context.Context, tx *store.Tx, itemID, wsID, slug string, now time.Time) error {
	return tx.CreateLink(ctx, troupe.Link{ID: "link-" + itemID, ItemID: itemID, WorkspaceID: wsID, Slug: slug,
		AllowDownload: true, Embed: troupe.EmbedOff, Default: true}, "", now)
}
