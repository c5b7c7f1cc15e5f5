package app

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"troupe/internal/store"
	"troupe/internal/troupe"
)

// WorkspaceView is a workspace as one of its members sees it.
type WorkspaceView struct {
	troupe.Workspace
	Role troupe.Role
	// Can is what the member may do in the workspace, decided by the rule
	// the use cases enforce, for pages to show only the actions allowed.
	Can troupe.WorkspacePermissions
	// PendingInvitations counts live invitations, for those who may see
	// them (who may invite); zero for others.
	PendingInvitations int
	// TwoFactorDeadline is when the member must have turned two-factor
	// on (the workspace requires it); zero when nothing is due.
	TwoFactorDeadline time.Time
	// TwoFactorDaysLeft is how many days (started) remain until then.
	TwoFactorDaysLeft int
}

// workspaceView is w as a member with role sees it.
func workspaceView(w troupe.Workspace, role troupe.Role) WorkspaceView {
	return WorkspaceView{Workspace: w, Role: role, Can: troupe.WorkspacePermissionsFor(role, w.Settings)}
}

var errNoWorkspace = troupe.Errorf(troupe.CodeNotFound, "This workspace does not exist or you are not a member.")

// membership returns the actor's membership. Someone who is not a member
// learns nothing, not even that the workspace exists.
// Through an API token, only the token's workspace exists.
// A member whose grace period for a required second factor is over is
// refused (see twoFactorGate).
func (a *App) membership(ctx context.Context, q *store.Queries, workspaceID string, actor troupe.User) (troupe.Member, error) {
	m, err := a.memberOf(ctx, q, workspaceID, actor)
	if err != nil {
		return m, err
	}
	return m, a.twoFactorGate(ctx, q, workspaceID, m)
}

// memberOf is membership without the two-factor requirement: what a
// member may still do without a second factor (leave).
func (a *App) memberOf(ctx context.Context, q *store.Queries, workspaceID string, actor troupe.User) (troupe.Member, error) {
	if actor.TokenWorkspace != "" && actor.TokenWorkspace != workspaceID {
		return troupe.Member{}, errNoWorkspace
	}
	m, err := q.FindMember(ctx, workspaceID, actor.ID)
	if troupe.ErrorCode(err) == troupe.CodeNotFound {
		return troupe.Member{}, errNoWorkspace
	}
	return m, err
}

var errTwoFactorRequired = troupe.Errorf(troupe.CodeTwoFactorRequired,
	"This workspace requires two-factor authentication. Turn it on in your account settings to continue.")

// twoFactorDeadline is when member m must have two-factor on to keep
// using the workspace: the zero time when it has it, or nothing is
// required.
func (a *App) twoFactorDeadline(ctx context.Context, q *store.Queries, workspaceID string, m troupe.Member) (time.Time, error) {
	if m.User.TwoFactor {
		return time.Time{}, nil
	}
	s, err := q.FindWorkspaceSettings(ctx, workspaceID)
	if err != nil {
		return time.Time{}, err
	}
	return troupe.TwoFactorDeadline(s, m.Since), nil
}

// twoFactorGate refuses member m once the workspace requires two-factor
// and their grace period is over.
func (a *App) twoFactorGate(ctx context.Context, q *store.Queries, workspaceID string, m troupe.Member) error {
	d, err := a.twoFactorDeadline(ctx, q, workspaceID, m)
	if err != nil {
		return err
	}
	if !d.IsZero() && !a.now().Before(d) {
		return errTwoFactorRequired
	}
	return nil
}

// permissions returns the actor's membership and what it lets them do in
// the workspace under its current settings: the same decision that
// WorkspaceView.Can shows.
func (a *App) permissions(ctx context.Context, q *store.Queries, workspaceID string, actor troupe.User) (troupe.Member, troupe.WorkspacePermissions, error) {
	m, err := a.membership(ctx, q, workspaceID, actor)
	if err != nil {
		return m, troupe.WorkspacePermissions{}, err
	}
	s, err := q.FindWorkspaceSettings(ctx, workspaceID)
	if err != nil {
		return m, troupe.WorkspacePermissions{}, err
	}
	return m, troupe.WorkspacePermissionsFor(m.Role, s), nil
}

