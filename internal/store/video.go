package store

import (
	"context"
	"database/sql"
	"time"

	"troupe/internal/troupe"
)

// SetPublicSlug publishes video id under slug, or unpublishes it when slug
// is empty.
func (q *Queries) SetPublicSlug(ctx context.Context, id, slug string, now time.Time) error {
	var s, at any
	if slug != "" {
		s, at = slug, millis(now)
	}
	res, err := q.exec(ctx, `UPDATE items SET public_slug = ?, published_at = ? WHERE id = ?`, s, at, id)
	if err != nil {
		return err
	}
	q.publicChanged(id)
	return mustAffect(res)
}

// SetVideoPassword stores a password hash ("" removes the password) and
// moves the password version on, so earlier visitors must unlock again.
func (q *Queries) SetVideoPassword(ctx context.Context, id, hash string) error {
	res, err := q.exec(ctx, `UPDATE items SET password_hash = ?, password_version = password_version + 1 WHERE id = ?`, hash, id)
	if err != nil {
		return err
	}
	q.publicChanged(id)
	return mustAffect(res)
}

// SetAllowDownload says whether a video's pages offer its file for download.
func (q *Queries) SetAllowDownload(ctx context.Context, id string, allow bool) error {
	flag := 0
	if allow {
		flag = 1
	}
	res, err := q.exec(ctx, `UPDATE items SET allow_download = ? WHERE id = ?`, flag, id)
	if err != nil {
		return err
	}
	q.publicChanged(id)
	return mustAffect(res)
}

// PublicVideo is what the public page of a published video may show, and
// what guards it.
type PublicVideo struct {
	ItemID          string
	Name            string
	Description     string
	MediaKey        string
	MediaType       string
	PosterKey       string
	ThumbnailKey    string
	SpriteKey       string
	HLSKey          string
	HasWebRendition bool
	DurationMS      *int64
	UpdatedAt       time.Time
	PasswordHash    string
	PasswordVersion int
	AllowDownload   bool
	// The workspace's settings for downloads and publishing.
	Downloads  troupe.Permission
	Publishing troupe.Permission
	// Approval is the workspace's approval setting, ApprovalStatus the
	// video's state.
	Approval       troupe.ApprovalMode
	ApprovalStatus troupe.ApprovalStatus
	Captions       []troupe.CaptionTrack
}

// FindPublicVideo returns the live video published under slug, with its
// caption languages, in one query: not_found when no such video is
// published or it is in the trash.
func (q *Queries) FindPublicVideo(ctx context.Context, slug string) (PublicVideo, error) {
	rows, err := q.query(ctx, `SELECT i.id, i.name, i.description, i.media_key, i.media_type, i.poster_key, i.thumbnail_key, i.sprite_key,
			i.hls_key, EXISTS (SELECT 1 FROM renditions r WHERE r.item_id = i.id AND r.name = 'web'), i.duration_ms, i.updated_at, i.password_hash, i.password_version, i.allow_download, w.downloads, w.publishing,
			w.approval, i.approval_status, COALESCE(c.lang, ''), COALESCE(c.label, '')
		FROM items i JOIN workspaces w ON w.id = i.workspace_id
		LEFT JOIN captions c ON c.item_id = i.id
		WHERE i.public_slug = ? AND i.trashed_at IS NULL
		ORDER BY c.lang`, slug)
	if err != nil {
		return PublicVideo{}, err
	}
	defer rows.Close()
	var v PublicVideo
	found := false
	for rows.Next() {
		found = true
		var updated int64
		var duration sql.NullInt64
		var lang, label string
		if err := rows.Scan(&v.ItemID, &v.Name, &v.Description, &v.MediaKey, &v.MediaType, &v.PosterKey, &v.ThumbnailKey, &v.SpriteKey, &v.HLSKey, &v.HasWebRendition, &duration,
			&updated, &v.PasswordHash, &v.PasswordVersion, &v.AllowDownload, &v.Downloads, &v.Publishing, &v.Approval, &v.ApprovalStatus, &lang, &label); err != nil {
			return PublicVideo{}, translate(err)
		}
		v.UpdatedAt = fromMillis(updated)
		if duration.Valid {
			v.DurationMS = &duration.Int64
		}
		if lang != "" {
			v.Captions = append(v.Captions, troupe.CaptionTrack{Lang: lang, Label: label})
		}
	}
	if err := rows.Err(); err != nil {
		return PublicVideo{}, translate(err)
	}
	if !found {
		return PublicVideo{}, translate(sql.ErrNoRows)
	}
	return v, nil
}
