package store

import (
	"context"
	"strings"
	"time"

	"troupe/internal/troupe"
)

// InvitationRecord is an invitation with the hash of its mailed token,
// as it is inserted.
type InvitationRecord struct {
	troupe.Invitation
	TokenHash string
}

const invitationColumns = `id, workspace_id, email, role, inviter_id, status, created_at, expires_at`

func scanInvitation(row interface{ Scan(...any) error }) (troupe.Invitation, error) {
	var i troupe.Invitation
	var created, expires int64
	if err := row.Scan(&i.ID, &i.WorkspaceID, &i.Email, &i.Role, &i.InviterID, &i.Status, &created, &expires); err != nil {
		return troupe.Invitation{}, translate(err)
	}
	i.CreatedAt, i.ExpiresAt = fromMillis(created), fromMillis(expires)
	return i, nil
}

// CreateInvitation inserts a pending invitation; a second pending one for
// the same address and workspace is a conflict. The conflict is detected
// without a failing statement, which would abort a PostgreSQL transaction.
func (q *Queries) CreateInvitation(ctx context.Context, i InvitationRecord) error {
	res, err := q.exec(ctx, `INSERT INTO invitations (id, workspace_id, email, email_norm, role, inviter_id, token_hash, status, created_at, expires_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (workspace_id, email_norm) WHERE status = 'pending' DO NOTHING`,
		i.ID, i.WorkspaceID, i.Email, troupe.NormalizeEmail(i.Email), i.Role, i.InviterID, i.TokenHash, i.Status,
		millis(i.CreatedAt), millis(i.ExpiresAt), millis(i.CreatedAt))
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err != nil || n == 0 {
		return &troupe.Error{Code: troupe.CodeConflict, Message: "An invitation to this address is already pending.", Err: err}
	}
	return nil
}

// FindInvitation returns an invitation of a workspace by id.
func (q *Queries) FindInvitation(ctx context.Context, workspaceID, id string) (troupe.Invitation, error) {
	return scanInvitation(q.queryRow(ctx, `SELECT `+invitationColumns+` FROM invitations WHERE workspace_id = ? AND id = ?`, workspaceID, id))
}

// FindInvitationByID returns an invitation by id, in any workspace.
func (q *Queries) FindInvitationByID(ctx context.Context, id string) (troupe.Invitation, error) {
	return scanInvitation(q.queryRow(ctx, `SELECT `+invitationColumns+` FROM invitations WHERE id = ?`, id))
}

// CountPendingInvitations counts a workspace's live invitations.
func (q *Queries) CountPendingInvitations(ctx context.Context, workspaceID string, now time.Time) (int, error) {
	var n int
	err := q.queryRow(ctx, `SELECT COUNT(*) FROM invitations WHERE workspace_id = ? AND status = 'pending' AND expires_at > ?`,
		workspaceID, millis(now)).Scan(&n)
	return n, translate(err)
}

// FindInvitationByToken returns the invitation whose token hashes to hash.
func (q *Queries) FindInvitationByToken(ctx context.Context, hash string) (troupe.Invitation, error) {
	return scanInvitation(q.queryRow(ctx, `SELECT `+invitationColumns+` FROM invitations WHERE token_hash = ?`, hash))
}

// PendingInvitationFor reports whether email has a pending invitation to
// the workspace.
func (q *Queries) PendingInvitationFor(ctx context.Context, workspaceID, email string) (bool, error) {
	var n int
	err := q.queryRow(ctx, `SELECT COUNT(*) FROM invitations WHERE workspace_id = ? AND email_norm = ? AND status = 'pending'`,
		workspaceID, troupe.NormalizeEmail(email)).Scan(&n)
	return n > 0, translate(err)
}

// SetInvitationStatus moves a pending invitation to status; it fails with
// not_found when the invitation is no longer pending, so it ends once.
func (q *Queries) SetInvitationStatus(ctx context.Context, id string, status troupe.InvitationStatus, now time.Time) error {
	res, err := q.exec(ctx, `UPDATE invitations SET status = ?, updated_at = ? WHERE id = ? AND status = 'pending'`, status, millis(now), id)
	if err != nil {
		return err
	}
	return mustAffect(res)
}

// UpdateInvitationRole changes the role of a pending invitation; it fails
// with not_found when the invitation is no longer pending.
func (q *Queries) UpdateInvitationRole(ctx context.Context, id string, role troupe.Role, now time.Time) error {
	res, err := q.exec(ctx, `UPDATE invitations SET role = ?, updated_at = ? WHERE id = ? AND status = 'pending'`, role, millis(now), id)
	if err != nil {
		return err
	}
	return mustAffect(res)
}

// RotateInvitationToken gives a pending invitation a new token and expiry.
func (q *Queries) RotateInvitationToken(ctx context.Context, id, hash string, expires, now time.Time) error {
	res, err := q.exec(ctx, `UPDATE invitations SET token_hash = ?, expires_at = ?, updated_at = ? WHERE id = ? AND status = 'pending'`,
		hash, millis(expires), millis(now), id)
	if err != nil {
		return err
	}
	return mustAffect(res)
}

// ListInvitationsForEmail returns the pending, unexpired invitations to an
// address.
func (q *Queries) ListInvitationsForEmail(ctx context.Context, email string, now time.Time) ([]troupe.MyInvitation, error) {
	rows, err := q.query(ctx, `SELECT i.id, i.workspace_id, i.email, i.role, i.inviter_id, i.status, i.created_at, i.expires_at,
			w.name, u.name
		FROM invitations i JOIN workspaces w ON w.id = i.workspace_id JOIN users u ON u.id = i.inviter_id
		WHERE i.email_norm = ? AND i.status = 'pending' AND i.expires_at > ? ORDER BY i.created_at DESC`,
		troupe.NormalizeEmail(email), millis(now))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []troupe.MyInvitation
	for rows.Next() {
		var m troupe.MyInvitation
		var ws, inviter string
		inv, err := scanInvitation(scanSuffix{row: rows, suffix: []any{&ws, &inviter}})
		if err != nil {
			return nil, err
		}
		m.Invitation, m.WorkspaceName, m.InviterName = inv, ws, inviter
		out = append(out, m)
	}
	return out, translate(rows.Err())
}

