package store

import (
	"context"
	"database/sql"
	"strings"
	"time"

	"troupe/internal/troupe"
)

// SetVideoPassword stores the password hash ("" removes the password) of
// a video's default link, and keeps it for the default link publishing
// makes later. The password version moves on, so earlier visitors must
// unlock again.
func (q *Queries) SetVideoPassword(ctx context.Context, id, hash string) error {
	res, err := q.exec(ctx, `UPDATE items SET password_hash = ?, password_version = password_version + 1 WHERE id = ?`, hash, id)
	if err != nil {
		return err
	}
	if err := mustAffect(res); err != nil {
		return err
	}
	if _, err := q.exec(ctx, `UPDATE video_links SET password_hash = ?, password_version = password_version + 1
		WHERE item_id = ? AND is_default = 1`, hash, id); err != nil {
		return err
	}
	q.publicChanged(id)
	return nil
}

// VideoPasswordHash returns the password hash a video keeps for its
// default link ("" for none).
func (q *Queries) VideoPasswordHash(ctx context.Context, id string) (string, error) {
	var hash string
	err := q.queryRow(ctx, `SELECT password_hash FROM items WHERE id = ?`, id).Scan(&hash)
	return hash, translate(err)
}

// SetAllowDownload says whether a video's pages offer its file for
// download: its own page for members, and its default link.
func (q *Queries) SetAllowDownload(ctx context.Context, id string, allow bool) error {
	res, err := q.exec(ctx, `UPDATE items SET allow_download = ? WHERE id = ?`, flag(allow), id)
	if err != nil {
		return err
	}
	if err := mustAffect(res); err != nil {
		return err
	}
	if _, err := q.exec(ctx, `UPDATE video_links SET allow_download = ? WHERE item_id = ? AND is_default = 1`, flag(allow), id); err != nil {
		return err
	}
	q.publicChanged(id)
	return nil
}

// PublicVideo is what the public page of a published video may show
// through one of its links, and what guards it.
type PublicVideo struct {
	ItemID          string
	WorkspaceID     string
	OwnerID         string
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
	Width, Height   int
	UpdatedAt       time.Time
	// The link the page was reached by, and what it says.
	LinkID          string
	LinkLabel       string
	LinkDefault     bool
	ExpiresAt       *time.Time
	PasswordHash    string
	PasswordVersion int
	AllowDownload   bool
	Embed           troupe.EmbedMode
	EmbedOrigins    []string
	// The workspace's settings for downloads, publishing and embedding.
	Downloads  troupe.Permission
	Publishing troupe.Permission
	Embedding  troupe.Permission
	// Approval is the workspace's approval setting, ApprovalStatus the
	// video's state.
	Approval       troupe.ApprovalMode
	ApprovalStatus troupe.ApprovalStatus
	Captions       []troupe.CaptionTrack
}

// FindPublicVideo returns the live video with a link whose slug is slug,
// with its caption languages, in one query: not_found when no link has
// that slug or its video is in the trash. Whether the link has expired is
// for the caller to say.
func (q *Queries) FindPublicVideo(ctx context.Context, slug string) (PublicVideo, error) {
	rows, err := q.query(ctx, `SELECT i.id, i.workspace_id, i.owner_id, i.name, i.description, i.media_key, i.media_type, i.poster_key, i.thumbnail_key, i.sprite_key,
			i.hls_key, EXISTS (SELECT 1 FROM renditions r WHERE r.item_id = i.id AND r.name = 'web'), i.duration_ms, i.width, i.height, i.updated_at,
			l.id, l.label, l.is_default, l.expires_at, l.password_hash, l.password_version, l.allow_download, l.embed, l.embed_domains,
			w.downloads, w.publishing, w.embedding, w.approval, i.approval_status, COALESCE(c.lang, ''), COALESCE(c.label, '')
		FROM video_links l JOIN items i ON i.id = l.item_id JOIN workspaces w ON w.id = i.workspace_id
		LEFT JOIN captions c ON c.item_id = i.id
		WHERE l.slug = ? AND i.trashed_at IS NULL
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
		var duration, expires sql.NullInt64
		var lang, label, origins string
		if err := rows.Scan(&v.ItemID, &v.WorkspaceID, &v.OwnerID, &v.Name, &v.Description, &v.MediaKey, &v.MediaType, &v.PosterKey, &v.ThumbnailKey,
			&v.SpriteKey, &v.HLSKey, &v.HasWebRendition, &duration, &v.Width, &v.Height, &updated,
			&v.LinkID, &v.LinkLabel, &v.LinkDefault, &expires, &v.PasswordHash, &v.PasswordVersion, &v.AllowDownload, &v.Embed, &origins,
			&v.Downloads, &v.Publishing, &v.Embedding, &v.Approval, &v.ApprovalStatus, &lang, &label); err != nil {
			return PublicVideo{}, translate(err)
		}
		v.UpdatedAt = fromMillis(updated)
		v.EmbedOrigins = strings.Fields(origins)
		if expires.Valid {
			t := fromMillis(expires.Int64)
			v.ExpiresAt = &t
		}
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