// memberIfAny returns userID's membership of the workspace and whether
// there is one. Only "no such row" means not a member: any other failure
// is an error, never a silent "not a member" that would void an
// invitation or hide a membership.
func memberIfAny(ctx context.Context, q *store.Queries, workspaceID, userID string) (troupe.Member, bool, error) {
	m, err := q.FindMember(ctx, workspaceID, userID)
	switch {
	case err == nil:
		return m, true, nil
	case troupe.ErrorCode(err) == troupe.CodeNotFound:
		return troupe.Member{}, false, nil
	}
	return troupe.Member{}, false, err
}

// accountOnly refuses actions on the account itself (its profile, its
// invitations, joining, notifications) to callers using an API token,
// which acts only inside its workspace.
func accountOnly(actor troupe.User) error {
	if actor.TokenWorkspace != "" {
		return troupe.Errorf(troupe.CodeForbidden, "An API token acts only inside its workspace; sign in to do this.")
	}
	return nil
}

// allow fails with forbidden when ok is false.
func allow(ok bool, message string) error {
	if !ok {
		return troupe.Errorf(troupe.CodeForbidden, "%s", message)
	}
	return nil
}

// audit appends an entry to the workspace's audit log inside tx.
func (a *App) audit(ctx context.Context, tx *store.Tx, workspaceID string, actor troupe.User, action, target, detail string, c Client) error {
	return tx.AddAudit(ctx, troupe.AuditEntry{ID: newID(), WorkspaceID: workspaceID, ActorID: actor.ID, Action: action,
		Target: target, Detail: detail, IP: c.IP, CreatedAt: a.now()})
}

// CreateWorkspace creates a workspace whose first Super Admin is the actor.
func (a *App) CreateWorkspace(ctx context.Context, actor troupe.User, name string, c Client) (_ WorkspaceView, opErr error) {
	defer wrap(&opErr, "create workspace")
	if err := accountOnly(actor); err != nil {
		return WorkspaceView{}, err
	}
	name = strings.TrimSpace(name)
	var v troupe.Validation
	troupe.ValidateWorkspaceName(&v, "name", name)
	if err := v.Err(); err != nil {
		return WorkspaceView{}, err
	}
	w := troupe.Workspace{ID: newID(), Name: name, Settings: troupe.DefaultSettings, Plan: troupe.DefaultPlan, Seats: troupe.DefaultSeats}
	err := a.db.Tx(ctx, func(tx *store.Tx) error {
		if err := tx.CreateWorkspace(ctx, w, a.now()); err != nil {
			return err
		}
		if err := tx.AddMember(ctx, w.ID, actor.ID, troupe.RoleSuperAdmin, a.now()); err != nil {
			return err
		}
		return a.audit(ctx, tx, w.ID, actor, "workspace.create", w.ID, name, c)
	})
	if err != nil {
		return WorkspaceView{}, fmt.Errorf("create workspace: %w", err)
	}
	return a.GetWorkspace(ctx, actor, w.ID)
}

// ListWorkspaces returns the actor's workspaces.
func (a *App) ListWorkspaces(ctx context.Context, actor troupe.User) (_ []WorkspaceView, opErr error) {
	defer wrap(&opErr, "list workspaces")
	ws, err := a.db.Read().ListUserWorkspaces(ctx, actor.ID)
	if err != nil {
		return nil, err
	}
	out := make([]WorkspaceView, 0, len(ws))
	for _, w := range ws {
		if actor.TokenWorkspace == "" || actor.TokenWorkspace == w.ID {
			out = append(out, workspaceView(w.Workspace, w.Role))
		}
	}
	return out, nil
}

// GetWorkspace returns a workspace the actor is a member of.
func (a *App) GetWorkspace(ctx context.Context, actor troupe.User, id string) (_ WorkspaceView, opErr error) {
	defer wrap(&opErr, "get workspace")
	q := a.db.Read()
	m, err := a.membership(ctx, q, id, actor)
	if err != nil {
		return WorkspaceView{}, err
	}
	w, err := q.FindWorkspace(ctx, id)
	if err != nil {
		return WorkspaceView{}, err
	}
	view := workspaceView(w, m.Role)
	if !m.User.TwoFactor {
		view.TwoFactorDeadline = troupe.TwoFactorDeadline(w.Settings, m.Since)
		if left := view.TwoFactorDeadline.Sub(a.now()); left > 0 {
			view.TwoFactorDaysLeft = int((left + 24*time.Hour - 1) / (24 * time.Hour))
		}
	}
	if view.Can.Invite {
		if view.PendingInvitations, err = q.CountPendingInvitations(ctx, id, a.now()); err != nil {
			return WorkspaceView{}, err
		}
	}
	return view, nil
}

