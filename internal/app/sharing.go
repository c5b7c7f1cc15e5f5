package app

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"troupe/internal/mail"
	"troupe/internal/paths"
	"troupe/internal/store"
	"troupe/internal/troupe"
)

// NoteItemShared tells a member an item was shared with them.
const NoteItemShared = "item_shared"

// Sharing is who has access to an item and why.
type Sharing struct {
	Item ItemView
	// Workspace is the item's own general access level (none: restricted).
	Workspace troupe.Level
	// InheritedWorkspace is the highest workspace level of the folders
	// above, which applies whatever the item says; InheritedFrom names
	// the folder it comes from.
	InheritedWorkspace troupe.Level
	InheritedFrom      string
	Owner              troupe.Share
	Shares             []troupe.Share
	// Inherited are the shares and owners of the folders above.
	Inherited []troupe.Share
}

// GetSharing returns an item's sharing to anyone who may view it.
func (a *App) GetSharing(ctx context.Context, actor troupe.User, id string) (_ Sharing, opErr error) {
	defer wrap(&opErr, "get sharing")
	q := a.db.Read()
	it, role, err := a.access(ctx, q, actor, id)
	if err != nil {
		return Sharing{}, err
	}
	return a.sharingOf(ctx, q, actor, role, it)
}

// sharingOf gathers who has access to it. Folders above that the actor
// cannot open stay unnamed, and the people they are shared with unlisted,
// as in the breadcrumbs: seeing an item tells nothing of the folders
// around it.
func (a *App) sharingOf(ctx context.Context, q *store.Queries, actor troupe.User, role troupe.Role, it ItemView) (Sharing, error) {
	views := []ItemView{it}
	if err := a.summarize(ctx, q, viewerAs(actor, role), role, views); err != nil {
		return Sharing{}, err
	}
	it = views[0]
	out := Sharing{Item: it, Workspace: it.Workspace}
	owner, err := q.FindUserByID(ctx, it.OwnerID)
	if err != nil {
		return Sharing{}, err
	}
	out.Owner = troupe.Share{UserID: owner.ID, Name: owner.Name, Email: owner.Email, Level: troupe.LevelEdit}
	if out.Shares, err = q.ListShares(ctx, it.ID, false); err != nil {
		return Sharing{}, err
	}
	inherited, err := q.ListShares(ctx, it.ID, true)
	if err != nil {
		return Sharing{}, err
	}
	above, err := q.Ancestors(ctx, it.ID)
	if err != nil {
		return Sharing{}, err
	}
	open := map[string]bool{}
	for _, f := range above {
		_, _, err := a.access(ctx, q, actor, f.ID)
		open[f.ID] = err == nil
	}
	for _, sh := range inherited {
		if open[sh.FromID] {
			out.Inherited = append(out.Inherited, sh)
		}
	}
	// Nearest folder first, so the line says where the access comes from.
	slices.Reverse(above)
	for _, f := range above {
		if f.Workspace > out.InheritedWorkspace {
			out.InheritedWorkspace, out.InheritedFrom = f.Workspace, ""
			if open[f.ID] {
				out.InheritedFrom = f.Name
			}
		}
		if f.OwnerID != it.OwnerID && open[f.ID] {
			out.Inherited = append(out.Inherited, troupe.Share{UserID: f.OwnerID, Name: f.OwnerName, Level: troupe.LevelEdit, FromID: f.ID, FromName: f.Name})
		}
	}
	return out, nil
}

// SharingInput replaces an item's sharing.
type SharingInput struct {
	// General is "restricted" or "workspace".
	General string
	// WorkspaceLevel is the level of everyone in the workspace when
	// General is "workspace".
	WorkspaceLevel string
	Shares         []ShareInput
}

// ShareInput gives one member a level.
type ShareInput struct {
	UserID string
	Level  string
}

