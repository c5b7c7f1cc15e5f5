package store

import (
	"context"
	"database/sql"
	"strings"
	"troupe/internal/troupe"
)

// AddAudit appends an entry.
func (q *Queries) AddAudit(ctx context.Context, e troupe.AuditEntry) error {
	_, err := q.exec(ctx, `INSERT INTO audit_log (id, workspace_id, actor_id, action, target, detail, ip, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, e.ID, e.WorkspaceID, e.ActorID, e.Action, e.Target, e.Detail, e.IP, millis(e.CreatedAt))
	return err
}

// AddAudits appends many entries with one statement.
func (q *Queries) AddAudits(ctx context.Context, es []troupe.AuditEntry) error {
	if len(es) == 0 {
		return nil
	}
	rows := make([]string, len(es))
	var args []any
	for i, e := range es {
		rows[i] = "(?, ?, ?, ?, ?, ?, ?, ?)"
		args = append(args, e.ID, e.WorkspaceID, e.ActorID, e.Action, e.Target, e.Detail, e.IP, millis(e.CreatedAt))
	}
	_, err := q.exec(ctx, `INSERT INTO audit_log (id, workspace_id, actor_id, action, target, detail, ip, created_at) VALUES `+
		strings.Join(rows, ", "), args...)
	return err
}

// ListAudit pages through the audit log, newest first.
func (q *Queries) ListAudit(ctx context.Context, workspaceID string, f troupe.AuditFilter) ([]troupe.AuditEntry, string, error) {
	where := []string{"a.workspace_id = ?"}
	args := []any{workspaceID}
	if f.Action != "" {
		where = append(where, `a.action LIKE ? ESCAPE '\'`)
		args = append(args, escapeLike(f.Action)+"%")
	}
	if f.ActorID != "" {
		where = append(where, "a.actor_id = ?")
		args = append(args, f.ActorID)
	}
	if !f.Since.IsZero() {
		where = append(where, "a.created_at >= ?")
		args = append(args, millis(f.Since))
	}
	if !f.Until.IsZero() {
		where = append(where, "a.created_at < ?")
		args = append(args, millis(f.Until))
	}
	if f.Cursor != "" {
		at, id, err := decodeTimeCursor(f.Cursor)
		if err != nil {
			return nil, "", err
		}
		where = append(where, "(a.created_at < ? OR (a.created_at = ? AND a.id < ?))")
		args = append(args, at, at, id)
	}
	args = append(args, f.Limit+1)
	// The target is a user, an item or something else by action; ids are
	// unique across tables, so joining both names whichever it is.
	rows, err := q.query(ctx, `SELECT a.id, a.workspace_id, a.actor_id, COALESCE(u.email, ''), COALESCE(u.name, ''), a.action, a.target,
			COALESCE(t.name, i.name, ''), COALESCE(t.email, ''), a.detail, a.ip, a.created_at
		FROM audit_log a LEFT JOIN users u ON u.id = a.actor_id
			LEFT JOIN users t ON t.id = a.target
			LEFT JOIN items i ON i.id = a.target AND i.workspace_id = a.workspace_id
		WHERE `+strings.Join(where, " AND ")+` ORDER BY a.created_at DESC, a.id DESC LIMIT ?`, args...)
	if err != nil {
		return nil, "", err
	}
	return scanPage(rows, f.Limit, func(rows *sql.Rows) (troupe.AuditEntry, error) {
		var e troupe.AuditEntry
		var at int64
		err := rows.Scan(&e.ID, &e.WorkspaceID, &e.ActorID, &e.ActorEmail, &e.ActorName, &e.Action, &e.Target,
			&e.TargetName, &e.TargetEmail, &e.Detail, &e.IP, &at)
		e.CreatedAt = fromMillis(at)
		return e, err
	}, func(e troupe.AuditEntry) string { return encodeTimeCursor(e.CreatedAt, e.ID) })
}
