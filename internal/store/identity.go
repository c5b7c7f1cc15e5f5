package store

import (
	"context"
	"time"

	"troupe/internal/troupe"
)

// FindIdentity returns the user linked to subject at provider, or
// not_found.
func (q *Queries) FindIdentity(ctx context.Context, provider, subject string) (troupe.Identity, error) {
	var id troupe.Identity
	var created, used int64
	err := q.queryRow(ctx, `SELECT provider, subject, user_id, email, created_at, last_used_at FROM user_identities
		WHERE provider = ? AND subject = ?`, provider, subject).Scan(&id.Provider, &id.Subject, &id.UserID, &id.Email, &created, &used)
	id.CreatedAt, id.LastUsedAt = fromMillis(created), fromMillis(used)
	return id, translate(err)
}

// LinkIdentity links subject at provider to a user.
func (q *Queries) LinkIdentity(ctx context.Context, id troupe.Identity) error {
	_, err := q.exec(ctx, `INSERT INTO user_identities (provider, subject, user_id, email, created_at, last_used_at)
		VALUES (?, ?, ?, ?, ?, ?)`, id.Provider, id.Subject, id.UserID, id.Email, millis(id.CreatedAt), millis(id.CreatedAt))
	return err
}

// TouchIdentity records a sign-in through an identity, with the address
// the provider gave this time.
func (q *Queries) TouchIdentity(ctx context.Context, provider, subject, email string, now time.Time) error {
	_, err := q.exec(ctx, `UPDATE user_identities SET last_used_at = ?, email = ? WHERE provider = ? AND subject = ?`,
		millis(now), email, provider, subject)
	return err
}

// ListIdentities returns a user's identities, oldest first.
func (q *Queries) ListIdentities(ctx context.Context, userID string) ([]troupe.Identity, error) {
	rows, err := q.query(ctx, `SELECT provider, subject, user_id, email, created_at, last_used_at FROM user_identities
		WHERE user_id = ? ORDER BY created_at, provider`, userID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []troupe.Identity
	for rows.Next() {
		var id troupe.Identity
		var created, used int64
		if err := rows.Scan(&id.Provider, &id.Subject, &id.UserID, &id.Email, &created, &used); err != nil {
			return nil, translate(err)
		}
		id.CreatedAt, id.LastUsedAt = fromMillis(created), fromMillis(used)
		out = append(out, id)
	}
	return out, translate(rows.Err())
}

// UnlinkIdentity removes a user's identity at provider.
func (q *Queries) UnlinkIdentity(ctx context.Context, userID, provider string) error {
	res, err := q.exec(ctx, `DELETE FROM user_identities WHERE user_id = ? AND provider = ?`, userID, provider)
	if err != nil {
		return err
	}
	return mustAffect(res)
}
