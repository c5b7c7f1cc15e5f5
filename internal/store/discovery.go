package store

import (
	"context"
	"time"

	"troupe/internal/troupe"
)

// DiscoverWorkspaces returns the workspaces that claim domain, verified, and let
// people of that domain find them (join policy request or domain), where
// userID is not a member.
func (q *Queries) DiscoverWorkspaces(ctx context.Context, domain, userID string) ([]troupe.Workspace, error) {
	rows, err := q.query(ctx, `SELECT `+workspaceColumns+` FROM workspaces w
		JOIN workspace_domains d ON d.workspace_id = w.id AND d.domain = ? AND d.verified_at IS NOT NULL
		WHERE w.join_policy IN ('request', 'domain')
		AND NOT EXISTS (SELECT 1 FROM members m WHERE m.workspace_id = w.id AND m.user_id = ?)
		ORDER BY w.name, w.id LIMIT 50`, domain, userID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []troupe.Workspace
	for rows.Next() {
		w, err := scanWorkspace(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, w)
	}
	return out, translate(rows.Err())
}

// Suggestions returns users with a verified address at one of the
// workspace's verified domains who let teammates find them, are not members and
// have no pending invitation or join request.
func (q *Queries) Suggestions(ctx context.Context, workspaceID string, now time.Time, limit int) ([]troupe.User, error) {
	rows, err := q.query(ctx, `SELECT `+userColumnsU+` FROM users u
		JOIN workspace_domains d ON d.workspace_id = ? AND d.verified_at IS NOT NULL AND u.email_norm LIKE '%@' || d.domain
		WHERE u.email_verified_at IS NOT NULL AND u.discoverable
		AND NOT EXISTS (SELECT 1 FROM members m WHERE m.workspace_id = d.workspace_id AND m.user_id = u.id)
		AND NOT EXISTS (SELECT 1 FROM invitations i WHERE i.workspace_id = d.workspace_id AND i.email_norm = u.email_norm
			AND i.status = 'pending' AND i.expires_at > ?)
		AND NOT EXISTS (SELECT 1 FROM join_requests r WHERE r.workspace_id = d.workspace_id AND r.user_id = u.id AND r.status = 'pending')
		ORDER BY u.email_norm LIMIT ?`, workspaceID, millis(now), limit)
	if err != nil {
		return nil, err
	}
	return scanUsers(rows)
}
