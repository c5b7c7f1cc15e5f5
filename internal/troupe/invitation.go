package troupe

import "time"

// InvitationStatus is where an email invitation stands.
type InvitationStatus string

// The invitation statuses. Only a pending invitation can be accepted,
// declined, revoked or resent; one past its expiry is marked expired when
// a new one is sent to the same address.
const (
	InvitationPending  InvitationStatus = "pending"
	InvitationAccepted InvitationStatus = "accepted"
	InvitationDeclined InvitationStatus = "declined"
	InvitationRevoked  InvitationStatus = "revoked"
	InvitationExpired  InvitationStatus = "expired"
)

// Invitation is an email invitation to a workspace. Its token is mailed,
// never kept: only the store holds the token's hash.
type Invitation struct {
	ID          string
	WorkspaceID string
	Email       string
	Role        Role
	InviterID   string
	Status      InvitationStatus
	CreatedAt   time.Time
	ExpiresAt   time.Time
}

// MyInvitation is a pending invitation as its invitee sees it, with the
// names of the workspace and of whoever sent it.
type MyInvitation struct {
	Invitation
	WorkspaceName string
	InviterName   string
}
