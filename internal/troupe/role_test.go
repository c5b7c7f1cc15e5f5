package troupe

import (
	"reflect"
	"testing"
)

func TestWorkspacePermissionsFor(t *testing.T) {
	open := Settings{WhoCanInvite: InviteEveryone, InviteLinkPolicy: LinkEveryone, Publishing: PermAllowed, Downloads: PermAllowed}
	closed := Settings{WhoCanInvite: InviteAdmins, InviteLinkPolicy: LinkNoOne, Publishing: PermOff, Downloads: PermAdmins}
	cases := []struct {
		name string
		role Role
		s    Settings
		want WorkspacePermissions
	}{
		{"a Super Admin does everything the settings allow", RoleSuperAdmin, closed, WorkspacePermissions{
			ManageWorkspace: true, ManageMembers: true, DecideJoinRequests: true, Invite: true,
			Grantable: []Role{RoleDeveloper, RoleCreator, RoleViewer}, UseAPITokens: true, SeeAllTokens: true,
			ViewAudit: true, ManageWebhooks: true, CheckAccessOfOthers: true, CreateContent: true, Download: true}},
		{"a Developer invites and manages the link when everyone may", RoleDeveloper, open, WorkspacePermissions{
			Invite: true, ManageInviteLink: true, Grantable: []Role{RoleDeveloper, RoleCreator, RoleViewer},
			UseAPITokens: true, ManageWebhooks: true, CreateContent: true, Publish: true, Download: true}},
		{"a Developer under closed settings keeps tokens and content", RoleDeveloper, closed, WorkspacePermissions{
			Grantable: []Role{RoleDeveloper, RoleCreator, RoleViewer}, UseAPITokens: true, ManageWebhooks: true, CreateContent: true}},
		{"a Creator grants at most Creator", RoleCreator, open, WorkspacePermissions{
			Invite: true, ManageInviteLink: true, Grantable: []Role{RoleCreator, RoleViewer},
			CreateContent: true, Publish: true, Download: true}},
		{"a Viewer creates nothing and has no tokens", RoleViewer, open, WorkspacePermissions{
			Invite: true, ManageInviteLink: true, Grantable: []Role{RoleViewer}, Publish: true, Download: true}},
		{"a non-member may do nothing", Role(""), open, WorkspacePermissions{}},
	}
	for _, c := range cases {
		if got := WorkspacePermissionsFor(c.role, c.s); !reflect.DeepEqual(got, c.want) {
			t.Errorf("%s:\n got %+v\nwant %+v", c.name, got, c.want)
		}
	}
	if p := WorkspacePermissionsFor(RoleSuperAdmin, open); p.Grants(RoleSuperAdmin) || !p.Grants(RoleViewer) {
		t.Errorf("a Super Admin grants every role but Super Admin: %v", p.Grantable)
	}
}
