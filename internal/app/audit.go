package app

import (
	"context"

	"troupe/internal/store"
	"troupe/internal/troupe"
)

func (a *App) auditReader(ctx context.Context, actor troupe.User, workspaceID string) (*store.Queries, error) {
	q := a.db.Read()
	_, can, err := a.permissions(ctx, q, workspaceID, actor)
	if err != nil {
		return nil, err
	}
	return q, allow(can.ViewAudit, "Only a Super Admin can read the audit log.")
}

// ListAudit pages through a workspace's audit log (Super Admins only).
func (a *App) ListAudit(ctx context.Context, actor troupe.User, workspaceID string, f troupe.AuditFilter) (_ []troupe.AuditEntry, _ string, opErr error) {
	defer wrap(&opErr, "list audit")
	q, err := a.auditReader(ctx, actor, workspaceID)
	if err != nil {
		return nil, "", err
	}
	f.Limit = pageSize(f.Limit)
	return q.ListAudit(ctx, workspaceID, f)
}

// EachAudit calls fn for every entry matching f, newest first, a page at
// a time so an export never holds the whole log in memory.
func (a *App) EachAudit(ctx context.Context, actor troupe.User, workspaceID string, f troupe.AuditFilter, fn func(troupe.AuditEntry) error) (opErr error) {
	defer wrap(&opErr, "each audit")
	q, err := a.auditReader(ctx, actor, workspaceID)
	if err != nil {
		return err
	}
	f.Limit = 500
	for {
		entries, next, err := q.ListAudit(ctx, workspaceID, f)
		if err != nil {
			return err
		}
		for _, e := range entries {
			if err := fn(e); err != nil {
				return err
			}
		}
		if next == "" {
			return nil
		}
		f.Cursor = next
	}
}
