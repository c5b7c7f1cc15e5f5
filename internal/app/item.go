package app

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"troupe/internal/store"
	"troupe/internal/troupe"
)

// ItemView is an item as the actor sees it: with the owner's name and
// what the actor may do with it.
type ItemView struct {
	troupe.Item
	OwnerName string
	// TrashRoot is set on an item that was itself put in the trash (not
	// only the folder around it).
	TrashRoot   bool
	Permissions troupe.Permissions
	// Access sums up who can reach the item; GetItem, the lists and the
	// sharing fill it.
	Access troupe.AccessSummary
	// Approval is the item's approval request as the actor sees it;
	// GetItem fills it, lists carry only Item.ApprovalStatus.
	Approval *ApprovalView

	// role is the actor's role in the item's workspace, for refusals.
	role troupe.Role
}

var errNoItem = troupe.Errorf(troupe.CodeNotFound, "This item does not exist or you do not have access to it.")

// access is the one gate of content: it loads item id with the level the
// actor has over it (troupe.Access over the grant the database computed)
// and fails with not_found unless the actor may view it. A trashed item
// is visible only to those who may restore it.
func (a *App) access(ctx context.Context, q *store.Queries, actor troupe.User, id string) (ItemView, troupe.Role, error) {
	r, role, err := q.FindItemAccess(ctx, id, actor.ID)
	if troupe.ErrorCode(err) == troupe.CodeNotFound {
		return ItemView{}, "", errNoItem
	}
	if err != nil {
		return ItemView{}, "", err
	}
	if actor.TokenWorkspace != "" && actor.TokenWorkspace != r.WorkspaceID {
		return ItemView{}, "", errNoItem
	}
	// A member past the grace for a required second factor, read with the
	// item in the same query.
	if role != "" && !actor.TwoFactor && !r.TwoFactorDeadline.IsZero() && !a.now().Before(r.TwoFactorDeadline) {
		return ItemView{}, "", errTwoFactorRequired
	}
	v := viewOf(r, role, actor.ID)
	if !v.Permissions.CanView || (v.TrashedAt != nil && !v.Permissions.CanDelete) {
		return ItemView{}, "", errNoItem
	}
	return v, role, nil
}

func viewOf(r store.ItemRow, role troupe.Role, userID string) ItemView {
	level := troupe.Access(role, r.Grant)
	return ItemView{Item: r.Item, OwnerName: r.OwnerName, TrashRoot: r.TrashRoot,
		Permissions: troupe.ItemPermissions(role, level, r.OwnerID == userID), role: role}
}

func viewsOf(rows []store.ItemRow, role troupe.Role, userID string) []ItemView {
	out := make([]ItemView, len(rows))
	for i, r := range rows {
		out[i] = viewOf(r, role, userID)
	}
	return out
}

func viewerOf(m troupe.Member) store.Viewer {
	return viewerAs(m.User, m.Role)
}

// viewerAs is whom a list or summary is computed for: u, with role.
func viewerAs(u troupe.User, role troupe.Role) store.Viewer {
	return store.Viewer{UserID: u.ID, All: role == troupe.RoleSuperAdmin}
}

// GetItem returns an item with its draft text.
func (a *App) GetItem(ctx context.Context, actor troupe.User, id string) (_ ItemView, opErr error) {
	defer wrap(&opErr, "get item")
	q := a.db.Read()
	v, role, err := a.access(ctx, q, actor, id)
	if err != nil {
		return ItemView{}, err
	}
	if err := withRenditions(ctx, q, &v.Item); err != nil {
		return ItemView{}, err
	}
	approval, err := a.approvalOf(ctx, q, actor, v)
	if err != nil {
		return ItemView{}, err
	}
	v.Approval = &approval
	views := []ItemView{v}
	err = a.summarize(ctx, q, viewerAs(actor, role), role, views)
	return views[0], err
}

// NewItem describes an item to create. Media items come through
// CreateMedia.
type NewItem struct {
	Kind     troupe.Kind
	Name     string
	ParentID string
	Script   string
	Document string
}

func validateDraft(v *troupe.Validation, script, document *string) {
	if script != nil && (utf8.RuneCountInString(*script) > troupe.MaxScript || !utf8.ValidString(*script)) {
		v.Add("script", "too_long", "The script is too long: keep it under 200,000 characters.")
	}
	if document == nil {
		return
	}
	if len(*document) > troupe.MaxDocument {
		v.Add("document", "too_long", "The document is larger than 1 MB.")
		return
	}
	var doc any
	if err := json.Unmarshal([]byte(*document), &doc); err != nil {
		v.Add("document", "invalid_json", "The document must be valid JSON.")
	}
}

