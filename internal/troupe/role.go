package troupe

// Role is a member's role in a workspace. Roles are ordered: a higher role
// can do everything a lower one can.
type Role string

// The roles, from most to least powerful.
const (
	RoleSuperAdmin Role = "super_admin"
	RoleDeveloper  Role = "developer"
	RoleCreator    Role = "creator"
	RoleViewer     Role = "viewer"
)

// Roles lists every role, most powerful first.
var Roles = []Role{RoleSuperAdmin, RoleDeveloper, RoleCreator, RoleViewer}

func (r Role) rank() int {
	switch r {
	case RoleSuperAdmin:
		return 4
	case RoleDeveloper:
		return 3
	case RoleCreator:
		return 2
	case RoleViewer:
		return 1
	}
	return 0
}

// Valid reports whether r is a known role.
func (r Role) Valid() bool { return r.rank() > 0 }

// AtLeast reports whether r is o or above.
func (r Role) AtLeast(o Role) bool { return r.rank() >= o.rank() }

// Capabilities of roles, as in the product's role table. Each is a pure
// decision on the member's role and, where it depends on them, the
// workspace's settings.

// CanManageMembers: approve or deny join requests, change roles, remove
// members, manage domains.
func (r Role) CanManageMembers() bool { return r == RoleSuperAdmin }

// CanManageWorkspace: settings, domains, subscription and seats.
func (r Role) CanManageWorkspace() bool { return r == RoleSuperAdmin }

// CanViewAudit: read and export the audit log.
func (r Role) CanViewAudit() bool { return r == RoleSuperAdmin }

// CanUseAPITokens: create and use API tokens.
func (r Role) CanUseAPITokens() bool { return r.AtLeast(RoleDeveloper) }

// CanCreateContent: create folders, drafts, videos, avatars, voices.
func (r Role) CanCreateContent() bool { return r.AtLeast(RoleCreator) }

// CanInvite reports whether a member with role r may send email
// invitations under the workspace's settings.
func (r Role) CanInvite(s Settings) bool {
	if r == RoleSuperAdmin {
		return true
	}
	return r.Valid() && s.WhoCanInvite == InviteEveryone
}

// CanManageInviteLink reports whether a member with role r may create,
// reset or disable the invite link under the workspace's settings.
func (r Role) CanManageInviteLink(s Settings) bool {
	switch s.InviteLinkPolicy {
	case LinkEveryone:
		return r.Valid()
	case LinkAdmins:
		return r == RoleSuperAdmin
	}
	return false
}

// CanChangeInviteLink reports whether a member with role r may change,
// reset or delete an existing invite link that gives linkRole: they must
// manage links and be able to give that role themselves, so that nobody
// takes over or breaks a link above their own role.
func (r Role) CanChangeInviteLink(s Settings, linkRole Role) bool {
	return r.CanManageInviteLink(s) && r.CanGrant(linkRole)
}

// CanChangeInvitation reports whether a member with role r may resend or
// revoke a pending invitation: Super Admins any, others those they sent
// while they may still invite.
func (r Role) CanChangeInvitation(s Settings, sentByThem bool) bool {
	return r.CanManageMembers() || (sentByThem && r.CanInvite(s))
}

// CanGrant reports whether a member with role r may give role target to
// someone joining: at most their own role, never Super Admin.
func (r Role) CanGrant(target Role) bool {
	return target.Valid() && target != RoleSuperAdmin && r.AtLeast(target)
}
