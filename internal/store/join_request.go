package store

import (
	"context"
	"database/sql"
	"time"

	"troupe/internal/troupe"
)

const joinRequestColumns = `r.id, r.workspace_id, r.via, r.role, r.status, r.created_at, r.decided_at, ` + userColumnsU

const userColumnsU = `u.id, u.email, u.name, u.password_hash, u.email_verified_at, u.locale, u.discoverable, u.created_at, u.comment_mail, u.two_factor`

func scanJoinRequest(row interface{ Scan(...any) error }) (troupe.JoinRequest, error) {
	var r troupe.JoinRequest
	var created int64
	var decided sql.NullInt64
	u, err := scanUser(scanPrefix{row: row, prefix: []any{&r.ID, &r.WorkspaceID, &r.Via, &r.Role, &r.Status, &created, &decided}})
	if err != nil {
		return troupe.JoinRequest{}, err
	}
	r.User, r.CreatedAt = u.User, fromMillis(created)
	if decided.Valid {
		t := fromMillis(decided.Int64)
		r.DecidedAt = &t
	}
	return r, nil
}

// CreateJoinRequest files a pending request; a second pending one is a
// conflict (detected without a failing statement).
func (q *Queries) CreateJoinRequest(ctx context.Context, r troupe.JoinRequest) error {
	res, err := q.exec(ctx, `INSERT INTO join_requests (id, workspace_id, user_id, via, role, status, created_at)
		VALUES (?, ?, ?, ?, ?, 'pending', ?)
		ON CONFLICT (workspace_id, user_id) WHERE status = 'pending' DO NOTHING`,
		r.ID, r.WorkspaceID, r.User.ID, r.Via, r.Role, millis(r.CreatedAt))
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err != nil || n == 0 {
		return &troupe.Error{Code: troupe.CodeRequestPending, Message: "Your request to join is already waiting for a Super Admin.", Err: err}
	}
	return nil
}

// FindJoinRequest returns a request of a workspace.
func (q *Queries) FindJoinRequest(ctx context.Context, workspaceID, id string) (troupe.JoinRequest, error) {
	return scanJoinRequest(q.queryRow(ctx, `SELECT `+joinRequestColumns+` FROM join_requests r JOIN users u ON u.id = r.user_id
		WHERE r.workspace_id = ? AND r.id = ?`, workspaceID, id))
}

// ListJoinRequests returns a workspace's requests with status, oldest
// first.
func (q *Queries) ListJoinRequests(ctx context.Context, workspaceID string, status troupe.RequestStatus) ([]troupe.JoinRequest, error) {
	rows, err := q.query(ctx, `SELECT `+joinRequestColumns+` FROM join_requests r JOIN users u ON u.id = r.user_id
		WHERE r.workspace_id = ? AND r.status = ? ORDER BY r.created_at, r.id LIMIT 500`, workspaceID, status)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []troupe.JoinRequest
	for rows.Next() {
		r, err := scanJoinRequest(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, translate(rows.Err())
}

// LastDenial returns when the user's latest denied request to the
// workspace was decided, or nil.
func (q *Queries) LastDenial(ctx context.Context, workspaceID, userID string) (*time.Time, error) {
	var at sql.NullInt64
	err := q.queryRow(ctx, `SELECT MAX(decided_at) FROM join_requests WHERE workspace_id = ? AND user_id = ? AND status = 'denied'`,
		workspaceID, userID).Scan(&at)
	if err != nil || !at.Valid {
		return nil, translate(err)
	}
	t := fromMillis(at.Int64)
	return &t, nil
}

// DecideJoinRequest moves a pending request to status; not_found when it
// was already decided.
func (q *Queries) DecideJoinRequest(ctx context.Context, id string, status troupe.RequestStatus, by string, now time.Time) error {
	res, err := q.exec(ctx, `UPDATE join_requests SET status = ?, decided_at = ?, decided_by = ? WHERE id = ? AND status = 'pending'`,
		status, millis(now), by, id)
	if err != nil {
		return err
	}
	return mustAffect(res)
}

// PendingRequestWorkspaces returns the ids of workspaces where userID has
// a pending request.
func (q *Queries) PendingRequestWorkspaces(ctx context.Context, userID string) (map[string]bool, error) {
	rows, err := q.query(ctx, `SELECT workspace_id FROM join_requests WHERE user_id = ? AND status = 'pending'`, userID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]bool{}
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		out[id] = true
	}
	return out, translate(rows.Err())
}