// placeIn checks that the actor (member m) may create an item in folder
// parentID (the root when empty): they create content, and have edit on
// the folder, which lies in the same workspace and is not in the trash.
func (a *App) placeIn(ctx context.Context, q *store.Queries, actor troupe.User, m troupe.Member, workspaceID, parentID, field string) error {
	if parentID == "" {
		return nil
	}
	parent, _, err := a.access(ctx, q, actor, parentID)
	if troupe.ErrorCode(err) == troupe.CodeNotFound || (err == nil && (parent.WorkspaceID != workspaceID || parent.TrashedAt != nil)) {
		var v troupe.Validation
		v.Add(field, "not_found", "This folder does not exist in the workspace, or you cannot see it.")
		return v.Err()
	}
	if err != nil {
		return err
	}
	if parent.Kind != troupe.KindFolder {
		var v troupe.Validation
		v.Add(field, "not_a_folder", "Items can only be put in a folder.")
		return v.Err()
	}
	if !parent.Permissions.CanEdit {
		return refuse(parent, needEdit, fmt.Sprintf("You need edit access to the folder “%s” to add items to it.", parent.Name))
	}
	return nil
}

// CreateItem creates a folder or a draft.
func (a *App) CreateItem(ctx context.Context, actor troupe.User, workspaceID string, in NewItem, c Client) (_ ItemView, opErr error) {
	defer wrap(&opErr, "create item")
	in.Name = strings.TrimSpace(in.Name)
	var v troupe.Validation
	troupe.ValidateItemName(&v, "name", in.Name)
	switch in.Kind {
	case troupe.KindFolder:
		in.Script, in.Document = "", ""
	case troupe.KindDraft:
		if in.Document == "" {
			in.Document = "{}"
		}
		validateDraft(&v, &in.Script, &in.Document)
	default:
		v.Add("kind", "invalid", "Only folders and drafts are created this way; upload media files.")
	}
	if err := v.Err(); err != nil {
		return ItemView{}, err
	}
	it := troupe.Item{ID: newID(), WorkspaceID: workspaceID, Kind: in.Kind, Name: in.Name, ParentID: in.ParentID,
		OwnerID: actor.ID, Script: in.Script, Document: in.Document, CreatedAt: a.now(), UpdatedAt: a.now()}
	err := a.db.Tx(ctx, func(tx *store.Tx) error {
		return a.insertItem(ctx, tx, actor, &it)
	})
	if err != nil {
		return ItemView{}, err
	}
	return a.GetItem(ctx, actor, it.ID)
}

// insertItem checks the actor may create it where it goes and inserts it
// with the workspace's default access.
func (a *App) insertItem(ctx context.Context, tx *store.Tx, actor troupe.User, it *troupe.Item) error {
	if err := tx.LockTree(ctx, it.WorkspaceID); err != nil {
		return err
	}
	m, can, err := a.permissions(ctx, &tx.Queries, it.WorkspaceID, actor)
	if err != nil {
		return err
	}
	if !can.CreateContent {
		return refuseRole("Viewers cannot create content.")
	}
	if err := a.placeIn(ctx, &tx.Queries, actor, m, it.WorkspaceID, it.ParentID, "parent_id"); err != nil {
		return err
	}
	s, err := tx.FindWorkspaceSettings(ctx, it.WorkspaceID)
	if err != nil {
		return err
	}
	it.Workspace = s.DefaultAccess.InitialAccess()
	if err := tx.CreateItem(ctx, *it); err != nil {
		return err
	}
	return a.emitAbout(ctx, tx, it.WorkspaceID, it.ID, troupe.EventItemCreated, itemEvent(it.ID, it.Kind, it.Name, it.ParentID, "owner_id", it.OwnerID))
}

// ItemPatch lists what to change on an item; nil stays. ParentID set to
// a pointer to "" moves the item to the workspace's root.
type ItemPatch struct {
	Name        *string
	ParentID    *string
	Script      *string
	Document    *string
	Description *string
}

