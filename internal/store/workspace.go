package store

import (
	"context"
	"database/sql"
	"slices"
	"time"

	"troupe/internal/troupe"
)

const workspaceColumns = `w.id, w.name, w.description, w.join_policy, w.who_can_invite, w.invite_link_policy,
	w.default_access, w.downloads, w.publishing, w.approval, w.approval_rule, w.link_password, w.link_max_days, w.embedding, w.require_two_factor, w.require_two_factor_at, w.plan, w.seats, w.created_at,
	(SELECT COUNT(*) FROM members m WHERE m.workspace_id = w.id)`

func scanWorkspace(row interface{ Scan(...any) error }, extra ...any) (troupe.Workspace, error) {
	var w troupe.Workspace
	var s troupe.Settings
	var created int64
	var tfa sql.NullInt64
	dest := []any{&w.ID, &w.Name, &w.Description, &s.JoinPolicy, &s.WhoCanInvite, &s.InviteLinkPolicy,
		&s.DefaultAccess, &s.Downloads, &s.Publishing, &s.Approval, &s.ApprovalRule, &s.LinkPassword, &s.LinkMaxDays, &s.Embedding,
		&s.RequireTwoFactor, &tfa, &w.Plan, &w.Seats, &created, &w.SeatsUsed}
	if err := row.Scan(append(dest, extra...)...); err != nil {
		return troupe.Workspace{}, translate(err)
	}
	s.RequireTwoFactorSince = timeOfNull(tfa)
	w.Settings = s
	w.CreatedAt = fromMillis(created)
	return w, nil
}

