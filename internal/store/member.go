package store

import (
	"context"
	"database/sql"
	"encoding/base64"
	"strconv"
	"strings"
	"time"

	"troupe/internal/troupe"
)

// AddMember makes userID an active member with role.
func (q *Queries) AddMember(ctx context.Context, workspaceID, userID string, role troupe.Role, now time.Time) error {
	_, err := q.exec(ctx, `INSERT INTO members (workspace_id, user_id, role, joined_at, email_norm)
		SELECT ?, id, ?, ?, email_norm FROM users WHERE id = ?`,
		workspaceID, role, millis(now), userID)
	return err
}

// FindMember returns the membership of userID, or not_found.
func (q *Queries) FindMember(ctx context.Context, workspaceID, userID string) (troupe.Member, error) {
	row := q.queryRow(ctx, `SELECT m.role, m.joined_at, `+userColumns+` FROM members m JOIN users u ON u.id = m.user_id
		WHERE m.workspace_id = ? AND m.user_id = ?`, workspaceID, userID)
	var m troupe.Member
	var joined int64
	u, err := scanUser(scanPrefix{row: row, prefix: []any{&m.Role, &joined}})
	if err != nil {
		return troupe.Member{}, err
	}
	m.WorkspaceID, m.User, m.Since = workspaceID, u.User, fromMillis(joined)
	return m, nil
}

// UpdateMemberRole changes a member's role.
func (q *Queries) UpdateMemberRole(ctx context.Context, workspaceID, userID string, role troupe.Role) error {
	res, err := q.exec(ctx, `UPDATE members SET role = ? WHERE workspace_id = ? AND user_id = ?`, role, workspaceID, userID)
	if err != nil {
		return err
	}
	return mustAffect(res)
}

// DeleteMember ends a membership.
func (q *Queries) DeleteMember(ctx context.Context, workspaceID, userID string) error {
	res, err := q.exec(ctx, `DELETE FROM members WHERE workspace_id = ? AND user_id = ?`, workspaceID, userID)
	if err != nil {
		return err
	}
	return mustAffect(res)
}

// CountSuperAdmins counts a workspace's Super Admins.
func (q *Queries) CountSuperAdmins(ctx context.Context, workspaceID string) (int, error) {
	var n int
	err := q.queryRow(ctx, `SELECT COUNT(*) FROM members WHERE workspace_id = ? AND role = ?`, workspaceID, troupe.RoleSuperAdmin).Scan(&n)
	return n, translate(err)
}

// memberRow is a line of the members view with its place in the order,
// from which the next page's cursor is made.
type memberRow struct {
	troupe.MemberRow
	sortKey, rowID string
}

