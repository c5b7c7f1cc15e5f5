package store

import (
	"context"
	"database/sql"
	"time"

	"troupe/internal/troupe"
)

// APITokenRecord is a token with the hash of its secret, as it is
// inserted.
type APITokenRecord struct {
	troupe.APIToken
	TokenHash string
}

// CreateAPIToken stores a token.
func (q *Queries) CreateAPIToken(ctx context.Context, t APITokenRecord) error {
	_, err := q.exec(ctx, `INSERT INTO api_tokens (id, workspace_id, user_id, name, prefix, token_hash, scope, expires_at, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`, t.ID, t.WorkspaceID, t.UserID, t.Name, t.Prefix, t.TokenHash, t.Scope, nullTime(t.ExpiresAt),
		millis(t.CreatedAt))
	return err
}

func scanAPIToken(row interface{ Scan(...any) error }) (troupe.APIToken, error) {
	var t troupe.APIToken
	var created int64
	var used, expires sql.NullInt64
	if err := row.Scan(&t.ID, &t.WorkspaceID, &t.UserID, &t.Name, &t.Prefix, &t.Scope, &expires, &created, &used); err != nil {
		return troupe.APIToken{}, translate(err)
	}
	t.CreatedAt = fromMillis(created)
	if expires.Valid {
		e := fromMillis(expires.Int64)
		t.ExpiresAt = &e
	}
	if used.Valid {
		u := fromMillis(used.Int64)
		t.LastUsedAt = &u
	}
	return t, nil
}

const apiTokenColumns = `id, workspace_id, user_id, name, prefix, scope, expires_at, created_at, last_used_at`

// FindAPITokenByHash returns a live (unrevoked) token.
func (q *Queries) FindAPITokenByHash(ctx context.Context, hash string) (troupe.APIToken, error) {
	return scanAPIToken(q.queryRow(ctx, `SELECT `+apiTokenColumns+` FROM api_tokens WHERE token_hash = ? AND revoked_at IS NULL`, hash))
}

// ListAPITokens returns a member's live tokens in a workspace, or every
// member's when userID is empty.
func (q *Queries) ListAPITokens(ctx context.Context, workspaceID, userID string) ([]troupe.APIToken, error) {
	rows, err := q.query(ctx, `SELECT t.id, t.workspace_id, t.user_id, t.name, t.prefix, t.scope, t.expires_at, t.created_at, t.last_used_at,
			u.name, u.email
		FROM api_tokens t JOIN users u ON u.id = t.user_id
		WHERE t.workspace_id = ? AND (? = '' OR t.user_id = ?) AND t.revoked_at IS NULL ORDER BY t.created_at DESC, t.id`, workspaceID, userID, userID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []troupe.APIToken
	for rows.Next() {
		var name, email string
		t, err := scanAPIToken(scanSuffix{row: rows, suffix: []any{&name, &email}})
		if err != nil {
			return nil, err
		}
		t.OwnerName, t.OwnerEmail = name, email
		out = append(out, t)
	}
	return out, translate(rows.Err())
}

// FindAPIToken returns a live token of a workspace by id.
func (q *Queries) FindAPIToken(ctx context.Context, workspaceID, id string) (troupe.APIToken, error) {
	return scanAPIToken(q.queryRow(ctx, `SELECT `+apiTokenColumns+` FROM api_tokens WHERE workspace_id = ? AND id = ? AND revoked_at IS NULL`, workspaceID, id))
}

// RevokeAPIToken ends one token.
func (q *Queries) RevokeAPIToken(ctx context.Context, id string, now time.Time) error {
	res, err := q.exec(ctx, `UPDATE api_tokens SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL`, millis(now), id)
	if err != nil {
		return err
	}
	return mustAffect(res)
}

// RevokeMemberAPITokens ends every token of a member in a workspace.
func (q *Queries) RevokeMemberAPITokens(ctx context.Context, workspaceID, userID string, now time.Time) error {
	_, err := q.exec(ctx, `UPDATE api_tokens SET revoked_at = ? WHERE workspace_id = ? AND user_id = ? AND revoked_at IS NULL`,
		millis(now), workspaceID, userID)
	return err
}

// TouchAPIToken records a use of a token.
func (q *Queries) TouchAPIToken(ctx context.Context, id string, now time.Time) error {
	_, err := q.exec(ctx, `UPDATE api_tokens SET last_used_at = ? WHERE id = ?`, millis(now), id)
	return err
}