// CreateWorkspace inserts a workspace.
func (q *Queries) CreateWorkspace(ctx context.Context, w troupe.Workspace, now time.Time) error {
	s := w.Settings
	_, err := q.exec(ctx, `INSERT INTO workspaces (id, name, description, join_policy, who_can_invite, invite_link_policy,
			default_access, downloads, publishing, approval, approval_rule, link_password, link_max_days, embedding,
			require_two_factor, require_two_factor_at, plan, seats, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		w.ID, w.Name, w.Description, s.JoinPolicy, s.WhoCanInvite, s.InviteLinkPolicy, s.DefaultAccess,
		s.Downloads, s.Publishing, s.Approval, s.ApprovalRule, s.LinkPassword, s.LinkMaxDays, s.Embedding,
		twoFactorMode(s.RequireTwoFactor), timeOrNull(s.RequireTwoFactorSince), w.Plan, w.Seats, millis(now), millis(now))
	return err
}

// FindWorkspace returns a workspace with its seat count and domains.
func (q *Queries) FindWorkspace(ctx context.Context, id string) (troupe.Workspace, error) {
	w, err := scanWorkspace(q.queryRow(ctx, `SELECT `+workspaceColumns+` FROM workspaces w WHERE w.id = ?`, id))
	if err != nil {
		return w, err
	}
	if w.DomainStates, err = q.ListDomainStates(ctx, id); err != nil {
		return w, err
	}
	w.Domains = make([]string, 0, len(w.DomainStates))
	for _, d := range w.DomainStates {
		w.Domains = append(w.Domains, d.Domain)
	}
	return w, nil
}

// FindWorkspaceSettings returns only a workspace's settings: cheaper than
// FindWorkspace, which counts the members.
func (q *Queries) FindWorkspaceSettings(ctx context.Context, id string) (troupe.Settings, error) {
	var s troupe.Settings
	var tfa sql.NullInt64
	err := q.queryRow(ctx, `SELECT join_policy, who_can_invite, invite_link_policy, default_access, downloads, publishing, approval, approval_rule,
			link_password, link_max_days, embedding, require_two_factor, require_two_factor_at
		FROM workspaces WHERE id = ?`, id).Scan(&s.JoinPolicy, &s.WhoCanInvite, &s.InviteLinkPolicy, &s.DefaultAccess, &s.Downloads, &s.Publishing,
		&s.Approval, &s.ApprovalRule, &s.LinkPassword, &s.LinkMaxDays, &s.Embedding, &s.RequireTwoFactor, &tfa)
	s.RequireTwoFactorSince = timeOfNull(tfa)
	return s, translate(err)
}

// LockWorkspace reads a workspace for an update that depends on its seats:
// on PostgreSQL the row stays locked until the transaction ends, so two
// transactions taking the last seat run one after the other. SQLite
// serialises write transactions already.
func (q *Queries) LockWorkspace(ctx context.Context, id string) (troupe.Workspace, error) {
	if q.d == Postgres {
		if _, err := q.exec(ctx, `SELECT id FROM workspaces WHERE id = ? FOR UPDATE`, id); err != nil {
			return troupe.Workspace{}, err
		}
	}
	return q.FindWorkspace(ctx, id)
}

// WorkspaceUpdate lists the fields to change; nil stays.
type WorkspaceUpdate struct {
	Name        *string
	Description *string
	Settings    *troupe.Settings
	Plan        *string
	Seats       *int
}

// UpdateWorkspace applies upd.
func (q *Queries) UpdateWorkspace(ctx context.Context, id string, upd WorkspaceUpdate, now time.Time) error {
	u := newUpdate(now)
	if upd.Name != nil {
		u.add("name", *upd.Name)
	}
	if upd.Description != nil {
		u.add("description", *upd.Description)
	}
	if s := upd.Settings; s != nil {
		u.add("join_policy", s.JoinPolicy)
		u.add("who_can_invite", s.WhoCanInvite)
		u.add("invite_link_policy", s.InviteLinkPolicy)
		u.add("default_access", s.DefaultAccess)
		u.add("downloads", s.Downloads)
		u.add("publishing", s.Publishing)
		u.add("approval", s.Approval)
		u.add("approval_rule", s.ApprovalRule)
		u.add("link_password", s.LinkPassword)
		u.add("link_max_days", s.LinkMaxDays)
		u.add("embedding", s.Embedding)
		u.add("require_two_factor", twoFactorMode(s.RequireTwoFactor))
		u.add("require_two_factor_at", timeOrNull(s.RequireTwoFactorSince))
	}
	if upd.Plan != nil {
		u.add("plan", *upd.Plan)
	}
	if upd.Seats != nil {
		u.add("seats", *upd.Seats)
	}
	res, err := q.exec(ctx, `UPDATE workspaces SET `+u.set+` WHERE id = ?`, append(u.args, id)...)
	if err != nil {
		return err
	}
	q.publicChanged("")
	return mustAffect(res)
}

// MyWorkspace is a workspace seen by one of its members.
type MyWorkspace struct {
	troupe.Workspace
	Role troupe.Role
}

// ListUserWorkspaces returns the workspaces where userID is a member,
// oldest membership first.
func (q *Queries) ListUserWorkspaces(ctx context.Context, userID string) ([]MyWorkspace, error) {
	rows, err := q.query(ctx, `SELECT `+workspaceColumns+`, me.role FROM workspaces w
		JOIN members me ON me.workspace_id = w.id AND me.user_id = ?
		ORDER BY me.joined_at, w.id`, userID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []MyWorkspace
	for rows.Next() {
		var role troupe.Role
		w, err := scanWorkspace(rows, &role)
		if err != nil {
			return nil, err
		}
		out = append(out, MyWorkspace{Workspace: w, Role: role})
	}
	return out, translate(rows.Err())
}

// ListDomains returns a workspace's company domains.
func (q *Queries) ListDomains(ctx context.Context, workspaceID string) ([]string, error) {
	states, err := q.ListDomainStates(ctx, workspaceID)
	if err != nil {
		return nil, err
	}
	domains := make([]string, 0, len(states))
	for _, d := range states {
		domains = append(domains, d.Domain)
	}
	return domains, nil
}

const domainColumns = `workspace_id, domain, token, verified_at, checked_at, check_error, failures`

func scanDomainState(row interface{ Scan(...any) error }) (string, troupe.DomainState, error) {
	var ws string
	var d troupe.DomainState
	var verified, checked sql.NullInt64
	if err := row.Scan(&ws, &d.Domain, &d.Token, &verified, &checked, &d.CheckError, &d.Failures); err != nil {
		return "", d, translate(err)
	}
	d.VerifiedAt, d.CheckedAt = timeOrNil(verified), timeOrNil(checked)
	return ws, d, nil
}

func timeOrNil(ms sql.NullInt64) *time.Time {
	if !ms.Valid {
		return nil
	}
	t := fromMillis(ms.Int64)
	return &t
}

func millisOrNil(t *time.Time) any {
	if t == nil {
		return nil
	}
	return millis(*t)
}

// ListDomainStates returns a workspace's company domains with where their
// proof by DNS stands.
func (q *Queries) ListDomainStates(ctx context.Context, workspaceID string) ([]troupe.DomainState, error) {
	rows, err := q.query(ctx, `SELECT `+domainColumns+` FROM workspace_domains WHERE workspace_id = ? ORDER BY domain`, workspaceID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []troupe.DomainState{}
	for rows.Next() {
		_, d, err := scanDomainState(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, d)
	}
	return out, translate(rows.Err())
}

// WorkspaceDomain is a domain with the workspace claiming it.
type WorkspaceDomain struct {
	WorkspaceID string
	troupe.DomainState
}

// VerifiedDomainsCheckedBefore returns up to limit verified domains last
// checked before t (or never), oldest check first: the daily re-check's
// batch.
func (q *Queries) VerifiedDomainsCheckedBefore(ctx context.Context, t time.Time, limit int) ([]WorkspaceDomain, error) {
	rows, err := q.query(ctx, `SELECT `+domainColumns+` FROM workspace_domains
		WHERE verified_at IS NOT NULL AND (checked_at IS NULL OR checked_at < ?)
		ORDER BY checked_at, workspace_id, domain LIMIT ?`, millis(t), limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []WorkspaceDomain
	for rows.Next() {
		ws, d, err := scanDomainState(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, WorkspaceDomain{WorkspaceID: ws, DomainState: d})
	}
	return out, translate(rows.Err())
}

// SaveDomainCheck stores the outcome of a check of a workspace's domain:
// its verification time (nil for unverified), when it was checked, why it
// failed and how many checks in a row failed.
func (q *Queries) SaveDomainCheck(ctx context.Context, workspaceID string, d troupe.DomainState) error {
	res, err := q.exec(ctx, `UPDATE workspace_domains SET verified_at = ?, checked_at = ?, check_error = ?, failures = ?
		WHERE workspace_id = ? AND domain = ?`, millisOrNil(d.VerifiedAt), millisOrNil(d.CheckedAt), d.CheckError, d.Failures, workspaceID, d.Domain)
	if err != nil {
		return err
	}
	return mustAffect(res)
}

// SetDomains replaces a workspace's domains. Domains it keeps keep their
// token and verification; each new one gets the token tokens returns for
// it.
func (q *Queries) SetDomains(ctx context.Context, workspaceID string, domains []string, tokens func(domain string) string, now time.Time) error {
	current, err := q.ListDomains(ctx, workspaceID)
	if err != nil {
		return err
	}
	for _, d := range current {
		if !slices.Contains(domains, d) {
			if _, err := q.exec(ctx, `DELETE FROM workspace_domains WHERE workspace_id = ? AND domain = ?`, workspaceID, d); err != nil {
				return err
			}
		}
	}
	for _, d := range domains {
		if slices.Contains(current, d) {
			continue
		}
		if _, err := q.exec(ctx, `INSERT INTO workspace_domains (workspace_id, domain, token, created_at) VALUES (?, ?, ?, ?)`,
			workspaceID, d, tokens(d), millis(now)); err != nil {
			return err
		}
	}
	return nil
}

// twoFactorMode stores an unset requirement as off.
func twoFactorMode(m troupe.TwoFactorMode) troupe.TwoFactorMode {
	if m == "" {
		return troupe.TwoFactorOff
	}
	return m
}

// timeOrNull stores the zero time as NULL.
func timeOrNull(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return millis(t)
}

func timeOfNull(n sql.NullInt64) time.Time {
	if !n.Valid {
		return time.Time{}
	}
	return fromMillis(n.Int64)
}