// scanSuffix lets a scan function read a row that has more columns after
// its own.
type scanSuffix struct {
	row    interface{ Scan(...any) error }
	suffix []any
}

func (s scanSuffix) Scan(dest ...any) error { return s.row.Scan(append(dest, s.suffix...)...) }

// ExpireInvitations marks pending invitations to the addresses (normalised)
// that are past their expiry as expired, so new ones can be sent.
func (q *Queries) ExpireInvitations(ctx context.Context, workspaceID string, emails []string, now time.Time) error {
	if len(emails) == 0 {
		return nil
	}
	args := []any{millis(now), workspaceID}
	args = append(args, anys(emails)...)
	args = append(args, millis(now))
	_, err := q.exec(ctx, `UPDATE invitations SET status = 'expired', updated_at = ?
		WHERE workspace_id = ? AND email_norm IN (`+placeholders(len(emails))+`) AND status = 'pending' AND expires_at <= ?`, args...)
	return err
}

// CreateInvitations inserts pending invitations in one statement and
// returns the ids it created: an address with a pending invitation
// already is skipped, without a failing statement.
func (q *Queries) CreateInvitations(ctx context.Context, invs []InvitationRecord) (map[string]bool, error) {
	created := map[string]bool{}
	if len(invs) == 0 {
		return created, nil
	}
	rows := make([]string, len(invs))
	var args []any
	for i, inv := range invs {
		rows[i] = "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
		args = append(args, inv.ID, inv.WorkspaceID, inv.Email, troupe.NormalizeEmail(inv.Email), inv.Role, inv.InviterID,
			inv.TokenHash, inv.Status, millis(inv.CreatedAt), millis(inv.ExpiresAt), millis(inv.CreatedAt))
	}
	res, err := q.query(ctx, `INSERT INTO invitations (id, workspace_id, email, email_norm, role, inviter_id, token_hash, status, created_at, expires_at, updated_at)
		VALUES `+strings.Join(rows, ", ")+`
		ON CONFLICT (workspace_id, email_norm) WHERE status = 'pending' DO NOTHING RETURNING id`, args...)
	if err != nil {
		return nil, err
	}
	defer res.Close()
	for res.Next() {
		var id string
		if err := res.Scan(&id); err != nil {
			return nil, err
		}
		created[id] = true
	}
	return created, translate(res.Err())
}

// InviteeFact is what an invitation batch needs to know of an address.
type InviteeFact struct {
	Locale string
	Member bool
}

// InviteeFacts looks up which of the addresses (normalised) have accounts,
// in what language, and which are members of the workspace.
func (q *Queries) InviteeFacts(ctx context.Context, workspaceID string, emails []string) (map[string]InviteeFact, error) {
	args := append([]any{workspaceID}, anys(emails)...)
	rows, err := q.query(ctx, `SELECT u.email_norm, u.locale,
			EXISTS (SELECT 1 FROM members m WHERE m.workspace_id = ? AND m.user_id = u.id)
		FROM users u WHERE u.email_norm IN (`+placeholders(len(emails))+`)`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]InviteeFact{}
	for rows.Next() {
		var norm string
		var f InviteeFact
		if err := rows.Scan(&norm, &f.Locale, &f.Member); err != nil {
			return nil, err
		}
		out[norm] = f
	}
	return out, translate(rows.Err())
}

func placeholders(n int) string { return strings.TrimSuffix(strings.Repeat("?, ", n), ", ") }

func anys(ss []string) []any {
	out := make([]any, len(ss))
	for i, s := range ss {
		out[i] = s
	}
	return out
}

// MarkSeatWait records that the invitee of the workspace's pending
// invitation to email was refused for lack of seats, keeping the first
// time so that those who came first get in first.
func (q *Queries) MarkSeatWait(ctx context.Context, workspaceID, email string, now time.Time) error {
	_, err := q.exec(ctx, `UPDATE invitations SET seat_wait_since = COALESCE(seat_wait_since, ?)
		WHERE workspace_id = ? AND email_norm = ? AND status = 'pending'`, millis(now), workspaceID, troupe.NormalizeEmail(email))
	return err
}

// SeatWaiter is a pending invitation waiting for a seat, and the account
// of its address.
type SeatWaiter struct {
	InvitationID string
	UserID       string
}

// ListSeatWaiters returns up to limit unexpired pending invitations of
// the workspace whose invitees were refused for lack of seats, first come
// first, with their accounts.
func (q *Queries) ListSeatWaiters(ctx context.Context, workspaceID string, now time.Time, limit int) ([]SeatWaiter, error) {
	rows, err := q.query(ctx, `SELECT i.id, u.id FROM invitations i JOIN users u ON u.email_norm = i.email_norm
		WHERE i.workspace_id = ? AND i.seat_wait_since IS NOT NULL AND i.status = 'pending' AND i.expires_at > ?
		ORDER BY i.seat_wait_since, i.id LIMIT ?`, workspaceID, millis(now), limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []SeatWaiter
	for rows.Next() {
		var w SeatWaiter
		if err := rows.Scan(&w.InvitationID, &w.UserID); err != nil {
			return nil, err
		}
		out = append(out, w)
	}
	return out, translate(rows.Err())
}
