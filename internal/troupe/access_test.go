package troupe

import "testing"

func TestEffectiveAccess(t *testing.T) {
	folder := ItemSharing{OwnerID: "olga", Shares: map[string]Level{"vic": LevelEdit, "cora": LevelView, "val": LevelView, "rita": LevelComment}}
	grand := ItemSharing{OwnerID: "gus", Workspace: LevelView}
	item := ItemSharing{OwnerID: "ivan"}
	chain := []ItemSharing{item, folder, grand}
	cases := []struct {
		name string
		user string
		role Role
		want Level
	}{
		{"the owner edits", "ivan", RoleCreator, LevelEdit},
		{"the owner of a folder above edits", "olga", RoleCreator, LevelEdit},
		{"the owner of the grandparent folder edits", "gus", RoleDeveloper, LevelEdit},
		{"a share on a folder above reaches the item", "cora", RoleCreator, LevelView},
		{"a viewer with an edit share may comment, not edit", "vic", RoleViewer, LevelComment},
		{"a viewer with a view share stays view-only", "val", RoleViewer, LevelView},
		{"a comment share gives comment", "rita", RoleCreator, LevelComment},
		{"workspace access on the grandparent gives view", "anyone", RoleCreator, LevelView},
		{"a Super Admin edits everything", "sam", RoleSuperAdmin, LevelEdit},
		{"a non-member gets nothing, even the owner", "ivan", "", LevelNone},
	}
	for _, c := range cases {
		if got := EffectiveAccess(c.user, c.role, chain); got != c.want {
			t.Errorf("%s: got %v, want %v", c.name, got, c.want)
		}
	}
	if got := EffectiveAccess("anyone", RoleCreator, []ItemSharing{item}); got != LevelNone {
		t.Errorf("an item moved out of the shared folder keeps no inherited access: %v", got)
	}
}

func TestItemPermissions(t *testing.T) {
	own := []ItemSharing{{OwnerID: "ivan", Shares: map[string]Level{"vic": LevelEdit, "ed": LevelEdit, "val": LevelView, "cal": LevelComment}}}
	cases := []struct {
		user string
		role Role
		want Permissions
	}{
		{"ivan", RoleCreator, Permissions{Level: LevelEdit, CanView: true, CanComment: true, CanEdit: true, CanShare: true, CanDelete: true}},
		{"ed", RoleDeveloper, Permissions{Level: LevelEdit, CanView: true, CanComment: true, CanEdit: true, CanShare: true}},
		{"cal", RoleCreator, Permissions{Level: LevelComment, CanView: true, CanComment: true}},
		{"vic", RoleViewer, Permissions{Level: LevelComment, CanView: true, CanComment: true}},
		{"val", RoleViewer, Permissions{Level: LevelView, CanView: true}},
		{"sam", RoleSuperAdmin, Permissions{Level: LevelEdit, CanView: true, CanComment: true, CanEdit: true, CanShare: true, CanDelete: true}},
		{"ivan", RoleViewer, Permissions{Level: LevelComment, CanView: true, CanComment: true}},
		{"nobody", RoleCreator, Permissions{}},
	}
	for _, c := range cases {
		level := EffectiveAccess(c.user, c.role, own)
		if got := ItemPermissions(c.role, level, c.user == own[0].OwnerID); got != c.want {
			t.Errorf("%s as %s: got %+v, want %+v", c.user, c.role, got, c.want)
		}
	}
}
