package store

import (
	"context"
	"database/sql"
	"time"

	"troupe/internal/troupe"
)

// InviteLink is a workspace's shareable join link, stored under the hash
// of its token.
type InviteLink struct {
	WorkspaceID string
	TokenHash   string
	// TokenSealed is the token encrypted with a server key, so that the
	// link can be shown again; empty for links made before it was kept.
	TokenSealed string
	Role        troupe.Role
	Enabled     bool
	ExpiresAt   *time.Time
	MaxUses     *int
	Uses        int
	CreatedBy   string
	CreatedAt   time.Time
}

const inviteLinkColumns = `workspace_id, token_hash, COALESCE(token_sealed, ''), role, enabled, expires_at, max_uses, uses, created_by, created_at`

func scanInviteLink(row interface{ Scan(...any) error }) (InviteLink, error) {
	var l InviteLink
	var expires, maxUses sql.NullInt64
	var created int64
	if err := row.Scan(&l.WorkspaceID, &l.TokenHash, &l.TokenSealed, &l.Role, &l.Enabled, &expires, &maxUses, &l.Uses, &l.CreatedBy, &created); err != nil {
		return InviteLink{}, translate(err)
	}
	if expires.Valid {
		t := fromMillis(expires.Int64)
		l.ExpiresAt = &t
	}
	if maxUses.Valid {
		n := int(maxUses.Int64)
		l.MaxUses = &n
	}
	l.CreatedAt = fromMillis(created)
	return l, nil
}

// FindInviteLink returns a workspace's link, or not_found.
func (q *Queries) FindInviteLink(ctx context.Context, workspaceID string) (InviteLink, error) {
	return scanInviteLink(q.queryRow(ctx, `SELECT `+inviteLinkColumns+` FROM invite_links WHERE workspace_id = ?`, workspaceID))
}

// FindInviteLinkByToken returns the link whose token hashes to hash.
func (q *Queries) FindInviteLinkByToken(ctx context.Context, hash string) (InviteLink, error) {
	return scanInviteLink(q.queryRow(ctx, `SELECT `+inviteLinkColumns+` FROM invite_links WHERE token_hash = ?`, hash))
}

// SaveInviteLink creates or replaces a workspace's link.
func (q *Queries) SaveInviteLink(ctx context.Context, l InviteLink, now time.Time) error {
	var expires, maxUses any
	if l.ExpiresAt != nil {
		expires = millis(*l.ExpiresAt)
	}
	if l.MaxUses != nil {
		maxUses = *l.MaxUses
	}
	var sealed any
	if l.TokenSealed != "" {
		sealed = l.TokenSealed
	}
	_, err := q.exec(ctx, `INSERT INTO invite_links (workspace_id, token_hash, token_sealed, role, enabled, expires_at, max_uses, uses, created_by, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (workspace_id) DO UPDATE SET token_hash = excluded.token_hash, token_sealed = excluded.token_sealed,
			role = excluded.role, enabled = excluded.enabled,
			expires_at = excluded.expires_at, max_uses = excluded.max_uses, uses = excluded.uses,
			created_by = excluded.created_by, updated_at = excluded.updated_at`,
		l.WorkspaceID, l.TokenHash, sealed, l.Role, l.Enabled, expires, maxUses, l.Uses, l.CreatedBy, millis(l.CreatedAt), millis(now))
	return err
}

// DeleteInviteLink removes a workspace's link.
func (q *Queries) DeleteInviteLink(ctx context.Context, workspaceID string) error {
	_, err := q.exec(ctx, `DELETE FROM invite_links WHERE workspace_id = ?`, workspaceID)
	return err
}

// UseInviteLink counts one use of the link with hash, only while it is
// enabled, unexpired and under its maximum uses: not_found otherwise, so
// concurrent joins never exceed the maximum.
func (q *Queries) UseInviteLink(ctx context.Context, hash string, now time.Time) error {
	res, err := q.exec(ctx, `UPDATE invite_links SET uses = uses + 1
		WHERE token_hash = ? AND enabled AND (max_uses IS NULL OR uses < max_uses) AND (expires_at IS NULL OR expires_at > ?)`,
		hash, millis(now))
	if err != nil {
		return err
	}
	return mustAffect(res)
}
