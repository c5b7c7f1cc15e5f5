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

// Migration 14 puts comment between view and edit: what was stored as
// edit (2) becomes 3, view stays 1, on shares and general access alike.
func TestCommentLevelMigrationKeepsEdit(t *testing.T) {
	for _, e := range testkit.Engines(t) {
		t.Run(e.Name, func(t *testing.T) {
			ctx := context.Background()
			db := openAt(t, e, 13)
			now := time.Now().UTC().Truncate(time.Millisecond)
			ws := troupe.Workspace{ID: "w1", Name: "Studio", Settings: troupe.DefaultSettings}
			item := func(id string) troupe.Item {
				return troupe.Item{ID: id, WorkspaceID: ws.ID, Kind: troupe.KindDraft, Name: id, OwnerID: "u1", CreatedAt: now, UpdatedAt: now}
			}
			const oldView, oldEdit = troupe.Level(1), troupe.Level(2)
			err := db.Tx(ctx, func(tx *store.Tx) error {
				err := errors.Join(
					tx.CreateUser(ctx, store.UserRecord{User: troupe.User{ID: "u1", Email: "ada@example.com", Name: "Ada"}, PasswordHash: "h"}, now),
					tx.CreateUser(ctx, store.UserRecord{User: troupe.User{ID: "u2", Email: "bo@example.com", Name: "Bo"}, PasswordHash: "h"}, now),
					createOldWorkspace(ctx, tx, ws, now), tx.CreateItem(ctx, item("edited")), tx.CreateItem(ctx, item("viewed")))
				if err != nil {
					return err
				}
				if _, err := tx.SetSharing(ctx, "edited", oldEdit, map[string]troupe.Level{"u2": oldEdit}, now); err != nil {
					return err
				}
				_, err = tx.SetSharing(ctx, "viewed", oldView, map[string]troupe.Level{"u2": oldView}, now)
				return err
			})
			if err != nil {
				t.Fatal(err)
			}
			if err := db.Migrate(ctx); err != nil {
				t.Fatal(err)
			}
			for id, want := range map[string]troupe.Level{"edited": troupe.LevelEdit, "viewed": troupe.LevelView} {
				var general, share troupe.Level
				err := db.Reader().QueryRowContext(ctx, `SELECT i.workspace_level, s.level FROM items i
					JOIN item_shares s ON s.item_id = i.id WHERE i.id = '`+id+`'`).Scan(&general, &share)
				if err != nil || general != want || share != want {
					t.Fatalf("%s: general %v, share %v (%v), want %v", id, general, share, err, want)
				}
			}
		})
	}
}

// createOldWorkspace inserts a workspace with the columns every schema
// since the first has, for tests that start from an older one.
func createOldWorkspace(ctx context.Context, tx *store.Tx, w troupe.Workspace, now time.Time) error {
	s := w.Settings
	return tx.Exec(ctx, `INSERT INTO workspaces (id, name, description, join_policy, who_can_invite, invite_link_policy,
			default_access, downloads, publishing, plan, seats, created_at, updated_at)
		VALUES (?, ?, '', ?, ?, ?, ?, ?, ?, 'Team', 10, ?, ?)`,
		w.ID, w.Name, s.JoinPolicy, s.WhoCanInvite, s.InviteLinkPolicy, s.DefaultAccess, s.Downloads, s.Publishing,
		now.UnixMilli(), now.UnixMilli())
}

// Migration 18 turns each published video into a default link with the
// same slug, password (and its version, so visitors stay unlocked) and
// download switch; unpublished videos get no link.
func TestPublishedVideosBecomeDefaultLinks(t *testing.T) {
	for _, e := range testkit.Engines(t) {
		t.Run(e.Name, func(t *testing.T) {
			ctx := context.Background()
			db := openAt(t, e, 17)
			now := time.Now().UTC().Truncate(time.Millisecond)
			ws := troupe.Workspace{ID: "w1", Name: "Studio", Settings: troupe.DefaultSettings}
			ws.Settings.Publishing = troupe.PermAllowed
			video := func(id string) troupe.Item {
				return troupe.Item{ID: id, WorkspaceID: ws.ID, Kind: troupe.KindVideo, Name: id, OwnerID: "u1",
					MediaKey: "k" + id, MediaType: "video/mp4", CreatedAt: now, UpdatedAt: now}
			}
			const slug = "AAAAAAAAAAAAAAAAAAAAAAAA"
			err := db.Tx(ctx, func(tx *store.Tx) error {
				return errors.Join(
					tx.CreateUser(ctx, store.UserRecord{User: troupe.User{ID: "u1", Email: "ada@example.com", Name: "Ada"}, PasswordHash: "h"}, now),
					createOldWorkspace(ctx, tx, ws, now), tx.CreateItem(ctx, video("published")), tx.CreateItem(ctx, video("draft")),
					tx.Exec(ctx, `UPDATE items SET public_slug = ?, published_at = ?, password_hash = 'hash', password_version = 3,
						allow_download = 0 WHERE id = 'published'`, slug, now.UnixMilli()))
			})
			if err != nil {
				t.Fatal(err)
			}
			if err := db.Migrate(ctx); err != nil {
				t.Fatal(err)
			}
			v, err := db.Read().FindPublicVideo(ctx, slug)
			if err != nil || v.ItemID != "published" || v.LinkID != "published" || !v.LinkDefault || v.PasswordHash != "hash" ||
				v.PasswordVersion != 3 || v.AllowDownload || v.ExpiresAt != nil || v.Embed != troupe.EmbedOff {
				t.Fatalf("the published video's link: %+v (%v)", v, err)
			}
			links, err := db.Read().ListLinks(ctx, "published")
			if err != nil || len(links) != 1 || !links[0].Default || links[0].Slug != slug || !links[0].CreatedAt.Equal(now) {
				t.Fatalf("links: %+v (%v)", links, err)
			}
			if links, err := db.Read().ListLinks(ctx, "draft"); err != nil || len(links) != 0 {
				t.Fatalf("an unpublished video has links: %+v (%v)", links, err)
			}
		})
	}
}

