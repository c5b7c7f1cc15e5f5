package app

import (
	"context"

	"troupe/internal/mail"
	"troupe/internal/paths"
	"troupe/internal/store"
	"troupe/internal/troupe"
)

// ListMembers pages through a workspace's members and, for those who may
// invite, its pending invitations.
func (a *App) ListMembers(ctx context.Context, actor troupe.User, workspaceID string, f troupe.MemberFilter) (_ []troupe.MemberRow, _ string, opErr error) {
	defer wrap(&opErr, "list members")
	q := a.db.Read()
	_, can, err := a.permissions(ctx, q, workspaceID, actor)
	if err != nil {
		return nil, "", err
	}
	var v troupe.Validation
	switch f.Status {
	case "", "active", "invited", "requested":
	default:
		v.Add("status", "invalid", "Status must be active, invited or requested.")
	}
	if f.Role != "" && !f.Role.Valid() {
		v.Add("role", "invalid_role", "Unknown role.")
	}
	if err := v.Err(); err != nil {
		return nil, "", err
	}
	// Join requests are for those who decide them.
	if !can.DecideJoinRequests {
		if f.Status == "requested" {
			return []troupe.MemberRow{}, "", nil
		}
		f.Requests = false
	}
	if f.Status == "requested" {
		f.Requests = true
	}
	if !can.Invite {
		// Pending invitations are for those who invite.
		if f.Status == "invited" {
			return []troupe.MemberRow{}, "", nil
		}
		f.Status = "active"
	}
	f.Limit = pageSize(f.Limit)
	rows, next, err := q.ListMembers(ctx, workspaceID, f, a.now())
	for i := range rows {
		rows[i].CanChangeRole, rows[i].CanRemove, rows[i].CanResend, rows[i].CanRevoke = rowRights(can, rows[i], actor.ID)
		// How members sign in is for Super Admins to see.
		rows[i].TwoFactorShown = can.ManageWorkspace && rows[i].Status == "active"
		rows[i].TwoFactor = rows[i].TwoFactor && rows[i].TwoFactorShown
	}
	return rows, next, err
}

// rowRights decides what the viewer may do with a row of the members view,
// by the rules ChangeRole, RemoveMember, ResendInvitation and
// RevokeInvitation enforce. Removing oneself is leaving, offered
// elsewhere.
func rowRights(can troupe.WorkspacePermissions, row troupe.MemberRow, viewerID string) (changeRole, remove, resend, revoke bool) {
	switch row.Status {
	case "active":
		return can.ManageMembers, can.ManageMembers && row.UserID != viewerID, false, false
	case "invited":
		change := can.ChangeInvitation(row.InviterID == viewerID)
		// The role of an invitation changes between roles they may give.
		return change && can.Grants(row.Role), false, change, change
	}
	return false, false, false, false
}

// pageSize bounds a list's page: 50 by default, at most 200.
func pageSize(n int) int {
	switch {
	case n <= 0:
		return 50
	case n > 200:
		return 200
	}
	return n
}

// ChangeRole gives a member another role (Super Admins only). The last
// Super Admin cannot be demoted. It takes effect on the member's next
// request, since every request reads the current membership.
func (a *App) ChangeRole(ctx context.Context, actor troupe.User, workspaceID, userID string, role troupe.Role, c Client) (_ troupe.Member, opErr error) {
	defer wrap(&opErr, "change role")
	if !role.Valid() {
		var v troupe.Validation
		v.Add("role", "invalid_role", "Choose super_admin, developer, creator or viewer.")
		return troupe.Member{}, v.Err()
	}
	var out troupe.Member
	err := a.db.Tx(ctx, func(tx *store.Tx) error {
		_, can, err := a.permissions(ctx, &tx.Queries, workspaceID, actor)
		if err != nil {
			return err
		}
		if err := allow(can.ManageMembers, "Only a Super Admin can change roles."); err != nil {
			return err
		}
		target, err := a.findMember(ctx, tx, workspaceID, userID)
		if err != nil {
			return err
		}
		if target.Role == role {
			out = target
			return nil
		}
		if err := a.keepOneSuperAdmin(ctx, tx, workspaceID, target); err != nil {
			return err
		}
		if err := tx.UpdateMemberRole(ctx, workspaceID, userID, role); err != nil {
			return err
		}
		// A token dies when its owner drops below Developer, for good.
		if !role.CanUseAPITokens() {
			if err := tx.RevokeMemberAPITokens(ctx, workspaceID, userID, a.now()); err != nil {
				return err
			}
		}
		from := target.Role
		target.Role = role
		out = target
		w, err := tx.FindWorkspace(ctx, workspaceID)
		if err != nil {
			return err
		}
		if err := a.mailMember(ctx, tx, target.User, mail.Email{Kind: "role_changed", Lang: mailLang(target.User.Locale, Client{}),
			Path: paths.Home(), Params: []any{"workspace", w.Name, "role", string(role)}}); err != nil {
			return err
		}
		if err := a.notify(ctx, tx, userID, workspaceID, NoteRoleChanged, workspaceID, map[string]string{"workspace": w.Name, "role": string(role)}); err != nil {
			return err
		}
		if err := a.emit(ctx, tx, workspaceID, troupe.EventMemberRoleChanged, memberEvent(target.User, role, "previous_role", from,
			"changed_by", actor.ID)); err != nil {
			return err
		}
		return a.audit(ctx, tx, workspaceID, actor, "member.role", userID, troupe.RoleChangeDetail(from, role), c)
	})
	return out, err
}

