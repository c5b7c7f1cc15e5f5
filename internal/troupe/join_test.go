package troupe

import (
	"math/rand/v2"
	"testing"
)

// reference is the join rule of the product written as plainly as
// possible, to check CheckJoin against.
func reference(a JoinAttempt) (JoinOutcome, Code) {
	if a.AlreadyMember {
		return 0, CodeAlreadyMember
	}
	if a.Role != RoleDeveloper && a.Role != RoleCreator && a.Role != RoleViewer {
		return 0, CodeForbidden
	}
	rank := map[Role]int{RoleSuperAdmin: 4, RoleDeveloper: 3, RoleCreator: 2, RoleViewer: 1}
	granterMayGive := rank[a.GranterRole] >= rank[a.Role] && rank[a.GranterRole] > 0
	out := JoinNow
	switch a.Via {
	case ViaInvitation:
		mayInvite := a.GranterRole == RoleSuperAdmin || (rank[a.GranterRole] > 0 && a.Settings.WhoCanInvite == InviteEveryone)
		if !mayInvite || !granterMayGive {
			return 0, CodeInvitationInvalid
		}
	case ViaLink:
		mayManage := (a.Settings.InviteLinkPolicy == LinkEveryone && rank[a.GranterRole] > 0) ||
			(a.Settings.InviteLinkPolicy == LinkAdmins && a.GranterRole == RoleSuperAdmin)
		if !mayManage || !granterMayGive {
			return 0, CodeLinkInvalid
		}
		if a.Settings.JoinPolicy == JoinByRequest {
			if !a.EmailVerified {
				return 0, CodeEmailUnverified
			}
			out = FileRequest
		}
	case ViaDomain:
		if !a.EmailVerified {
			return 0, CodeEmailUnverified
		}
		if !a.DomainMatches || a.Settings.JoinPolicy == JoinInviteOnly {
			return 0, CodeForbidden
		}
		if a.Settings.JoinPolicy == JoinByRequest {
			out = FileRequest
		}
	case ViaApproval:
		if a.GranterRole != RoleSuperAdmin {
			return 0, CodeForbidden
		}
	}
	if out == JoinNow && a.SeatsUsed >= a.SeatsTotal {
		return 0, CodeSeatLimitReached
	}
	return out, ""
}

func TestCheckJoinMatchesReference(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 11))
	pick := func(n int) int { return rng.IntN(n) }
	roles := []Role{RoleSuperAdmin, RoleDeveloper, RoleCreator, RoleViewer, "", "owner"}
	vias := []JoinVia{ViaInvitation, ViaLink, ViaDomain, ViaApproval}
	for i := range 200_000 {
		a := JoinAttempt{
			Via:  vias[pick(len(vias))],
			Role: roles[pick(len(roles))],
			Settings: Settings{
				JoinPolicy:       []JoinPolicy{JoinInviteOnly, JoinByRequest, JoinDomain}[pick(3)],
				WhoCanInvite:     []WhoCanInvite{InviteEveryone, InviteAdmins}[pick(2)],
				InviteLinkPolicy: []LinkPolicy{LinkEveryone, LinkAdmins, LinkNoOne}[pick(3)],
			},
			AlreadyMember: pick(8) == 0,
			SeatsTotal:    pick(4),
			SeatsUsed:     pick(5),
			GranterRole:   roles[pick(5)],
			EmailVerified: pick(4) != 0,
			DomainMatches: pick(3) != 0,
		}
		wantOut, wantCode := reference(a)
		gotOut, err := CheckJoin(a)
		if ErrorCode(err) != wantCode && !(err == nil && wantCode == "") || gotOut != wantOut {
			t.Fatalf("case %d %+v: got (%v, %v), reference (%v, %q)", i, a, gotOut, err, wantOut, wantCode)
		}
	}
}

func TestChangingLinksAndInvitations(t *testing.T) {
	everyone := Settings{InviteLinkPolicy: LinkEveryone, WhoCanInvite: InviteEveryone}
	admins := Settings{InviteLinkPolicy: LinkAdmins, WhoCanInvite: InviteAdmins}
	noOne := Settings{InviteLinkPolicy: LinkNoOne, WhoCanInvite: InviteAdmins}
	links := []struct {
		role     Role
		s        Settings
		linkRole Role
		want     bool
	}{
		{RoleViewer, everyone, RoleViewer, true},
		{RoleViewer, everyone, RoleCreator, false},
		{RoleCreator, everyone, RoleCreator, true},
		{RoleCreator, everyone, RoleDeveloper, false},
		{RoleDeveloper, everyone, RoleDeveloper, true},
		{RoleDeveloper, admins, RoleViewer, false},
		{RoleSuperAdmin, admins, RoleDeveloper, true},
		{RoleSuperAdmin, noOne, RoleViewer, false},
	}
	for _, c := range links {
		if got := WorkspacePermissionsFor(c.role, c.s).ChangeInviteLink(c.linkRole); got != c.want {
			t.Errorf("%s changing a %s link under %s: %t, want %t", c.role, c.linkRole, c.s.InviteLinkPolicy, got, c.want)
		}
	}
	invitations := []struct {
		role Role
		s    Settings
		own  bool
		want bool
	}{
		{RoleSuperAdmin, admins, false, true},
		{RoleCreator, everyone, true, true},
		{RoleCreator, everyone, false, false},
		{RoleCreator, admins, true, false},
		{RoleDeveloper, everyone, false, false},
		{Role(""), everyone, true, false},
	}
	for _, c := range invitations {
		if got := WorkspacePermissionsFor(c.role, c.s).ChangeInvitation(c.own); got != c.want {
			t.Errorf("%q, own %t, invite policy %s: %t, want %t", c.role, c.own, c.s.WhoCanInvite, got, c.want)
		}
	}
}
