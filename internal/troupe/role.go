package troupe

import "slices"

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

// CanCheckAccessOfOthers: see why another member has the access they
// have to an item.
func (r Role) CanCheckAccessOfOthers() bool { return r == RoleSuperAdmin }

// CanUseAPITokens: create and use API tokens.
func (r Role) CanUseAPITokens() bool { return r.AtLeast(RoleDeveloper) }

// CanManageWebhooks: register and manage the workspace's webhook
// endpoints.
func (r Role) CanManageWebhooks() bool { return r.AtLeast(RoleDeveloper) }

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

// CanGrant reports whether a member with role r may give role target to
// someone joining: at most their own role, never Super Admin.
func (r Role) CanGrant(target Role) bool {
	return target.Valid() && target != RoleSuperAdmin && r.AtLeast(target)
}

// WorkspacePermissions are the workspace-level actions a member may take.
// They are decided once, by WorkspacePermissionsFor, and both the use
// cases that enforce them and the pages that show their buttons read them,
// so that what a page offers and what the rule allows cannot drift apart.
type WorkspacePermissions struct {
	// ManageWorkspace: settings, domains, subscription and seats.
	ManageWorkspace bool
	// ManageMembers: change roles and remove members.
	ManageMembers bool
	// DecideJoinRequests: see, approve and deny join requests.
	DecideJoinRequests bool
	// Invite: send email invitations, see the pending ones and the
	// people of the workspace's domains who could be invited.
	Invite bool
	// ManageInviteLink: create, reset or disable the invite link.
	ManageInviteLink bool
	// Grantable are the roles they may give to someone joining, most
	// powerful first.
	Grantable []Role
	// UseAPITokens: create, list and use their own API tokens.
	UseAPITokens bool
	// SeeAllTokens: list and revoke every member's API tokens.
	SeeAllTokens bool
	// ViewAudit: read and export the audit log.
	ViewAudit bool
	// ManageWebhooks: register, change and delete the workspace's webhook
	// endpoints and read their deliveries.
	ManageWebhooks bool
	// CheckAccessOfOthers: see why another member has their access to an
	// item.
	CheckAccessOfOthers bool
	// CreateContent: create folders, drafts, videos, avatars, voices.
	CreateContent bool
	// Publish: publish to the web the videos they may edit.
	Publish bool
	// Download: download the videos they may view, where the video
	// allows it.
	Download bool
}

// WorkspacePermissionsFor decides what a member with role may do in a
// workspace with settings s.
func WorkspacePermissionsFor(role Role, s Settings) WorkspacePermissions {
	p := WorkspacePermissions{
		ManageWorkspace:     role.CanManageWorkspace(),
		ManageMembers:       role.CanManageMembers(),
		DecideJoinRequests:  role.CanManageMembers(),
		Invite:              role.CanInvite(s),
		ManageInviteLink:    role.CanManageInviteLink(s),
		UseAPITokens:        role.CanUseAPITokens(),
		SeeAllTokens:        role.CanUseAPITokens() && role.CanManageMembers(),
		ViewAudit:           role.CanViewAudit(),
		ManageWebhooks:      role.CanManageWebhooks(),
		CheckAccessOfOthers: role.CanCheckAccessOfOthers(),
		CreateContent:       role.CanCreateContent(),
		Publish:             role.CanPublish(s),
		Download:            role.CanDownload(s),
	}
	for _, r := range Roles {
		if role.CanGrant(r) {
			p.Grantable = append(p.Grantable, r)
		}
	}
	return p
}

// Grants reports whether they may give role r to someone joining.
func (p WorkspacePermissions) Grants(r Role) bool { return slices.Contains(p.Grantable, r) }

// ChangeInviteLink reports whether they may change, reset or delete an
// existing invite link that gives linkRole: they must manage links and be
// able to give that role themselves, so that nobody takes over or breaks a
// link above their own role.
func (p WorkspacePermissions) ChangeInviteLink(linkRole Role) bool {
	return p.ManageInviteLink && p.Grants(linkRole)
}

// ChangeInvitationRole reports whether they may change the role of a
// pending invitation from one role to another: they must be allowed to
// change the invitation and able to give both roles, as when inviting.
func (p WorkspacePermissions) ChangeInvitationRole(sentByThem bool, from, to Role) bool {
	return p.ChangeInvitation(sentByThem) && p.Grants(from) && p.Grants(to)
}

// ChangeInvitation reports whether they may resend or revoke a pending
// invitation: those who manage members any, others those they sent while
// they may still invite.
func (p WorkspacePermissions) ChangeInvitation(sentByThem bool) bool {
	return p.ManageMembers || (sentByThem && p.Invite)
}