// UpdateSharing replaces an item's general access and shares. It needs
// the right to share (edit access, or Super Admin); every share goes to
// an active member of the workspace. New shares are told in the panel
// and by mail; the change is audited.
func (a *App) UpdateSharing(ctx context.Context, actor troupe.User, id string, in SharingInput, c Client) (_ Sharing, opErr error) {
	defer wrap(&opErr, "update sharing")
	var v troupe.Validation
	workspace := troupe.LevelNone
	switch in.General {
	case "restricted":
	case "workspace":
		lvl, ok := troupe.ParseLevel(in.WorkspaceLevel)
		if !ok {
			v.Add("workspace_level", "invalid_level", "Choose view, comment or edit.")
		}
		workspace = lvl
	default:
		v.Add("general_access", "invalid", "Choose restricted or workspace.")
	}
	if len(in.Shares) > troupe.MaxShares {
		v.Add("shares", "too_many", fmt.Sprintf("Share with at most %d people one by one; use workspace access for more.", troupe.MaxShares))
	}
	shares := map[string]troupe.Level{}
	for i, s := range in.Shares {
		field := fmt.Sprintf("shares[%d]", i)
		lvl, ok := troupe.ParseLevel(s.Level)
		if !ok {
			v.Add(field+".level", "invalid_level", "Choose view, comment or edit.")
		}
		if _, dup := shares[s.UserID]; dup {
			v.Add(field+".user_id", "duplicate", "This person is listed twice.")
		}
		shares[s.UserID] = lvl
	}
	if err := v.Err(); err != nil {
		return Sharing{}, err
	}
	var out Sharing
	err := a.db.Tx(ctx, func(tx *store.Tx) error {
		it, err := a.changeable(ctx, tx, actor, id, canShare, "You need edit access to share this item.")
		if err != nil {
			return err
		}
		var v troupe.Validation
		members := map[string]troupe.Member{}
		for i, s := range in.Shares {
			m, err := tx.FindMember(ctx, it.WorkspaceID, s.UserID)
			if troupe.ErrorCode(err) == troupe.CodeNotFound {
				v.Add(fmt.Sprintf("shares[%d].user_id", i), "not_member", "Items can only be shared with members of the workspace.")
				continue
			}
			if err != nil {
				return err
			}
			members[s.UserID] = m
		}
		if err := v.Err(); err != nil {
			return err
		}
		// The owner always has edit; a share to them would say nothing.
		delete(shares, it.OwnerID)
		before, err := tx.ListShares(ctx, id, false)
		if err != nil {
			return err
		}
		added, err := tx.SetSharing(ctx, id, workspace, shares, a.now())
		if err != nil {
			return err
		}
		slices.Sort(added)
		for _, userID := range added {
			if err := a.tellShared(ctx, tx, actor, it, members[userID], shares[userID]); err != nil {
				return err
			}
		}
		if err := a.audit(ctx, tx, it.WorkspaceID, actor, "sharing.update", id, sharingChange(it, before, workspace, shares), c); err != nil {
			return err
		}
		it.Workspace = workspace
		out, err = a.sharingOf(ctx, &tx.Queries, actor, it.role, it)
		return err
	})
	return out, err
}

// tellShared notifies m, in the panel and by mail, that actor shared it.
func (a *App) tellShared(ctx context.Context, tx *store.Tx, actor troupe.User, it ItemView, m troupe.Member, level troupe.Level) error {
	path := paths.Item(it.WorkspaceID, it.ID)
	if err := a.notify(ctx, tx, m.User.ID, it.WorkspaceID, NoteItemShared, it.ID,
		map[string]string{"name": actor.Name, "item": it.Name, "level": level.String(), "path": path}); err != nil {
		return err
	}
	return a.mailMember(ctx, tx, m.User, mail.Email{Kind: NoteItemShared, Lang: mailLang(m.User.Locale, Client{}),
		Path: path, Params: []any{"name", actor.Name, "item", it.Name}})
}

