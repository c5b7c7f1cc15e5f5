package store

import (
	"context"
	"database/sql"
	"time"

	"troupe/internal/troupe"
)

// MergeViewSession adds what s watched to the stored session of the same
// video and id (making it on its first report), and counts a view on its
// link when the session now reaches limit watched for the first time
// (limit from troupe.ViewThreshold). The merge happens here, in the
// database, so instances that each saw part of a session agree. It
// returns the session's link when the session became a view (its count
// is for the caller to add with AddLinkViews, after every session of a
// batch, so that instances lock rows in one order), else "". The signed-in user is kept
// only when they are a member of workspaceID, the video's workspace.
func (q *Queries) MergeViewSession(ctx context.Context, workspaceID string, s troupe.ViewSession, durationMS int64) (string, error) {
	var user any
	if s.UserID != "" {
		var one int
		err := q.queryRow(ctx, `SELECT 1 FROM members WHERE workspace_id = ? AND user_id = ?`, workspaceID, s.UserID).Scan(&one)
		switch {
		case err == nil:
			user = s.UserID
		case troupe.ErrorCode(translate(err)) != troupe.CodeNotFound:
			return "", translate(err)
		}
	}
	watched := s.Watched
	if len(watched) > troupe.MaxWatchedRanges {
		watched = watched[:troupe.MaxWatchedRanges]
	}
	total := watched.Total()
	view := troupe.CountsAsView(total, durationMS)
	var viewedAt any
	if view {
		viewedAt = millis(s.UpdatedAt)
	}
	res, err := q.exec(ctx, `INSERT INTO view_sessions (item_id, session, link_id, viewer_id, user_id, watched, watched_ms, is_view,
			started_at, viewed_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (item_id, session) DO NOTHING`,
		s.ItemID, s.Session, s.LinkID, s.ViewerID, user, watched.String(), total, flag(view), millis(s.StartedAt), viewedAt, millis(s.UpdatedAt))
	if err != nil {
		return "", err
	}
	if n, err := res.RowsAffected(); err != nil {
		return "", err
	} else if n == 1 {
		return viewLink(view, s.LinkID), nil
	}
	lock := ""
	if q.d == Postgres {
		// Another instance may be merging the same session.
		lock = " FOR UPDATE"
	}
	var stored string
	var wasView bool
	var linkID string
	err = q.queryRow(ctx, `SELECT watched, is_view = 1, link_id FROM view_sessions WHERE item_id = ? AND session = ?`+lock,
		s.ItemID, s.Session).Scan(&stored, &wasView, &linkID)
	if err != nil {
		return "", translate(err)
	}
	watched = troupe.ParseRanges(stored).Union(watched)
	if len(watched) > troupe.MaxWatchedRanges {
		watched = watched[:troupe.MaxWatchedRanges]
	}
	total = watched.Total()
	view = !wasView && troupe.CountsAsView(total, durationMS)
	viewedAt = nil
	if view {
		viewedAt = millis(s.UpdatedAt)
	}
	_, err = q.exec(ctx, `UPDATE view_sessions SET watched = ?, watched_ms = ?, is_view = CASE WHEN ? = 1 THEN 1 ELSE is_view END,
			viewed_at = COALESCE(viewed_at, ?), user_id = COALESCE(user_id, ?), updated_at = ?
		WHERE item_id = ? AND session = ?`,
		watched.String(), total, flag(view), viewedAt, user, millis(s.UpdatedAt), s.ItemID, s.Session)
	if err != nil {
		return "", err
	}
	return viewLink(view, linkID), nil
}

func viewLink(view bool, linkID string) string {
	if view {
		return linkID
	}
	return ""
}

// AddLinkViews adds n views to link id. A revoked link is simply not
// there to count.
func (q *Queries) AddLinkViews(ctx context.Context, id string, n int) error {
	_, err := q.exec(ctx, `UPDATE video_links SET views = views + ? WHERE id = ?`, n, id)
	return err
}

// ViewFilter picks the views of a video: by when they became views
// (From inclusive, To exclusive, nil for no bound) and by link ("" for
// every link).
type ViewFilter struct {
	From, To *time.Time
	LinkID   string
}

// ListViews returns the sessions of video itemID that became views, in
// the order they did, with their link's label.
func (q *Queries) ListViews(ctx context.Context, itemID string, f ViewFilter) ([]troupe.ViewSession, error) {
	query := `SELECT s.session, s.link_id, COALESCE(l.label, ''), s.viewer_id, COALESCE(s.user_id, ''), s.watched, s.watched_ms,
			s.started_at, s.viewed_at, s.updated_at
		FROM view_sessions s LEFT JOIN video_links l ON l.id = s.link_id
		WHERE s.item_id = ? AND s.is_view = 1`
	args := []any{itemID}
	if f.From != nil {
		query += ` AND s.viewed_at >= ?`
		args = append(args, millis(*f.From))
	}
	if f.To != nil {
		query += ` AND s.viewed_at < ?`
		args = append(args, millis(*f.To))
	}
	if f.LinkID != "" {
		query += ` AND s.link_id = ?`
		args = append(args, f.LinkID)
	}
	rows, err := q.query(ctx, query+` ORDER BY s.viewed_at, s.session`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []troupe.ViewSession
	for rows.Next() {
		s := troupe.ViewSession{ItemID: itemID, IsView: true}
		var watched string
		var started, updated int64
		var viewed sql.NullInt64
		if err := rows.Scan(&s.Session, &s.LinkID, &s.LinkLabel, &s.ViewerID, &s.UserID, &watched, &s.WatchedMS,
			&started, &viewed, &updated); err != nil {
			return nil, translate(err)
		}
		s.Watched = troupe.ParseRanges(watched)
		s.StartedAt, s.UpdatedAt = fromMillis(started), fromMillis(updated)
		if viewed.Valid {
			t := fromMillis(viewed.Int64)
			s.ViewedAt = &t
		}
		out = append(out, s)
	}
	return out, translate(rows.Err())
}