// ListMembers pages through active members and pending invitations in
// email order. The cursor is opaque to clients. Each side of the union
// filters, seeks past the cursor and stops at the page size on its own,
// so a page costs the same at the start of a large workspace as at its end.
func (q *Queries) ListMembers(ctx context.Context, workspaceID string, f troupe.MemberFilter, now time.Time) ([]troupe.MemberRow, string, error) {
	var key, id string
	if f.Cursor != "" {
		var err error
		if key, id, err = decodeCursor(f.Cursor); err != nil {
			return nil, "", err
		}
	}
	like := "%" + escapeLike(strings.ToLower(f.Query)) + "%"
	// branch builds one side: its columns, table, own conditions, and the
	// shared filters on its sort key, row id, role and name.
	var parts []string
	var args []any
	branch := func(cols, from, where, sortKey, rowID, role, name string, own ...any) {
		conds := []string{where}
		args = append(args, own...)
		if f.Role != "" {
			conds = append(conds, role+" = ?")
			args = append(args, f.Role)
		}
		if f.Query != "" {
			conds = append(conds, "("+sortKey+` LIKE ? ESCAPE '\' OR LOWER(`+name+`) LIKE ? ESCAPE '\')`)
			args = append(args, like, like)
		}
		if f.Cursor != "" {
			// The lone lower bound lets the engine seek in the sort key's index.
			conds = append(conds, sortKey+" >= ? AND ("+sortKey+" > ? OR "+rowID+" > ?)")
			args = append(args, key, key, id)
		}
		args = append(args, f.Limit+1)
		parts = append(parts, "SELECT * FROM (SELECT "+cols+" FROM "+from+" WHERE "+strings.Join(conds, " AND ")+
			" ORDER BY "+sortKey+", "+rowID+" LIMIT ?) AS "+"b"+strconv.Itoa(len(parts)))
	}
	if f.Status == "" || f.Status == "active" {
		branch(`'active' AS status, m.role, u.email, u.id AS user_id, u.name, '' AS invitation_id, '' AS inviter_id, m.joined_at AS since, u.two_factor,
				u.email_norm AS sort_key, u.id AS row_id`,
			"members m JOIN users u ON u.id = m.user_id", "m.workspace_id = ?", "m.email_norm", "m.user_id", "m.role", "u.name", workspaceID)
	}
	if f.Status == "" || f.Status == "invited" {
		branch(`'invited' AS status, i.role, i.email, '' AS user_id, '' AS name, i.id AS invitation_id, i.inviter_id, i.created_at AS since, FALSE AS two_factor,
				i.email_norm AS sort_key, i.id AS row_id`,
			"invitations i", "i.workspace_id = ? AND i.status = 'pending' AND i.expires_at > ?", "i.email_norm", "i.id", "i.role", "i.email",
			workspaceID, millis(now))
	}
	if f.Requests && (f.Status == "" || f.Status == "requested") {
		branch(`'requested' AS status, r.role, u.email, u.id AS user_id, u.name, r.id AS invitation_id, '' AS inviter_id, r.created_at AS since, u.two_factor,
				u.email_norm AS sort_key, r.id AS row_id`,
			"join_requests r JOIN users u ON u.id = r.user_id", "r.workspace_id = ? AND r.status = 'pending'", "u.email_norm", "r.id", "r.role", "u.name",
			workspaceID)
	}
	if len(parts) == 0 {
		return []troupe.MemberRow{}, "", nil
	}
	args = append(args, f.Limit+1)
	rows, err := q.query(ctx, `SELECT status, role, email, user_id, name, invitation_id, inviter_id, since, two_factor, sort_key, row_id FROM (`+
		strings.Join(parts, " UNION ALL ")+`) x ORDER BY sort_key, row_id LIMIT ?`, args...)
	if err != nil {
		return nil, "", err
	}
	page, next, err := scanPage(rows, f.Limit, func(rows *sql.Rows) (memberRow, error) {
		var r memberRow
		var since int64
		err := rows.Scan(&r.Status, &r.Role, &r.Email, &r.UserID, &r.UserName, &r.InvitationID, &r.InviterID, &since, &r.TwoFactor, &r.sortKey, &r.rowID)
		if r.Status == "requested" {
			// The shared id column holds the request's id on this side.
			r.JoinRequestID, r.InvitationID = r.InvitationID, ""
		}
		r.Since = fromMillis(since)
		return r, err
	}, func(r memberRow) string { return encodeCursor(r.sortKey, r.rowID) })
	if err != nil {
		return nil, "", err
	}
	var out []troupe.MemberRow
	for _, r := range page {
		out = append(out, r.MemberRow)
	}
	return out, next, nil
}

func escapeLike(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}

func encodeCursor(key, id string) string {
	return base64.RawURLEncoding.EncodeToString([]byte(key + "\x00" + id))
}

var errBadCursor = troupe.Errorf(troupe.CodeValidation, "The cursor is not valid; start again without it.")

func decodeCursor(c string) (key, id string, err error) {
	raw, err := base64.RawURLEncoding.DecodeString(c)
	if err != nil {
		return "", "", errBadCursor
	}
	key, id, ok := strings.Cut(string(raw), "\x00")
	if !ok {
		return "", "", errBadCursor
	}
	return key, id, nil
}

// ListMembersByRole returns a workspace's members with role, longest
// standing first.
func (q *Queries) ListMembersByRole(ctx context.Context, workspaceID string, role troupe.Role) ([]troupe.Member, error) {
	rows, err := q.query(ctx, `SELECT m.role, m.joined_at, `+userColumns+` FROM members m JOIN users u ON u.id = m.user_id
		WHERE m.workspace_id = ? AND m.role = ? ORDER BY m.joined_at, u.id`, workspaceID, role)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []troupe.Member
	for rows.Next() {
		var m troupe.Member
		var joined int64
		u, err := scanUser(scanPrefix{row: rows, prefix: []any{&m.Role, &joined}})
		if err != nil {
			return nil, err
		}
		m.WorkspaceID, m.User, m.Since = workspaceID, u.User, fromMillis(joined)
		out = append(out, m)
	}
	return out, translate(rows.Err())
}

// encodeTimeCursor and decodeTimeCursor page lists ordered by time, then id.
func encodeTimeCursor(at time.Time, id string) string {
	return encodeCursor(strconv.FormatInt(millis(at), 10), id)
}

func decodeTimeCursor(c string) (int64, string, error) {
	key, id, err := decodeCursor(c)
	if err != nil {
		return 0, "", err
	}
	at, err := strconv.ParseInt(key, 10, 64)
	if err != nil {
		return 0, "", errBadCursor
	}
	return at, id, nil
}