// UpdateItem renames, moves or edits an item. Every change needs edit
// access; moving also needs edit on the destination folder, which must be
// in the same workspace and not inside the item itself.
func (a *App) UpdateItem(ctx context.Context, actor troupe.User, id string, p ItemPatch, c Client) (_ ItemView, opErr error) {
	defer wrap(&opErr, "update item")
	var v troupe.Validation
	if p.Name != nil {
		name := strings.TrimSpace(*p.Name)
		p.Name = &name
		troupe.ValidateItemName(&v, "name", name)
	}
	if p.Description != nil {
		desc := strings.TrimSpace(*p.Description)
		p.Description = &desc
		if utf8.RuneCountInString(desc) > troupe.MaxDescription {
			v.Add("description", "too_long", "Keep the description under 5,000 characters.")
		}
	}
	validateDraft(&v, p.Script, p.Document)
	if err := v.Err(); err != nil {
		return ItemView{}, err
	}
	var before ItemView
	err := a.db.Tx(ctx, func(tx *store.Tx) error {
		if p.ParentID != nil {
			if err := tx.LockTree(ctx, id); err != nil {
				return err
			}
		}
		it, err := a.changeable(ctx, tx, actor, id, canEdit, "You can view this item but not edit it.")
		if err != nil {
			return err
		}
		var v troupe.Validation
		if (p.Script != nil || p.Document != nil) && it.Kind != troupe.KindDraft {
			v.Add("script", "not_a_draft", "Only drafts have a script and a document.")
		}
		if p.Description != nil && !it.Kind.IsMedia() {
			v.Add("description", "not_media", "Only videos, avatars and voices have a description.")
		}
		if err := v.Err(); err != nil {
			return err
		}
		if p.ParentID != nil && *p.ParentID != it.ParentID {
			if err := a.move(ctx, tx, actor, it, *p.ParentID); err != nil {
				return err
			}
		}
		upd := store.ItemUpdate{Name: p.Name, Script: p.Script, Document: p.Document, Description: p.Description}
		before = it
		if p.Script != nil && *p.Script != it.Script || p.Document != nil && *p.Document != it.Document {
			if err := a.resetApproval(ctx, tx, actor, it, c); err != nil {
				return err
			}
		}
		if upd == (store.ItemUpdate{}) {
			return nil
		}
		return tx.UpdateItem(ctx, id, upd, a.now())
	})
	if err != nil {
		return ItemView{}, err
	}
	after, err := a.GetItem(ctx, actor, id)
	if troupe.ErrorCode(err) == troupe.CodeNotFound && p.ParentID != nil {
		// Moved out of the folder that gave the actor access: the move
		// stands, and the answer says they no longer have any.
		before.ParentID, before.Permissions = *p.ParentID, troupe.Permissions{}
		views := []ItemView{before}
		err := a.summarize(ctx, a.db.Read(), viewerAs(actor, before.role), before.role, views)
		return views[0], err
	}
	return after, err
}

// changeable loads an item for a change: the actor must see it, it must be
// out of the trash, and may(permissions) must hold.
func (a *App) changeable(ctx context.Context, tx *store.Tx, actor troupe.User, id string, may func(troupe.Permissions) bool, refusal string) (ItemView, error) {
	it, _, err := a.access(ctx, &tx.Queries, actor, id)
	if err != nil {
		return ItemView{}, err
	}
	if it.TrashedAt != nil {
		return ItemView{}, troupe.Errorf(troupe.CodeItemTrashed, "This item is in the trash: restore it first.")
	}
	if !may(it.Permissions) {
		return it, refuse(it, needEdit, refusal)
	}
	return it, nil
}

// deletable locks the workspace's tree and loads an item the actor may
// move to the trash or restore (Super Admins any, Developers and Creators
// their own).
func (a *App) deletable(ctx context.Context, tx *store.Tx, actor troupe.User, id, refusal string) (ItemView, error) {
	if err := tx.LockTree(ctx, id); err != nil {
		return ItemView{}, err
	}
	it, _, err := a.access(ctx, &tx.Queries, actor, id)
	if err != nil {
		return ItemView{}, err
	}
	if !it.Permissions.CanDelete {
		return it, refuse(it, needOwner, refusal)
	}
	return it, nil
}

func canEdit(p troupe.Permissions) bool  { return p.CanEdit }
func canShare(p troupe.Permissions) bool { return p.CanShare }

func (a *App) move(ctx context.Context, tx *store.Tx, actor troupe.User, it ItemView, parentID string) error {
	m, err := a.membership(ctx, &tx.Queries, it.WorkspaceID, actor)
	if err != nil {
		return err
	}
	if err := a.placeIn(ctx, &tx.Queries, actor, m, it.WorkspaceID, parentID, "parent_id"); err != nil {
		return err
	}
	if parentID != "" {
		inside, err := tx.IsInside(ctx, parentID, it.ID)
		if err != nil {
			return err
		}
		if inside {
			var v troupe.Validation
			v.Add("parent_id", "cycle", "A folder cannot be moved into itself or into a folder inside it.")
			return v.Err()
		}
	}
	return tx.MoveItem(ctx, it.ID, parentID, a.now())
}

