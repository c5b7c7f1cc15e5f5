package store

import (
	"context"

	"troupe/internal/troupe"
)

// Processing writes leave the item's update time alone: making a poster
// or a rendition is not an edit.

// SetProcessing records where the work on item id stands.
func (q *Queries) SetProcessing(ctx context.Context, id string, p troupe.Processing) error {
	res, err := q.exec(ctx, `UPDATE items SET processing_state = ?, processing_progress = ?, processing_error = ?,
		processing_note = ? WHERE id = ?`, p.State, p.Progress, p.Error, p.Note, id)
	if err != nil {
		return err
	}
	q.publicChanged(id)
	return mustAffect(res)
}

// QueueProcessing puts item id back in the queue with its tries counted
// afresh, as after an upload or a retry.
func (q *Queries) QueueProcessing(ctx context.Context, id string) error {
	res, err := q.exec(ctx, `UPDATE items SET processing_state = 'queued', processing_progress = 0, processing_error = '',
		processing_note = '', processing_attempts = 0 WHERE id = ?`, id)
	if err != nil {
		return err
	}
	q.publicChanged(id)
	return mustAffect(res)
}

// StartProcessing marks item id running and returns how many tries this
// one makes; not_found when it is gone or in the trash.
func (q *Queries) StartProcessing(ctx context.Context, id string) (int, error) {
	var n int
	err := q.queryRow(ctx, `UPDATE items SET processing_state = 'running', processing_progress = 0,
		processing_attempts = processing_attempts + 1 WHERE id = ? AND trashed_at IS NULL RETURNING processing_attempts`, id).Scan(&n)
	if err == nil {
		q.publicChanged(id)
	}
	return n, translate(err)
}

// SetProcessingProgress records the share done of item id's processing
// and reports whether the item is still out of the trash (the work stops
// otherwise).
func (q *Queries) SetProcessingProgress(ctx context.Context, id string, progress float64) (bool, error) {
	res, err := q.exec(ctx, `UPDATE items SET processing_progress = ? WHERE id = ? AND trashed_at IS NULL`, progress, id)
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n > 0, err
}

// ItemLive reports whether item id exists out of the trash.
func (q *Queries) ItemLive(ctx context.Context, id string) (bool, error) {
	var n int
	err := q.queryRow(ctx, `SELECT COUNT(*) FROM items WHERE id = ? AND trashed_at IS NULL`, id).Scan(&n)
	return n > 0, translate(err)
}

// MediaFacts is what probing and the stills found of an upload; nil and
// empty fields stay as they are.
type MediaFacts struct {
	DurationMS    *int64
	Width, Height int
	PosterKey     string
	ThumbnailKey  string
	SpriteKey     string
	HLSKey        string
}

// SetMediaFacts records what processing found and made of item id.
func (q *Queries) SetMediaFacts(ctx context.Context, id string, f MediaFacts) error {
	res, err := q.exec(ctx, `UPDATE items SET duration_ms = COALESCE(?, duration_ms),
		width = CASE WHEN ? > 0 THEN ? ELSE width END, height = CASE WHEN ? > 0 THEN ? ELSE height END,
		poster_key = COALESCE(NULLIF(?, ''), poster_key), thumbnail_key = COALESCE(NULLIF(?, ''), thumbnail_key),
		sprite_key = COALESCE(NULLIF(?, ''), sprite_key), hls_key = COALESCE(NULLIF(?, ''), hls_key)
		WHERE id = ?`,
		f.DurationMS, f.Width, f.Width, f.Height, f.Height, f.PosterKey, f.ThumbnailKey, f.SpriteKey, f.HLSKey, id)
	if err != nil {
		return err
	}
	q.publicChanged(id)
	return mustAffect(res)
}

// SetPosterTime records the time the owner chose for item id's poster.
func (q *Queries) SetPosterTime(ctx context.Context, id string, atMS int64) error {
	res, err := q.exec(ctx, `UPDATE items SET poster_at_ms = ? WHERE id = ?`, atMS, id)
	if err != nil {
		return err
	}
	return mustAffect(res)
}

// AddItemFiles records keys stored for item id, for the purge to find;
// not_found when the item is gone.
func (q *Queries) AddItemFiles(ctx context.Context, id string, keys ...string) error {
	var one int
	if err := q.queryRow(ctx, `SELECT 1 FROM items WHERE id = ?`, id).Scan(&one); err != nil {
		return translate(err)
	}
	for _, k := range keys {
		if _, err := q.exec(ctx, `INSERT INTO item_files (item_id, media_key) VALUES (?, ?) ON CONFLICT DO NOTHING`, id, k); err != nil {
			return err
		}
	}
	return nil
}

// RemoveItemFiles forgets keys of item id, once they are to be deleted.
func (q *Queries) RemoveItemFiles(ctx context.Context, id string, keys ...string) error {
	for _, k := range keys {
		if _, err := q.exec(ctx, `DELETE FROM item_files WHERE item_id = ? AND media_key = ?`, id, k); err != nil {
			return err
		}
	}
	return nil
}

// PutRendition creates or replaces the rendition of item id named r.Name.
func (q *Queries) PutRendition(ctx context.Context, id string, r troupe.Rendition) error {
	_, err := q.exec(ctx, `INSERT INTO renditions (item_id, name, width, height, video_codec, audio_codec, media_type, media_key)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (item_id, name) DO UPDATE SET width = excluded.width, height = excluded.height,
			video_codec = excluded.video_codec, audio_codec = excluded.audio_codec,
			media_type = excluded.media_type, media_key = excluded.media_key`,
		id, r.Name, r.Width, r.Height, r.VideoCodec, r.AudioCodec, r.MediaType, r.MediaKey)
	if err != nil {
		return err
	}
	q.publicChanged(id)
	return nil
}

// ListRenditions returns the renditions of item id by name.
func (q *Queries) ListRenditions(ctx context.Context, id string) ([]troupe.Rendition, error) {
	rows, err := q.query(ctx, `SELECT name, width, height, video_codec, audio_codec, media_type, media_key
		FROM renditions WHERE item_id = ? ORDER BY name`, id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []troupe.Rendition
	for rows.Next() {
		var r troupe.Rendition
		if err := rows.Scan(&r.Name, &r.Width, &r.Height, &r.VideoCodec, &r.AudioCodec, &r.MediaType, &r.MediaKey); err != nil {
			return nil, translate(err)
		}
		out = append(out, r)
	}
	return out, translate(rows.Err())
}

// ListItemFiles returns every key processing stored for item id.
func (q *Queries) ListItemFiles(ctx context.Context, id string) ([]string, error) {
	rows, err := q.query(ctx, `SELECT media_key FROM item_files WHERE item_id = ? ORDER BY media_key`, id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var k string
		if err := rows.Scan(&k); err != nil {
			return nil, translate(err)
		}
		out = append(out, k)
	}
	return out, translate(rows.Err())
}
