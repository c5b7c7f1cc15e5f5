package store

import (
	"context"
	"time"
)

// Session is a signed-in browser or client, stored under the hash of its
// cookie value.
type Session struct {
	IDHash     string
	UserID     string
	CreatedAt  time.Time
	LastSeenAt time.Time
	ExpiresAt  time.Time
	IP         string
	UserAgent  string
}

// CreateSession stores a new session.
func (q *Queries) CreateSession(ctx context.Context, s Session) error {
	_, err := q.exec(ctx, `INSERT INTO sessions (id_hash, user_id, created_at, last_seen_at, expires_at, ip, user_agent)
		VALUES (?, ?, ?, ?, ?, ?, ?)`,
		s.IDHash, s.UserID, millis(s.CreatedAt), millis(s.LastSeenAt), millis(s.ExpiresAt), s.IP, s.UserAgent)
	return err
}

// FindSessionUser returns a live session and its user, or not_found.
func (q *Queries) FindSessionUser(ctx context.Context, idHash string, now time.Time) (Session, UserRecord, error) {
	row := q.queryRow(ctx, `SELECT s.id_hash, s.user_id, s.created_at, s.last_seen_at, s.expires_at,
			u.id, u.email, u.name, u.password_hash, u.email_verified_at, u.locale, u.discoverable, u.created_at, u.comment_mail, u.two_factor
		FROM sessions s JOIN users u ON u.id = s.user_id
		WHERE s.id_hash = ? AND s.expires_at > ?`, idHash, millis(now))
	var s Session
	var created, seen, expires int64
	u, err := scanUser(scanPrefix{row: row, prefix: []any{&s.IDHash, &s.UserID, &created, &seen, &expires}})
	if err != nil {
		return Session{}, UserRecord{}, err
	}
	s.CreatedAt, s.LastSeenAt, s.ExpiresAt = fromMillis(created), fromMillis(seen), fromMillis(expires)
	return s, u, nil
}

// scanPrefix lets scanUser read a row that has other columns first.
type scanPrefix struct {
	row    interface{ Scan(...any) error }
	prefix []any
}

func (s scanPrefix) Scan(dest ...any) error {
	return s.row.Scan(append(s.prefix, dest...)...)
}

// TouchSession records activity and slides the expiry.
func (q *Queries) TouchSession(ctx context.Context, idHash string, seen, expires time.Time) error {
	_, err := q.exec(ctx, `UPDATE sessions SET last_seen_at = ?, expires_at = ? WHERE id_hash = ?`,
		millis(seen), millis(expires), idHash)
	return err
}

// DeleteSession ends one session.
func (q *Queries) DeleteSession(ctx context.Context, idHash string) error {
	_, err := q.exec(ctx, `DELETE FROM sessions WHERE id_hash = ?`, idHash)
	q.afterCommit(func() { q.sessions.forgetSession(idHash) })
	return err
}

// DeleteUserSessions ends every session of a user.
func (q *Queries) DeleteUserSessions(ctx context.Context, userID string) error {
	_, err := q.exec(ctx, `DELETE FROM sessions WHERE user_id = ?`, userID)
	q.afterCommit(func() { q.sessions.forgetUser(userID) })
	return err
}

// DeleteExpiredSessions removes sessions that ended before now.
func (q *Queries) DeleteExpiredSessions(ctx context.Context, now time.Time) (int64, error) {
	res, err := q.exec(ctx, `DELETE FROM sessions WHERE expires_at <= ?`, millis(now))
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}