// TrashItem puts an item (a folder with everything in it) in the trash
// for troupe.TrashRetention. Super Admins may trash any item, Developers
// and Creators their own.
func (a *App) TrashItem(ctx context.Context, actor troupe.User, id string, c Client) (opErr error) {
	defer wrap(&opErr, "trash item")
	return a.db.Tx(ctx, func(tx *store.Tx) error {
		it, err := a.deletable(ctx, tx, actor, id, "Only the item's owner or a Super Admin can move it to the trash.")
		if err != nil {
			return err
		}
		if it.TrashedAt != nil {
			return troupe.Errorf(troupe.CodeItemTrashed, "This item is already in the trash.")
		}
		if err := tx.TrashItem(ctx, id, actor.ID, a.now()); err != nil {
			return err
		}
		return a.emitAbout(ctx, tx, it.WorkspaceID, it.ID, troupe.EventItemTrashed, itemEvent(it.ID, it.Kind, it.Name, it.ParentID, "trashed_by", actor.ID))
	})
}

// RestoreItem takes an item out of the trash, with what went there with
// it. When the folder it was in is itself in the trash, it comes back at
// the workspace's root.
func (a *App) RestoreItem(ctx context.Context, actor troupe.User, id string, c Client) (_ ItemView, opErr error) {
	defer wrap(&opErr, "restore item")
	err := a.db.Tx(ctx, func(tx *store.Tx) error {
		it, err := a.deletable(ctx, tx, actor, id, "Only the item's owner or a Super Admin can restore it.")
		if err != nil {
			return err
		}
		if !it.TrashRoot {
			if it.TrashedAt != nil {
				return troupe.Errorf(troupe.CodeItemTrashed, "This item is in a folder that is in the trash: restore the folder.")
			}
			return troupe.Errorf(troupe.CodeConflict, "This item is not in the trash.")
		}
		if err := tx.RestoreItem(ctx, id); err != nil {
			return err
		}
		if it.ParentID == "" {
			return nil
		}
		parent, _, err := tx.FindItemAccess(ctx, it.ParentID, actor.ID)
		if err != nil {
			return err
		}
		if parent.TrashedAt != nil {
			return tx.MoveItem(ctx, id, "", a.now())
		}
		return nil
	})
	if err != nil {
		return ItemView{}, err
	}
	return a.GetItem(ctx, actor, id)
}

// ItemQuery selects a list of items.
type ItemQuery struct {
	ParentID string
	Kind     troupe.Kind
	// Search, when set, finds items by name anywhere in the workspace.
	Search string
	Cursor string
	Limit  int
}

func (q ItemQuery) filter(workspaceID string) (store.ItemFilter, error) {
	if q.Kind != "" && !q.Kind.Valid() {
		var v troupe.Validation
		v.Add("kind", "invalid", "Choose folder, draft, video, avatar or voice.")
		return store.ItemFilter{}, v.Err()
	}
	return store.ItemFilter{WorkspaceID: workspaceID, Kind: q.Kind, Cursor: q.Cursor, Limit: pageSize(q.Limit)}, nil
}

// ListItems lists a folder's content (the root's when ParentID is empty),
// or searches by name. Only what the actor may view is listed.
func (a *App) ListItems(ctx context.Context, actor troupe.User, workspaceID string, iq ItemQuery) (_ []ItemView, _ string, opErr error) {
	defer wrap(&opErr, "list items")
	search := strings.TrimSpace(iq.Search)
	return a.listFor(ctx, actor, workspaceID, iq, func(q *store.Queries, m troupe.Member, f store.ItemFilter) ([]store.ItemRow, string, error) {
		switch {
		case search != "":
			return q.ListVisible(ctx, viewerOf(m), search, f)
		case iq.ParentID != "":
			parent, _, err := a.access(ctx, q, actor, iq.ParentID)
			if err != nil {
				return nil, "", err
			}
			if parent.WorkspaceID != workspaceID || parent.Kind != troupe.KindFolder || parent.TrashedAt != nil {
				return nil, "", errNoItem
			}
			return q.ListChildren(ctx, viewerOf(m), iq.ParentID, parent.Permissions.Level, f)
		}
		return q.ListChildren(ctx, viewerOf(m), "", troupe.LevelNone, f)
	})
}

// ListRecent lists the items the actor may view, most recently updated first.
func (a *App) ListRecent(ctx context.Context, actor troupe.User, workspaceID string, iq ItemQuery) (_ []ItemView, _ string, opErr error) {
	defer wrap(&opErr, "list recent")
	return a.listFor(ctx, actor, workspaceID, iq, func(q *store.Queries, m troupe.Member, f store.ItemFilter) ([]store.ItemRow, string, error) {
		return q.ListVisible(ctx, viewerOf(m), "", f)
	})
}

