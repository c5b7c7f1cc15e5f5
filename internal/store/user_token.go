package store

import (
	"context"
	"database/sql"
	"time"

	"troupe/internal/troupe"
)

// UserToken is a one-time mailed token (email verification, password
// reset), stored under its hash.
type UserToken struct {
	Hash      string
	UserID    string
	Purpose   troupe.TokenPurpose
	Email     string
	CreatedAt time.Time
	ExpiresAt time.Time
	UsedAt    *time.Time
}

// CreateUserToken stores a token.
func (q *Queries) CreateUserToken(ctx context.Context, t UserToken) error {
	_, err := q.exec(ctx, `INSERT INTO user_tokens (hash, user_id, purpose, email, created_at, expires_at)
		VALUES (?, ?, ?, ?, ?, ?)`, t.Hash, t.UserID, string(t.Purpose), t.Email, millis(t.CreatedAt), millis(t.ExpiresAt))
	return err
}

// FindUserToken returns the token with hash and purpose, or not_found.
func (q *Queries) FindUserToken(ctx context.Context, hash string, purpose troupe.TokenPurpose) (UserToken, error) {
	var t UserToken
	var created, expires int64
	var used sql.NullInt64
	var p string
	err := q.queryRow(ctx, `SELECT hash, user_id, purpose, email, created_at, expires_at, used_at
		FROM user_tokens WHERE hash = ? AND purpose = ?`, hash, string(purpose)).
		Scan(&t.Hash, &t.UserID, &p, &t.Email, &created, &expires, &used)
	if err != nil {
		return UserToken{}, translate(err)
	}
	t.Purpose = troupe.TokenPurpose(p)
	t.CreatedAt, t.ExpiresAt = fromMillis(created), fromMillis(expires)
	if used.Valid {
		at := fromMillis(used.Int64)
		t.UsedAt = &at
	}
	return t, nil
}

// UseUserToken marks a token used; it fails with not_found when the token
// was already used, so a token works once even under concurrent use.
func (q *Queries) UseUserToken(ctx context.Context, hash string, now time.Time) error {
	res, err := q.exec(ctx, `UPDATE user_tokens SET used_at = ? WHERE hash = ? AND used_at IS NULL`, millis(now), hash)
	if err != nil {
		return err
	}
	return mustAffect(res)
}

// InvalidateUserTokens marks every unused token of a purpose used, so only
// the newest mailed link works.
func (q *Queries) InvalidateUserTokens(ctx context.Context, userID string, purpose troupe.TokenPurpose, now time.Time) error {
	_, err := q.exec(ctx, `UPDATE user_tokens SET used_at = ? WHERE user_id = ? AND purpose = ? AND used_at IS NULL`,
		millis(now), userID, string(purpose))
	return err
}