// WorkspaceUpdate lists the settings to change; nil stays.
type WorkspaceUpdate struct {
	Name             *string
	Description      *string
	JoinPolicy       *troupe.JoinPolicy
	WhoCanInvite     *troupe.WhoCanInvite
	InviteLinkPolicy *troupe.LinkPolicy
	DefaultAccess    *troupe.DefaultAccess
	Downloads        *troupe.Permission
	Publishing       *troupe.Permission
	Approval         *troupe.ApprovalMode
	ApprovalRule     *troupe.ApprovalRule
	LinkPassword     *troupe.LinkPasswordRule
	LinkMaxDays      *int
	Embedding        *troupe.Permission
	RequireTwoFactor *troupe.TwoFactorMode
	Domains          *[]string
}

// UpdateWorkspace changes a workspace's settings (Super Admins only). A
// domain can be added only by a Super Admin whose own verified address is
// at it, and never a public mail domain. Changes apply from now on: no
// existing invitation, link or share is rewritten.
func (a *App) UpdateWorkspace(ctx context.Context, actor troupe.User, id string, upd WorkspaceUpdate, c Client) (_ WorkspaceView, opErr error) {
	defer wrap(&opErr, "update workspace")
	err := a.db.Tx(ctx, func(tx *store.Tx) error {
		_, can, err := a.permissions(ctx, &tx.Queries, id, actor)
		if err != nil {
			return err
		}
		if err := allow(can.ManageWorkspace, "Only a Super Admin can change the workspace's settings."); err != nil {
			return err
		}
		w, err := tx.FindWorkspace(ctx, id)
		if err != nil {
			return err
		}
		var v troupe.Validation
		set := w.Settings
		var changed []string
		if upd.Name != nil {
			name := strings.TrimSpace(*upd.Name)
			upd.Name = &name
			troupe.ValidateWorkspaceName(&v, "name", name)
			changed = append(changed, "name")
		}
		if upd.Description != nil {
			desc := strings.TrimSpace(*upd.Description)
			upd.Description = &desc
			troupe.ValidateDescription(&v, "description", desc)
			changed = append(changed, "description")
		}
		setIf(&set.JoinPolicy, upd.JoinPolicy, "join_policy", &changed)
		setIf(&set.WhoCanInvite, upd.WhoCanInvite, "who_can_invite", &changed)
		setIf(&set.InviteLinkPolicy, upd.InviteLinkPolicy, "invite_link_policy", &changed)
		setIf(&set.DefaultAccess, upd.DefaultAccess, "default_access", &changed)
		setIf(&set.Downloads, upd.Downloads, "downloads", &changed)
		setIf(&set.Publishing, upd.Publishing, "publishing", &changed)
		setIf(&set.Approval, upd.Approval, "approval", &changed)
		setIf(&set.ApprovalRule, upd.ApprovalRule, "approval_rule", &changed)
		setIf(&set.LinkPassword, upd.LinkPassword, "link_password", &changed)
		setIf(&set.LinkMaxDays, upd.LinkMaxDays, "link_max_days", &changed)
		setIf(&set.Embedding, upd.Embedding, "embedding", &changed)
		if setIf(&set.RequireTwoFactor, upd.RequireTwoFactor, "require_two_factor", &changed) {
			// The grace period runs from each time it is turned on.
			set.RequireTwoFactorSince = time.Time{}
			if set.RequireTwoFactor == troupe.TwoFactorOn {
				set.RequireTwoFactorSince = a.now()
			}
		}
		set.Validate(&v)
		var domains []string
		if upd.Domains != nil {
			domains = a.checkDomains(&v, actor, w.Domains, *upd.Domains)
		}
		if err := v.Err(); err != nil {
			return err
		}
		if err := tx.UpdateWorkspace(ctx, id, store.WorkspaceUpdate{Name: upd.Name, Description: upd.Description, Settings: &set}, a.now()); err != nil {
			return err
		}
		if len(changed) > 0 {
			if err := a.audit(ctx, tx, id, actor, "settings.update", id, strings.Join(changed, ","), c); err != nil {
				return err
			}
		}
		if upd.Domains == nil {
			return nil
		}
		for _, d := range domains {
			if !slices.Contains(w.Domains, d) {
				if err := a.audit(ctx, tx, id, actor, "domain.add", d, "", c); err != nil {
					return err
				}
			}
		}
		for _, d := range w.Domains {
			if !slices.Contains(domains, d) {
				if err := a.audit(ctx, tx, id, actor, "domain.remove", d, "", c); err != nil {
					return err
				}
			}
		}
		return tx.SetDomains(ctx, id, domains, newDomainToken, a.now())
	})
	if err != nil {
		return WorkspaceView{}, err
	}
	return a.GetWorkspace(ctx, actor, id)
}