// Migration 20 gives tokens made before scopes the rights they had: admin
// to a Super Admin's, write to everyone else's, with no expiry.
func TestTokensBeforeScopesKeepTheirRights(t *testing.T) {
	for _, e := range testkit.Engines(t) {
		t.Run(e.Name, func(t *testing.T) {
			ctx := context.Background()
			db := openAt(t, e, 19)
			now := time.Now().UTC().Truncate(time.Millisecond)
			ws := troupe.Workspace{ID: "w1", Name: "Studio", Settings: troupe.DefaultSettings}
			err := db.Tx(ctx, func(tx *store.Tx) error {
				err := errors.Join(
					tx.CreateUser(ctx, store.UserRecord{User: troupe.User{ID: "u1", Email: "ada@example.com", Name: "Ada"}, PasswordHash: "h"}, now),
					tx.CreateUser(ctx, store.UserRecord{User: troupe.User{ID: "u2", Email: "bo@example.com", Name: "Bo"}, PasswordHash: "h"}, now),
					createOldWorkspace(ctx, tx, ws, now),
					tx.AddMember(ctx, ws.ID, "u1", troupe.RoleSuperAdmin, now), tx.AddMember(ctx, ws.ID, "u2", troupe.RoleDeveloper, now))
				for _, u := range []string{"u1", "u2"} {
					err = errors.Join(err, tx.Exec(ctx, `INSERT INTO api_tokens (id, workspace_id, user_id, name, prefix, token_hash, created_at)
						VALUES (?, ?, ?, 'old', 'trp_ab', ?, ?)`, "t-"+u, ws.ID, u, "hash-"+u, now.UnixMilli()))
				}
				return err
			})
			if err != nil {
				t.Fatal(err)
			}
			if err := db.Migrate(ctx); err != nil {
				t.Fatal(err)
			}
			for user, want := range map[string]troupe.TokenScope{"u1": troupe.ScopeAdmin, "u2": troupe.ScopeWrite} {
				tok, err := db.Read().FindAPITokenByHash(ctx, "hash-"+user)
				if err != nil || tok.Scope != want || tok.ExpiresAt != nil {
					t.Fatalf("%s's token: %+v (%v), want scope %s", user, tok, err, want)
				}
			}
		})
	}
}

// Migration 24 leaves the domains added before it unverified, each with a
// random token of its own, so none lets people in until its TXT record is
// published and checked.
func TestDomainsBeforeVerificationStartUnverified(t *testing.T) {
	for _, e := range testkit.Engines(t) {
		t.Run(e.Name, func(t *testing.T) {
			ctx := context.Background()
			db := openAt(t, e, 23)
			now := time.Now().UTC().Truncate(time.Millisecond)
			ws := troupe.Workspace{ID: "w1", Name: "Studio", Settings: troupe.DefaultSettings}
			err := db.Tx(ctx, func(tx *store.Tx) error {
				return errors.Join(createOldWorkspace(ctx, tx, ws, now),
					tx.Exec(ctx, `INSERT INTO workspace_domains (workspace_id, domain, created_at) VALUES ('w1', 'acme.com', 1), ('w1', 'acme.org', 1)`))
			})
			if err != nil {
				t.Fatal(err)
			}
			if err := db.Migrate(ctx); err != nil {
				t.Fatal(err)
			}
			states, err := db.Read().ListDomainStates(ctx, "w1")
			if err != nil || len(states) != 2 {
				t.Fatalf("%+v %v", states, err)
			}
			for _, d := range states {
				if d.Verified() || d.CheckedAt != nil || len(d.Token) != 32 {
					t.Errorf("%+v", d)
				}
			}
			if states[0].Token == states[1].Token {
				t.Error("two domains share a token")
			}
		})
	}
}

// openAt opens e's database migrated up to version only, closed when the
// test ends.
func openAt(t *testing.T, e testkit.Engine, version int64) *store.DB {
	t.Helper()
	ctx := context.Background()
	db, err := store.Open(ctx, e.URL)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if err := db.MigrateTo(ctx, version); err != nil {
		t.Fatal(err)
	}
	return db
}