// ListSharedWithMe lists the items shared with the actor by name (not
// those they own), most recently shared first.
func (a *App) ListSharedWithMe(ctx context.Context, actor troupe.User, workspaceID string, iq ItemQuery) (_ []ItemView, _ string, opErr error) {
	defer wrap(&opErr, "list shared with me")
	return a.listFor(ctx, actor, workspaceID, iq, func(q *store.Queries, m troupe.Member, f store.ItemFilter) ([]store.ItemRow, string, error) {
		return q.ListSharedWith(ctx, m.User.ID, f)
	})
}

// ListTrash lists the trash: every entry for Super Admins, the actor's
// own items for others.
func (a *App) ListTrash(ctx context.Context, actor troupe.User, workspaceID string, iq ItemQuery) (_ []ItemView, _ string, opErr error) {
	defer wrap(&opErr, "list trash")
	return a.listFor(ctx, actor, workspaceID, iq, func(q *store.Queries, m troupe.Member, f store.ItemFilter) ([]store.ItemRow, string, error) {
		if !m.Role.CanCreateContent() {
			return nil, "", nil
		}
		return q.ListTrash(ctx, viewerOf(m), f)
	})
}

func (a *App) listFor(ctx context.Context, actor troupe.User, workspaceID string, iq ItemQuery,
	list func(*store.Queries, troupe.Member, store.ItemFilter) ([]store.ItemRow, string, error)) ([]ItemView, string, error) {
	q := a.db.Read()
	m, err := a.membership(ctx, q, workspaceID, actor)
	if err != nil {
		return nil, "", err
	}
	f, err := iq.filter(workspaceID)
	if err != nil {
		return nil, "", err
	}
	rows, next, err := list(q, m, f)
	if err != nil {
		return nil, "", err
	}
	// The chains give each row's grant (the lists that leave it to them
	// need not read the folders above twice) and its access summary.
	ids := make([]string, len(rows))
	for i, r := range rows {
		ids[i] = r.ID
	}
	chains, err := q.ListAccessChains(ctx, viewerOf(m), ids)
	if err != nil {
		return nil, "", err
	}
	for i := range rows {
		if g := chains[rows[i].ID].Grants; len(g) > 0 {
			rows[i].Grant = max(rows[i].Grant, g[0])
		}
	}
	views := viewsOf(rows, m.Role, actor.ID)
	fillSummaries(views, chains, m.Role)
	return views, next, nil
}

// VisibleQuery narrows the complete set of items a member may see.
type VisibleQuery struct {
	Kind  troupe.Kind
	Since time.Time // only items updated after it; zero for all
}

// EachVisibleItem calls fn with every item of the workspace the actor may
// see (the trash left out), in no particular order, as the database
// returns them: the same rule as every check (troupe.Access over the
// grants), computed once for the whole set. An error from fn stops it.
func (a *App) EachVisibleItem(ctx context.Context, actor troupe.User, workspaceID string, vq VisibleQuery, fn func(ItemView) error) (opErr error) {
	defer wrap(&opErr, "each visible item")
	if vq.Kind != "" && !vq.Kind.Valid() {
		var v troupe.Validation
		v.Add("kind", "invalid", "Choose folder, draft, video, avatar or voice.")
		return v.Err()
	}
	q := a.db.Read()
	m, err := a.membership(ctx, q, workspaceID, actor)
	if err != nil {
		return err
	}
	f := store.VisibleFilter{WorkspaceID: workspaceID, Kind: vq.Kind, Since: vq.Since}
	return q.EachVisible(ctx, viewerOf(m), f, func(r store.ItemRow) error {
		v := viewOf(r, m.Role, actor.ID)
		if !v.Permissions.CanView {
			return nil
		}
		return fn(v)
	})
}

// Breadcrumbs returns the folders above an item that the actor may open,
// from the root down; the path stops at the first one they cannot see.
func (a *App) Breadcrumbs(ctx context.Context, actor troupe.User, id string) (_ []ItemView, opErr error) {
	defer wrap(&opErr, "breadcrumbs")
	q := a.db.Read()
	if _, _, err := a.access(ctx, q, actor, id); err != nil {
		return nil, err
	}
	rows, err := q.Ancestors(ctx, id)
	if err != nil {
		return nil, err
	}
	var out []ItemView
	for _, r := range rows {
		v, _, err := a.access(ctx, q, actor, r.ID)
		if err != nil {
			out = nil // the path restarts below a folder the actor cannot see
			continue
		}
		out = append(out, v)
	}
	return out, nil
}