func setIf[T comparable](dst *T, src *T, name string, changed *[]string) bool {
	if src != nil && *src != *dst {
		*dst = *src
		*changed = append(*changed, name)
		return true
	}
	return false
}

// checkDomains validates a new domain list against the current one and
// returns it normalised and without duplicates.
func (a *App) checkDomains(v *troupe.Validation, actor troupe.User, current, next []string) []string {
	var out []string
	for _, d := range next {
		d = strings.ToLower(strings.TrimSpace(d))
		if slices.Contains(out, d) {
			continue
		}
		out = append(out, d)
		if slices.Contains(current, d) {
			continue
		}
		var dv troupe.Validation
		troupe.ValidateDomain(&dv, "domains", d)
		switch {
		case dv.Err() != nil:
			v.Add("domains", "invalid_domain", fmt.Sprintf("%q is not a domain like example.com.", d))
		case troupe.IsPublicMailDomain(d):
			v.Add("domains", "public_domain", fmt.Sprintf("%s is a public mail provider; only company domains can be added.", d))
		case !actor.EmailVerified || troupe.EmailDomain(actor.Email) != d:
			v.Add("domains", "not_your_domain", fmt.Sprintf("You can add %s only with a verified email address at it.", d))
		}
	}
	if len(out) > 20 {
		v.Add("domains", "too_many", "A workspace can have at most 20 domains.")
	}
	return out
}

// Subscription is a workspace's plan and seats.
type Subscription struct {
	Plan      string
	Seats     int
	SeatsUsed int
}

// GetSubscription returns the plan and seats (Super Admins only).
func (a *App) GetSubscription(ctx context.Context, actor troupe.User, id string) (_ Subscription, opErr error) {
	defer wrap(&opErr, "get subscription")
	w, err := a.GetWorkspace(ctx, actor, id)
	if err != nil {
		return Subscription{}, err
	}
	if err := allow(w.Can.ManageWorkspace, "Only a Super Admin can see the subscription."); err != nil {
		return Subscription{}, err
	}
	return Subscription{Plan: w.Plan, Seats: w.Seats, SeatsUsed: w.SeatsUsed}, nil
}

// UpdateSubscription changes the plan and number of seats; seats never go
// below the active members.
func (a *App) UpdateSubscription(ctx context.Context, actor troupe.User, id, plan string, seats int, c Client) (_ Subscription, opErr error) {
	defer wrap(&opErr, "update subscription")
	plan = strings.TrimSpace(plan)
	var out Subscription
	err := a.db.Tx(ctx, func(tx *store.Tx) error {
		_, can, err := a.permissions(ctx, &tx.Queries, id, actor)
		if err != nil {
			return err
		}
		if err := allow(can.ManageWorkspace, "Only a Super Admin can change the subscription."); err != nil {
			return err
		}
		w, err := tx.LockWorkspace(ctx, id)
		if err != nil {
			return err
		}
		var v troupe.Validation
		if plan == "" || len(plan) > 50 {
			v.Add("plan", "invalid", "Enter a plan name of at most 50 characters.")
		}
		troupe.ValidateSeats(&v, "seats", seats, w.SeatsUsed)
		if err := v.Err(); err != nil {
			return err
		}
		if err := tx.UpdateWorkspace(ctx, id, store.WorkspaceUpdate{Plan: &plan, Seats: &seats}, a.now()); err != nil {
			return err
		}
		out = Subscription{Plan: plan, Seats: seats, SeatsUsed: w.SeatsUsed}
		if err := a.audit(ctx, tx, id, actor, "subscription.update", id, fmt.Sprintf("plan=%s seats=%d->%d", plan, w.Seats, seats), c); err != nil {
			return err
		}
		if seats > w.Seats {
			if err := a.admitSeatWaiters(ctx, tx, id); err != nil {
				return err
			}
			// Those let in take their seats at once.
			now, err := tx.LockWorkspace(ctx, id)
			if err != nil {
				return err
			}
			out.SeatsUsed = now.SeatsUsed
		}
		return nil
	})
	return out, err
}
