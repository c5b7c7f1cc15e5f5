package store

import (
	"context"
	"encoding/json"
	"time"

	"troupe/internal/troupe"
)

// FindWorkspaceSSO returns a workspace's single sign-on, the zero value
// when it has none.
func (q *Queries) FindWorkspaceSSO(ctx context.Context, workspaceID string) (troupe.WorkspaceSSO, error) {
	var s troupe.WorkspaceSSO
	var groups string
	err := q.queryRow(ctx, `SELECT provider, required, break_glass, default_role, group_roles FROM workspace_sso WHERE workspace_id = ?`,
		workspaceID).Scan(&s.Provider, &s.Required, &s.BreakGlass, &s.DefaultRole, &groups)
	if err != nil {
		if err = translate(err); troupe.ErrorCode(err) == troupe.CodeNotFound {
			return troupe.WorkspaceSSO{BreakGlass: true}, nil
		}
		return s, err
	}
	return s, json.Unmarshal([]byte(groups), &s.GroupRoles)
}

// SaveWorkspaceSSO stores a workspace's single sign-on.
func (q *Queries) SaveWorkspaceSSO(ctx context.Context, workspaceID string, s troupe.WorkspaceSSO, now time.Time) error {
	groups, err := json.Marshal(s.GroupRoles)
	if err != nil {
		return err
	}
	if s.GroupRoles == nil {
		groups = []byte("{}")
	}
	_, err = q.exec(ctx, `INSERT INTO workspace_sso (workspace_id, provider, required, break_glass, default_role, group_roles, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (workspace_id) DO UPDATE SET provider = excluded.provider, required = excluded.required,
			break_glass = excluded.break_glass, default_role = excluded.default_role, group_roles = excluded.group_roles,
			updated_at = excluded.updated_at`,
		workspaceID, s.Provider, flag(s.Required), flag(s.BreakGlass), s.DefaultRole, string(groups), millis(now))
	return err
}

// SSOWorkspace is a workspace whose single sign-on covers an address.
type SSOWorkspace struct {
	WorkspaceID string
	troupe.WorkspaceSSO
}

// SSOWorkspacesAt returns the workspaces with single sign-on that have
// domain among their verified domains.
func (q *Queries) SSOWorkspacesAt(ctx context.Context, domain string) ([]SSOWorkspace, error) {
	rows, err := q.query(ctx, `SELECT s.workspace_id, s.provider, s.required, s.break_glass, s.default_role, s.group_roles
		FROM workspace_sso s JOIN workspace_domains d ON d.workspace_id = s.workspace_id
		WHERE d.domain = ? AND d.verified_at IS NOT NULL AND s.provider <> ''
		ORDER BY s.workspace_id`, domain)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []SSOWorkspace
	for rows.Next() {
		var w SSOWorkspace
		var groups string
		if err := rows.Scan(&w.WorkspaceID, &w.Provider, &w.Required, &w.BreakGlass, &w.DefaultRole, &groups); err != nil {
			return nil, translate(err)
		}
		if err := json.Unmarshal([]byte(groups), &w.GroupRoles); err != nil {
			return nil, err
		}
		out = append(out, w)
	}
	return out, translate(rows.Err())
}
