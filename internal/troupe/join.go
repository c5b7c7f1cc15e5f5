package troupe

// JoinVia names the way someone is becoming a member.
type JoinVia string

// The ways into a workspace.
const (
	ViaInvitation JoinVia = "invitation"
	ViaLink       JoinVia = "link"
	ViaDomain     JoinVia = "domain"
	ViaApproval   JoinVia = "approval"
)

// JoinAttempt is everything the join gate needs to decide, read inside
// the transaction that will apply the decision.
type JoinAttempt struct {
	Via      JoinVia
	Role     Role // the role the newcomer would get
	Settings Settings
	// AlreadyMember: the user is an active member already.
	AlreadyMember bool
	SeatsTotal    int
	SeatsUsed     int
	// GranterRole is the current role of whoever grants the role: the
	// inviter, the link's workspace policy holder, or the approver. Empty
	// when they are no longer a member.
	GranterRole Role
	// EmailVerified: the newcomer's address is verified (accepting an
	// email invitation proves it, so it is true then).
	EmailVerified bool
	// DomainMatches: the newcomer's verified address is at a workspace
	// domain.
	DomainMatches bool
}

// JoinOutcome is what the gate allows.
type JoinOutcome int

// The outcomes of the join gate.
const (
	JoinNow     JoinOutcome = iota + 1 // become an active member, taking a seat
	FileRequest                        // file a join request for a Super Admin
)

// CheckJoin is the one gate every way into a workspace goes through:
// membership, the role ceiling, the granter's right at this moment, the
// join policy and domain, and seats.
func CheckJoin(a JoinAttempt) (JoinOutcome, error) {
	if a.AlreadyMember {
		return 0, Errorf(CodeAlreadyMember, "You are already a member of this workspace.")
	}
	if !a.Role.Valid() || a.Role == RoleSuperAdmin {
		return 0, Errorf(CodeForbidden, "Nobody can join as Super Admin; choose another role.")
	}
	outcome := JoinNow
	switch a.Via {
	case ViaInvitation:
		// Invitations from someone who has since left or lost the right to
		// invite (or to give this role) are void.
		if !a.GranterRole.CanInvite(a.Settings) || !a.GranterRole.CanGrant(a.Role) {
			return 0, Errorf(CodeInvitationInvalid, "This invitation is no longer valid. Ask for a new one.")
		}
	case ViaLink:
		// The link works while whoever made it may still manage links and
		// give its role.
		if !a.GranterRole.CanManageInviteLink(a.Settings) || !a.GranterRole.CanGrant(a.Role) {
			return 0, Errorf(CodeLinkInvalid, "This invite link is not valid any more.")
		}
		// Holding the link is enough to join; a request, though, asks a
		// Super Admin to trust the address it shows, so it must be proven.
		if a.Settings.JoinPolicy == JoinByRequest {
			if !a.EmailVerified {
				return 0, Errorf(CodeEmailUnverified, "This workspace approves new members: verify your email address first, then ask to join.")
			}
			outcome = FileRequest
		}
	case ViaDomain:
		if !a.EmailVerified {
			return 0, Errorf(CodeEmailUnverified, "Verify your email address before joining a workspace.")
		}
		if !a.DomainMatches {
			return 0, Errorf(CodeForbidden, "Your email address is not at one of this workspace's domains.")
		}
		switch a.Settings.JoinPolicy {
		case JoinDomain:
		case JoinByRequest:
			outcome = FileRequest
		default:
			return 0, Errorf(CodeForbidden, "This workspace accepts members by invitation only.")
		}
	case ViaApproval:
		if !a.GranterRole.CanManageMembers() || !a.GranterRole.CanGrant(a.Role) {
			return 0, Errorf(CodeForbidden, "Only a Super Admin can approve join requests.")
		}
	default:
		return 0, Errorf(CodeInternal, "unknown way to join %q", a.Via)
	}
	if outcome == JoinNow && !SeatsCover(a.SeatsTotal, a.SeatsUsed+1) {
		return 0, Errorf(CodeSeatLimitReached, "Every seat of this workspace is taken. A Super Admin can add seats.")
	}
	return outcome, nil
}
