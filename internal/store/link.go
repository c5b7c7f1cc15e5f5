package store

import (
	"context"
	"database/sql"
	"strings"
	"time"

	"troupe/internal/troupe"
)

const linkColumns = `l.id, l.item_id, l.workspace_id, l.slug, l.label, l.password_hash <> '', l.password_version, l.expires_at,
	l.allow_download, l.embed, l.embed_domains, l.is_default, COALESCE(l.created_by, ''), l.created_at, l.views`

func scanLink(row interface{ Scan(...any) error }) (troupe.Link, error) {
	var l troupe.Link
	var expires sql.NullInt64
	var origins string
	var created int64
	if err := row.Scan(&l.ID, &l.ItemID, &l.WorkspaceID, &l.Slug, &l.Label, &l.HasPassword, &l.PasswordVersion, &expires,
		&l.AllowDownload, &l.Embed, &origins, &l.Default, &l.CreatedBy, &created, &l.Views); err != nil {
		return troupe.Link{}, translate(err)
	}
	if expires.Valid {
		t := fromMillis(expires.Int64)
		l.ExpiresAt = &t
	}
	l.EmbedOrigins = strings.Fields(origins)
	l.CreatedAt = fromMillis(created)
	return l, nil
}

// flag is a bool as the INTEGER 0/1 both engines store.
func flag(b bool) int {
	if b {
		return 1
	}
	return 0
}

func nullTime(t *time.Time) any {
	if t == nil {
		return nil
	}
	return millis(*t)
}

// CreateLink stores a new link to a video, with the hash of its password
// ("" for none), and marks the video published.
func (q *Queries) CreateLink(ctx context.Context, l troupe.Link, passwordHash string, now time.Time) error {
	var by any
	if l.CreatedBy != "" {
		by = l.CreatedBy
	}
	_, err := q.exec(ctx, `INSERT INTO video_links (id, item_id, workspace_id, slug, label, password_hash, expires_at, allow_download,
			embed, embed_domains, is_default, created_by, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		l.ID, l.ItemID, l.WorkspaceID, l.Slug, l.Label, passwordHash, nullTime(l.ExpiresAt), flag(l.AllowDownload),
		l.Embed, strings.Join(l.EmbedOrigins, " "), flag(l.Default), by, millis(now), millis(now))
	if err != nil {
		return err
	}
	return q.syncPublished(ctx, l.ItemID, now)
}

// ListLinks returns a video's links, the default first, then oldest first.
func (q *Queries) ListLinks(ctx context.Context, itemID string) ([]troupe.Link, error) {
	rows, err := q.query(ctx, `SELECT `+linkColumns+` FROM video_links l WHERE l.item_id = ?
		ORDER BY l.is_default DESC, l.created_at, l.id`, itemID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []troupe.Link
	for rows.Next() {
		l, err := scanLink(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, l)
	}
	return out, translate(rows.Err())
}

// FindLink returns the link id, or not_found.
func (q *Queries) FindLink(ctx context.Context, id string) (troupe.Link, error) {
	return scanLink(q.queryRow(ctx, `SELECT `+linkColumns+` FROM video_links l WHERE l.id = ?`, id))
}

// FindDefaultLink returns the link publishing made for a video, or
// not_found.
func (q *Queries) FindDefaultLink(ctx context.Context, itemID string) (troupe.Link, error) {
	return scanLink(q.queryRow(ctx, `SELECT `+linkColumns+` FROM video_links l WHERE l.item_id = ? AND l.is_default = 1`, itemID))
}

// LinkUpdate lists the fields of a link to change; nil stays.
type LinkUpdate struct {
	Label *string
	// PasswordHash replaces the password ("" removes it) and voids every
	// visitor's unlock.
	PasswordHash *string
	// ExpiresAt sets the expiry; a nil inner pointer removes it.
	ExpiresAt     **time.Time
	AllowDownload *bool
	Embed         *troupe.EmbedMode
	EmbedOrigins  *[]string
}

// UpdateLink applies upd to link id of video itemID.
func (q *Queries) UpdateLink(ctx context.Context, id, itemID string, upd LinkUpdate, now time.Time) error {
	u := newUpdate(now)
	if upd.Label != nil {
		u.add("label", *upd.Label)
	}
	if upd.PasswordHash != nil {
		u.add("password_hash", *upd.PasswordHash)
		u.set += ", password_version = password_version + 1"
	}
	if upd.ExpiresAt != nil {
		u.add("expires_at", nullTime(*upd.ExpiresAt))
	}
	if upd.AllowDownload != nil {
		u.add("allow_download", flag(*upd.AllowDownload))
	}
	if upd.Embed != nil {
		u.add("embed", *upd.Embed)
	}
	if upd.EmbedOrigins != nil {
		u.add("embed_domains", strings.Join(*upd.EmbedOrigins, " "))
	}
	res, err := q.exec(ctx, `UPDATE video_links SET `+u.set+` WHERE id = ? AND item_id = ?`, append(u.args, id, itemID)...)
	if err != nil {
		return err
	}
	q.publicChanged(itemID)
	return mustAffect(res)
}

// DeleteLink revokes link id of video itemID: its page, media and
// captions answer 404 from the next request on.
func (q *Queries) DeleteLink(ctx context.Context, id, itemID string, now time.Time) error {
	res, err := q.exec(ctx, `DELETE FROM video_links WHERE id = ? AND item_id = ?`, id, itemID)
	if err != nil {
		return err
	}
	if err := mustAffect(res); err != nil {
		return err
	}
	q.publicChanged(itemID)
	return q.syncPublished(ctx, itemID, now)
}

// DeleteItemLinks revokes every link of a video: it is no longer
// published.
func (q *Queries) DeleteItemLinks(ctx context.Context, itemID string, now time.Time) error {
	if _, err := q.exec(ctx, `DELETE FROM video_links WHERE item_id = ?`, itemID); err != nil {
		return err
	}
	q.publicChanged(itemID)
	return q.syncPublished(ctx, itemID, now)
}

// syncPublished keeps items.public_slug the slug a video is known by (its
// default link, else its oldest), or NULL once it has no link.
func (q *Queries) syncPublished(ctx context.Context, itemID string, now time.Time) error {
	_, err := q.exec(ctx, `UPDATE items SET
			public_slug = (SELECT l.slug FROM video_links l WHERE l.item_id = items.id ORDER BY l.is_default DESC, l.created_at, l.id LIMIT 1),
			published_at = CASE WHEN EXISTS (SELECT 1 FROM video_links l WHERE l.item_id = items.id) THEN COALESCE(published_at, ?) END
		WHERE id = ?`, millis(now), itemID)
	if err != nil {
		return err
	}
	q.publicChanged(itemID)
	return nil
}