// sharingChange describes a sharing change for the audit log.
func sharingChange(it ItemView, before []troupe.Share, workspace troupe.Level, after map[string]troupe.Level) string {
	var parts []string
	if workspace != it.Workspace {
		parts = append(parts, fmt.Sprintf("general=%s:%s", troupe.GeneralAccess(workspace), workspace))
	}
	had := map[string]troupe.Level{}
	for _, s := range before {
		had[s.UserID] = s.Level
		if _, ok := after[s.UserID]; !ok {
			parts = append(parts, "-"+s.UserID)
		}
	}
	ids := make([]string, 0, len(after))
	for id := range after {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	for _, id := range ids {
		if old, ok := had[id]; !ok || old != after[id] {
			parts = append(parts, fmt.Sprintf("+%s:%s", id, after[id]))
		}
	}
	return strings.Join(parts, " ")
}

// AccessReason is one reason a user has access to an item.
type AccessReason struct {
	// Kind is "super_admin", "owner", "share" or "workspace".
	Kind  string
	Level troupe.Level
	// ItemID and ItemName name the item or folder the reason sits on;
	// Inherited is set when it is a folder above the item.
	ItemID    string
	ItemName  string
	Inherited bool
}

// PermissionsView is what a user may do with an item, and why.
type PermissionsView struct {
	UserID string
	Role   troupe.Role
	troupe.Permissions
	Reasons []AccessReason
}

// ItemPermissions explains the actor's access to an item, or, for Super
// Admins of its workspace, userID's. It reads everything in one query and
// applies troupe.EffectiveAccess, the plain rule, to the item's chain.
func (a *App) ItemPermissions(ctx context.Context, actor troupe.User, id, userID string) (_ PermissionsView, opErr error) {
	defer wrap(&opErr, "item permissions")
	q := a.db.Read()
	target := userID
	if target == "" {
		target = actor.ID
	}
	c, err := q.FindItemChain(ctx, id, actor.ID, target)
	if troupe.ErrorCode(err) == troupe.CodeNotFound {
		return PermissionsView{}, errNoItem
	}
	if err != nil {
		return PermissionsView{}, err
	}
	if actor.TokenWorkspace != "" && actor.TokenWorkspace != c.WorkspaceID {
		return PermissionsView{}, errNoItem
	}
	role := c.UserRole
	if target != actor.ID && !c.ActorRole.CanCheckAccessOfOthers() {
		// Whether the item exists for the actor decides between the answers.
		if _, _, err := a.access(ctx, q, actor, id); err != nil {
			return PermissionsView{}, err
		}
		return PermissionsView{}, troupe.Errorf(troupe.CodeForbidden, "Only a Super Admin can check another member's access.")
	}
	chain := make([]troupe.ItemSharing, len(c.Chain))
	for i, src := range c.Chain {
		chain[i] = troupe.ItemSharing{OwnerID: src.OwnerID, Workspace: src.Workspace, Shares: map[string]troupe.Level{target: src.Share}}
	}
	level := troupe.EffectiveAccess(target, role, chain)
	perms := troupe.ItemPermissions(role, level, c.OwnerID == target)
	inTrashForThem := c.Trashed && !perms.CanDelete
	if target == actor.ID && (!perms.CanView || inTrashForThem) {
		return PermissionsView{}, errNoItem
	}
	if inTrashForThem {
		// A trashed item is seen only in the trash, by those who may
		// restore it: for everyone else it is gone, as their own GET says.
		return PermissionsView{UserID: target, Role: role, Reasons: []AccessReason{{Kind: "trash"}}}, nil
	}
	return explain(c.Chain, target, role, perms), nil
}

// explain lists the reasons behind perms: Super Admin, then each owner,
// share and workspace level on the item and the folders above it.
func explain(chain []store.AccessSource, userID string, role troupe.Role, perms troupe.Permissions) PermissionsView {
	out := PermissionsView{UserID: userID, Role: role, Permissions: perms}
	if !role.Valid() {
		return out
	}
	if role == troupe.RoleSuperAdmin {
		out.Reasons = append(out.Reasons, AccessReason{Kind: "super_admin", Level: troupe.LevelEdit})
	}
	for _, s := range chain {
		at := AccessReason{ItemID: s.ItemID, ItemName: s.ItemName, Inherited: s.Depth > 0}
		if s.OwnerID == userID {
			r := at
			r.Kind, r.Level = "owner", roleCap(role, troupe.LevelEdit)
			out.Reasons = append(out.Reasons, r)
		}
		if s.Share > troupe.LevelNone {
			r := at
			r.Kind, r.Level = "share", roleCap(role, s.Share)
			out.Reasons = append(out.Reasons, r)
		}
		if s.Workspace > troupe.LevelNone {
			r := at
			r.Kind, r.Level = "workspace", roleCap(role, s.Workspace)
			out.Reasons = append(out.Reasons, r)
		}
	}
	return out
}

// roleCap is what level l gives someone with role: Viewers stay at
// comment.
func roleCap(role troupe.Role, l troupe.Level) troupe.Level {
	if role == troupe.RoleViewer {
		return min(l, troupe.ViewerCap)
	}
	return l
}

// summarize fills the access summaries of views, items that reader v
// (with role) may see, in one query whatever their number. Folders above
// are named only to a reader who may open them.
func (a *App) summarize(ctx context.Context, q *store.Queries, v store.Viewer, role troupe.Role, views []ItemView) error {
	ids := make([]string, len(views))
	for i, it := range views {
		ids[i] = it.ID
	}
	chains, err := q.ListAccessChains(ctx, v, ids)
	if err != nil {
		return err
	}
	fillSummaries(views, chains, role)
	return nil
}

// fillSummaries sets each view's access summary from its chain.
func fillSummaries(views []ItemView, chains map[string]store.AccessChain, role troupe.Role) {
	for i := range views {
		c := chains[views[i].ID]
		for j := range c.Steps {
			c.Steps[j].Open = troupe.Access(role, c.Grants[j]) >= troupe.LevelView
		}
		views[i].Access = troupe.SummarizeAccess(c.Steps, c.People, c.Public)
	}
}

// What a refused action on an item lacks (troupe.Refusal.Need).
const (
	needEdit  = "edit"
	needOwner = "owner"
	needRole  = "role"
)

// refuse is the refusal of an action on it that the actor's access does
// not allow, saying whom to ask: the owner for edit access, or, when the
// actor's role is what stands in the way, a Super Admin.
func refuse(it ItemView, need, message string) error {
	if !it.role.CanCreateContent() {
		return refuseRole(message)
	}
	e := troupe.Errorf(troupe.CodeForbidden, "%s", message)
	e.Refusal = &troupe.Refusal{Need: need, Owner: it.OwnerName}
	switch need {
	case needEdit:
		e.Message += fmt.Sprintf(" Ask %s for edit access.", it.OwnerName)
	case needOwner:
		e.Message += fmt.Sprintf(" Ask %s, who owns it, or a Super Admin.", it.OwnerName)
	}
	return e
}

// refuseRole refuses what the actor's role does not allow, whatever the
// sharing says.
func refuseRole(message string) error {
	e := troupe.Errorf(troupe.CodeForbidden, "%s Ask a Super Admin of the workspace for another role.", message)
	e.Refusal = &troupe.Refusal{Need: needRole}
	return e
}

// MayEdit returns nil when the actor may edit it, else the refusal the
// change would get, saying whom to ask: pages use it to render no form
// that could only be refused.
func (it ItemView) MayEdit() error {
	if it.Permissions.CanEdit {
		return nil
	}
	return refuse(it, needEdit, "You can view this item but not edit it.")
}

// MayCreate returns nil when the actor may create content in folder
// parentID of a workspace (its root when empty), else the refusal
// creating there would get.
func (a *App) MayCreate(ctx context.Context, actor troupe.User, workspaceID, parentID string) (opErr error) {
	defer wrap(&opErr, "may create")
	return a.mayCreateMedia(ctx, actor, workspaceID, NewMedia{ParentID: parentID})
}
