package store

import (
	"context"

	"troupe/internal/troupe"
)

// Caption is a track with its normalised WebVTT text.
type Caption struct {
	troupe.CaptionTrack
	VTT string
}

// PutCaption creates or replaces the track of video itemID in lang.
func (q *Queries) PutCaption(ctx context.Context, itemID string, c Caption) error {
	_, err := q.exec(ctx, `INSERT INTO captions (item_id, lang, label, vtt, cue_count, updated_at) VALUES (?, ?, ?, ?, ?, ?)
		ON CONFLICT (item_id, lang) DO UPDATE SET label = excluded.label, vtt = excluded.vtt,
			cue_count = excluded.cue_count, updated_at = excluded.updated_at`,
		itemID, c.Lang, c.Label, c.VTT, c.Cues, millis(c.UpdatedAt))
	if err != nil {
		return err
	}
	q.publicChanged(itemID)
	return nil
}

// DeleteCaption removes a track; not_found when there is none.
func (q *Queries) DeleteCaption(ctx context.Context, itemID, lang string) error {
	res, err := q.exec(ctx, `DELETE FROM captions WHERE item_id = ? AND lang = ?`, itemID, lang)
	if err != nil {
		return err
	}
	q.publicChanged(itemID)
	return mustAffect(res)
}

// ListCaptions names the tracks of video itemID by language.
func (q *Queries) ListCaptions(ctx context.Context, itemID string) ([]troupe.CaptionTrack, error) {
	rows, err := q.query(ctx, `SELECT lang, label, cue_count, updated_at FROM captions WHERE item_id = ? ORDER BY lang`, itemID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []troupe.CaptionTrack
	for rows.Next() {
		var c troupe.CaptionTrack
		var updated int64
		if err := rows.Scan(&c.Lang, &c.Label, &c.Cues, &updated); err != nil {
			return nil, translate(err)
		}
		c.UpdatedAt = fromMillis(updated)
		out = append(out, c)
	}
	return out, translate(rows.Err())
}

// FindCaption returns the track of video itemID in lang.
func (q *Queries) FindCaption(ctx context.Context, itemID, lang string) (Caption, error) {
	var c Caption
	var updated int64
	err := q.queryRow(ctx, `SELECT lang, label, cue_count, updated_at, vtt FROM captions WHERE item_id = ? AND lang = ?`,
		itemID, lang).Scan(&c.Lang, &c.Label, &c.Cues, &updated, &c.VTT)
	c.UpdatedAt = fromMillis(updated)
	return c, translate(err)
}
