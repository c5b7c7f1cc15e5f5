package troupe

// Level is a degree of access to an item.
type Level int

// The access levels, in increasing order.
const (
	LevelNone Level = iota
	LevelView
	LevelComment
	LevelEdit
)

func (l Level) String() string {
	switch l {
	case LevelView:
		return "view"
	case LevelComment:
		return "comment"
	case LevelEdit:
		return "edit"
	}
	return "none"
}

// ParseLevel reads "view", "comment" or "edit".
func ParseLevel(s string) (Level, bool) {
	switch s {
	case "view":
		return LevelView, true
	case "comment":
		return LevelComment, true
	case "edit":
		return LevelEdit, true
	}
	return LevelNone, false
}

// ItemSharing is what one item (or folder) says about who may use it.
type ItemSharing struct {
	OwnerID string
	// Workspace is the level everyone in the workspace has (none when the
	// item's general access is restricted).
	Workspace Level
	// Shares are the levels given to specific members.
	Shares map[string]Level
}

// EffectiveAccess is the one access rule of content. chain is the item
// followed by the folders above it, nearest first. role is the user's
// current role in the item's workspace, empty when they are not an active
// member. Access is the highest of: Super Admin (edit), owner of the item
// or a folder above (edit), a share on any of them, the workspace level of
// any of them — then capped at comment for Viewers (they review, never
// edit), and none for non-members.
func EffectiveAccess(userID string, role Role, chain []ItemSharing) Level {
	grant := LevelNone
	for _, it := range chain {
		if it.OwnerID == userID {
			grant = LevelEdit
		}
		grant = max(grant, it.Shares[userID], it.Workspace)
	}
	return Access(role, grant)
}

// Access applies the user's role to grant, the highest level that
// ownership, shares and workspace access give them over an item and the
// folders above it (the database computes it for many items at once).
func Access(role Role, grant Level) Level {
	switch {
	case !role.Valid():
		return LevelNone
	case role == RoleSuperAdmin:
		return LevelEdit
	case role == RoleViewer:
		return min(grant, ViewerCap)
	}
	return grant
}

// ViewerCap is the most a Viewer gets from any grant: they may comment
// and approve where the item allows it, never edit.
const ViewerCap = LevelComment

// Permissions are the actions a user may take on an item.
type Permissions struct {
	Level      Level
	CanView    bool
	CanComment bool
	CanEdit    bool
	CanShare   bool
	CanDelete  bool
}

// ItemPermissions derives the actions from the effective level: comment
// access lets anyone comment and take part in approval; sharing
// needs edit access (Super Admins share anything); moving to trash (and
// restoring) is for Super Admins on any item and for Developers and
// Creators on their own. Viewers never edit, share or delete.
func ItemPermissions(role Role, level Level, owner bool) Permissions {
	p := Permissions{Level: level, CanView: level >= LevelView, CanComment: level >= LevelComment,
		CanEdit: level == LevelEdit && role.CanCreateContent()}
	p.CanShare = p.CanEdit
	p.CanDelete = role == RoleSuperAdmin || (owner && role.CanCreateContent())
	return p
}
