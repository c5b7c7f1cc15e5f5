package store

import (
	"context"
	"database/sql"
	"slices"
	"strings"
	"sync"
	"time"

	"troupe/internal/troupe"
)

// visible keeps a workspace's notifications about other people (join
// requests, arrivals, seats, domains) from someone who is no longer its member;
// those about the user's own request stay.
const visible = `(kind NOT IN ('join_request', 'invitation_accepted', 'seat_limit', 'domain_unverified')
	OR EXISTS (SELECT 1 FROM members m WHERE m.workspace_id = notifications.workspace_id AND m.user_id = notifications.user_id))`

// AddNotification stores a notification; once it commits, every
// instance's watchers hear of it (see DB.WatchNotifications).
func (q *Queries) AddNotification(ctx context.Context, n troupe.Notification) error {
	_, err := q.exec(ctx, `INSERT INTO notifications (id, user_id, workspace_id, kind, subject_id, data, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?)`, n.ID, n.UserID, n.WorkspaceID, n.Kind, n.SubjectID, n.Data, millis(n.CreatedAt))
	if err == nil && q.notes != nil {
		q.afterCommit(func() { q.notes.signal(n.UserID) })
	}
	return err
}

// noteWatchers are told who may have new notifications: at commit on
// SQLite, whose one serving process makes them all; on PostgreSQL by the
// listener, which hears a trigger's announcement (notificationChannel)
// from whichever instance made them.
type noteWatchers struct {
	mu  sync.Mutex
	fns []func(userID string)
}

func (w *noteWatchers) signal(userID string) {
	w.mu.Lock()
	fns := w.fns
	w.mu.Unlock()
	for _, fn := range fns {
		fn(userID)
	}
}

// WatchNotifications calls fn with the user a new notification is for,
// or with "" when anyone may have some (the listener reconnected and may
// have missed announcements). fn must not block.
func (db *DB) WatchNotifications(fn func(userID string)) {
	db.notes.mu.Lock()
	defer db.notes.mu.Unlock()
	db.notes.fns = append(slices.Clip(db.notes.fns), fn)
}

// localNotes returns the watchers to signal at commit: SQLite's only.
func (db *DB) localNotes() *noteWatchers {
	if db.dialect == SQLite {
		return db.notes
	}
	return nil
}

func scanNotification(row interface{ Scan(...any) error }) (troupe.Notification, error) {
	var n troupe.Notification
	var created int64
	var read sql.NullInt64
	if err := row.Scan(&n.ID, &n.UserID, &n.WorkspaceID, &n.Kind, &n.SubjectID, &n.Data, &created, &read); err != nil {
		return troupe.Notification{}, translate(err)
	}
	n.CreatedAt = fromMillis(created)
	if read.Valid {
		t := fromMillis(read.Int64)
		n.ReadAt = &t
	}
	return n, nil
}

// ListNotifications pages through a user's notifications, newest first.
func (q *Queries) ListNotifications(ctx context.Context, userID, cursor string, limit int) ([]troupe.Notification, string, error) {
	where := []string{"user_id = ?", visible}
	args := []any{userID}
	if cursor != "" {
		at, id, err := decodeTimeCursor(cursor)
		if err != nil {
			return nil, "", err
		}
		where = append(where, "(created_at < ? OR (created_at = ? AND id < ?))")
		args = append(args, at, at, id)
	}
	args = append(args, limit+1)
	rows, err := q.query(ctx, `SELECT id, user_id, workspace_id, kind, subject_id, data, created_at, read_at FROM notifications
		WHERE `+strings.Join(where, " AND ")+` ORDER BY created_at DESC, id DESC LIMIT ?`, args...)
	if err != nil {
		return nil, "", err
	}
	return scanPage(rows, limit, func(rows *sql.Rows) (troupe.Notification, error) { return scanNotification(rows) },
		func(n troupe.Notification) string { return encodeTimeCursor(n.CreatedAt, n.ID) })
}

// CountUnread counts a user's unread notifications.
func (q *Queries) CountUnread(ctx context.Context, userID string) (int, error) {
	var n int
	err := q.queryRow(ctx, `SELECT COUNT(*) FROM notifications WHERE user_id = ? AND read_at IS NULL AND `+visible, userID).Scan(&n)
	return n, translate(err)
}

// MarkNotificationRead marks one of the user's notifications read.
func (q *Queries) MarkNotificationRead(ctx context.Context, userID, id string, now time.Time) error {
	res, err := q.exec(ctx, `UPDATE notifications SET read_at = COALESCE(read_at, ?) WHERE user_id = ? AND id = ?`, millis(now), userID, id)
	if err != nil {
		return err
	}
	return mustAffect(res)
}

// MarkAllNotificationsRead marks every notification of the user read.
func (q *Queries) MarkAllNotificationsRead(ctx context.Context, userID string, now time.Time) error {
	_, err := q.exec(ctx, `UPDATE notifications SET read_at = ? WHERE user_id = ? AND read_at IS NULL`, millis(now), userID)
	return err
}

// MarkSubjectNotificationsRead marks read every notification about one
// subject (a join request once someone decided it), for every recipient.
func (q *Queries) MarkSubjectNotificationsRead(ctx context.Context, subjectID string, now time.Time) error {
	_, err := q.exec(ctx, `UPDATE notifications SET read_at = ? WHERE subject_id = ? AND read_at IS NULL`, millis(now), subjectID)
	return err
}