func (a *App) findMember(ctx context.Context, tx *store.Tx, workspaceID, userID string) (troupe.Member, error) {
	m, err := tx.FindMember(ctx, workspaceID, userID)
	if troupe.ErrorCode(err) == troupe.CodeNotFound {
		return m, troupe.Errorf(troupe.CodeNotFound, "This person is not a member of the workspace.")
	}
	return m, err
}

// keepOneSuperAdmin fails when target is the workspace's last Super Admin.
// The workspace row is locked first, so two admins demoting or removing
// each other at once cannot both pass the count.
func (a *App) keepOneSuperAdmin(ctx context.Context, tx *store.Tx, workspaceID string, target troupe.Member) error {
	if target.Role != troupe.RoleSuperAdmin {
		return nil
	}
	if _, err := tx.LockWorkspace(ctx, workspaceID); err != nil {
		return err
	}
	n, err := tx.CountSuperAdmins(ctx, workspaceID)
	if err != nil {
		return err
	}
	if n <= 1 {
		return troupe.Errorf(troupe.CodeLastSuperAdmin, "A workspace needs at least one Super Admin: make someone else Super Admin first.")
	}
	return nil
}

// RemoveMember ends someone's membership (Super Admins only). The last
// Super Admin cannot be removed.
func (a *App) RemoveMember(ctx context.Context, actor troupe.User, workspaceID, userID string, c Client) (opErr error) {
	defer wrap(&opErr, "remove member")
	return a.db.Tx(ctx, func(tx *store.Tx) error {
		_, can, err := a.permissions(ctx, &tx.Queries, workspaceID, actor)
		if err != nil {
			return err
		}
		if err := allow(can.ManageMembers, "Only a Super Admin can remove members."); err != nil {
			return err
		}
		target, err := a.findMember(ctx, tx, workspaceID, userID)
		if err != nil {
			return err
		}
		if err := a.keepOneSuperAdmin(ctx, tx, workspaceID, target); err != nil {
			return err
		}
		if err := a.endMembership(ctx, tx, workspaceID, target, actor.ID); err != nil {
			return err
		}
		if err := a.emit(ctx, tx, workspaceID, troupe.EventMemberLeft, memberEvent(target.User, target.Role, "removed_by", actor.ID)); err != nil {
			return err
		}
		if err := a.audit(ctx, tx, workspaceID, actor, "member.remove", userID, target.User.Email, c); err != nil {
			return err
		}
		return a.admitSeatWaiters(ctx, tx, workspaceID)
	})
}

// Leave ends the actor's own membership; the last Super Admin cannot leave.
func (a *App) Leave(ctx context.Context, actor troupe.User, workspaceID string, c Client) (opErr error) {
	defer wrap(&opErr, "leave")
	return a.db.Tx(ctx, func(tx *store.Tx) error {
		m, err := a.memberOf(ctx, &tx.Queries, workspaceID, actor)
		if err != nil {
			return err
		}
		if err := a.keepOneSuperAdmin(ctx, tx, workspaceID, m); err != nil {
			return err
		}
		if err := a.endMembership(ctx, tx, workspaceID, m, ""); err != nil {
			return err
		}
		if err := a.emit(ctx, tx, workspaceID, troupe.EventMemberLeft, memberEvent(m.User, m.Role)); err != nil {
			return err
		}
		if err := a.audit(ctx, tx, workspaceID, actor, "member.leave", actor.ID, actor.Email, c); err != nil {
			return err
		}
		return a.admitSeatWaiters(ctx, tx, workspaceID)
	})
}

// endMembership removes a member. Their items pass to heir — the Super
// Admin who removed them, or (when empty, for leaving) the
// longest-standing Super Admin — and the shares made to them go, so
// nothing of the team's is lost and nothing stays open to them.
func (a *App) endMembership(ctx context.Context, tx *store.Tx, workspaceID string, m troupe.Member, heir string) error {
	if err := tx.RevokeMemberAPITokens(ctx, workspaceID, m.User.ID, a.now()); err != nil {
		return err
	}
	if heir == "" || heir == m.User.ID {
		admins, err := tx.ListMembersByRole(ctx, workspaceID, troupe.RoleSuperAdmin)
		if err != nil {
			return err
		}
		for _, admin := range admins {
			if admin.User.ID != m.User.ID {
				heir = admin.User.ID
				break
			}
		}
	}
	if heir == "" {
		return troupe.Errorf(troupe.CodeLastSuperAdmin, "A workspace needs at least one Super Admin: make someone else Super Admin first.")
	}
	if _, err := tx.HandOverItems(ctx, workspaceID, m.User.ID, heir); err != nil {
		return err
	}
	return tx.DeleteMember(ctx, workspaceID, m.User.ID)
}
