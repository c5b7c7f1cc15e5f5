package troupe

import "time"

// Member is an active member of a workspace.
type Member struct {
	WorkspaceID string
	User        User
	Role        Role
	Since       time.Time
}

// MemberRow is one line of the members view: an active member, a
// pending invitation or a pending join request.
type MemberRow struct {
	Status        string // "active", "invited" or "requested"
	Role          Role
	Email         string
	UserID        string
	UserName      string
	InvitationID  string
	InviterID     string // who sent a pending invitation
	JoinRequestID string
	Since         time.Time
	// TwoFactor says whether the member signs in with a second factor;
	// TwoFactorShown whether the viewer may know (Super Admins only).
	TwoFactor, TwoFactorShown bool
	// What the viewer may do with this row, decided by the same rules
	// the use cases enforce: change an active member's role or remove
	// them; change the role of, resend or revoke a pending invitation.
	CanChangeRole, CanRemove bool
	CanResend, CanRevoke     bool
}

// MemberFilter narrows the members view.
type MemberFilter struct {
	Status string // "", "active", "invited", "requested"
	// Requests adds pending join requests to the view (for Super Admins).
	Requests bool
	Role     Role
	Query    string // part of a name or email
	Cursor   string
	Limit    int
}
