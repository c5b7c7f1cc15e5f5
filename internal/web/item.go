package web

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"path"
	"strings"
	"time"

	"troupe/internal/app"
	"troupe/internal/paths"
	"troupe/internal/troupe"
)

var errNoItemHere = troupe.Errorf(troupe.CodeNotFound, "This item does not exist or you do not have access to it.")

// itemOf loads the item of the URL for the user; an item of another
// workspace is not found here.
func (s *Server) itemOf(r *http.Request, u troupe.User, v *view) (app.ItemView, error) {
	it, err := s.app.GetItem(r.Context(), u, r.PathValue("id"))
	if err != nil {
		return app.ItemView{}, err
	}
	if it.WorkspaceID != v.Workspace.ID {
		return app.ItemView{}, errNoItemHere
	}
	return it, nil
}

// itemURL is the page of an item: a folder's content, or the item itself.
func itemURL(it app.ItemView) string {
	if it.Kind == troupe.KindFolder {
		return paths.Folder(it.WorkspaceID, it.ID)
	}
	return paths.Item(it.WorkspaceID, it.ID)
}

// folderURL is the page of folder id, the workspace's home for the root.
func folderURL(wsID, id string) string {
	if id == "" {
		return paths.Workspace(wsID)
	}
	return paths.Folder(wsID, id)
}

// --- Lists ------------------------------------------------------------------

// contentPage is a list of items: a folder's content (the root's on the
// workspace's home), what is shared with the user, recent items, the
// trash or search results.
type contentPage struct {
	Section string // home, folder, shared, recent, trash, search
	// Folder is the open folder, with the folders above it.
	Folder *app.ItemView
	Crumbs []app.ItemView
	Items  []app.ItemView
	Query  string
	// Grid shows cards rather than rows; ListURL and GridURL switch.
	Grid             bool
	ListURL, GridURL string
	NextURL          string
	FirstURL         string
	// Here is the page, for forms to come back to.
	Here string
	// Invitations are the user's pending invitations, on home.
	Invitations []invitationInfo
	// Awaiting are the items waiting for the user's review, on home.
	Awaiting []app.ItemView
}

// viewCookie remembers whether content shows as a list or a grid.
const viewCookie = "troupe_view"

// layoutChoice reads ?view=list|grid, remembering it, else the last choice.
func (s *Server) layoutChoice(w http.ResponseWriter, r *http.Request) bool {
	switch r.URL.Query().Get("view") {
	case "grid", "list":
		choice := r.URL.Query().Get("view")
		s.setCookie(w, r, &http.Cookie{Name: viewCookie, Value: choice, Path: "/", HttpOnly: true,
			SameSite: http.SameSiteLaxMode, MaxAge: 365 * 24 * 3600})
		return choice == "grid"
	}
	c, err := r.Cookie(viewCookie)
	return err == nil && c.Value == "grid"
}

// withQuery returns path with the query values that are not empty.
func withQuery(path string, kv ...string) string {
	q := url.Values{}
	for i := 0; i+1 < len(kv); i += 2 {
		if kv[i+1] != "" {
			q.Set(kv[i], kv[i+1])
		}
	}
	if len(q) == 0 {
		return path
	}
	return path + "?" + q.Encode()
}

// showList fetches one page of a list and renders it.
func (s *Server) showList(w http.ResponseWriter, r *http.Request, u troupe.User, v *view, p *contentPage, q app.ItemQuery, fetch itemLister) error {
	q.Cursor = r.URL.Query().Get("cursor")
	items, next, err := fetch(r.Context(), u, v.Workspace.ID, q)
	if err != nil {
		return err
	}
	path := r.URL.Path
	p.Items = items
	p.Here = withQuery(path, "q", p.Query, "cursor", q.Cursor)
	p.Grid = s.layoutChoice(w, r)
	p.ListURL = withQuery(path, "q", p.Query, "view", "list")
	p.GridURL = withQuery(path, "q", p.Query, "view", "grid")
	if next != "" {
		p.NextURL = withQuery(path, "q", p.Query, "cursor", next)
	}
	if q.Cursor != "" {
		p.FirstURL = withQuery(path, "q", p.Query)
	}
	s.showContent(w, r, v, p)
	return nil
}

// showContent renders a list, its New menu creating items in the open
// folder (the root for lists of no folder).
func (s *Server) showContent(w http.ResponseWriter, r *http.Request, v *view, p *contentPage) {
	v.newIn = newPlace{Back: p.Here}
	if p.Folder != nil {
		v.newIn.ParentID, v.newIn.Closed = p.Folder.ID, !p.Folder.Permissions.CanEdit
	}
	show(s, w, r, http.StatusOK, "content", v, p)
}

// pageWorkspaceHome is the workspace's root folder, with the user's
// pending invitations to other workspaces above it.
func (s *Server) pageWorkspaceHome(w http.ResponseWriter, r *http.Request, u troupe.User, v *view) error {
	home, err := s.loadHome(r, u)
	if err != nil {
		return err
	}
	awaiting, err := s.app.AwaitingReview(r.Context(), u, v.Workspace.ID)
	if err != nil {
		return err
	}
	p := &contentPage{Section: "home", Invitations: home.Invitations, Awaiting: awaiting}
	return s.showList(w, r, u, v, p, app.ItemQuery{}, s.app.ListItems)
}

func (s *Server) pageFolder(w http.ResponseWriter, r *http.Request, u troupe.User, v *view) error {
	f, err := s.itemOf(r, u, v)
	if err != nil {
		return err
	}
	if f.Kind != troupe.KindFolder {
		http.Redirect(w, r, itemURL(f), http.StatusSeeOther)
		return nil
	}
	crumbs, err := s.app.Breadcrumbs(r.Context(), u, f.ID)
	if err != nil {
		return err
	}
	p := &contentPage{Section: "folder", Folder: &f, Crumbs: crumbs}
	return s.showList(w, r, u, v, p, app.ItemQuery{ParentID: f.ID}, s.app.ListItems)
}

func (s *Server) pageShared(w http.ResponseWriter, r *http.Request, u troupe.User, v *view) error {
	return s.showList(w, r, u, v, &contentPage{Section: "shared"}, app.ItemQuery{}, s.app.ListSharedWithMe)
}

func (s *Server) pageRecent(w http.ResponseWriter, r *http.Request, u troupe.User, v *view) error {
	return s.showList(w, r, u, v, &contentPage{Section: "recent"}, app.ItemQuery{}, s.app.ListRecent)
}

func (s *Server) pageTrash(w http.ResponseWriter, r *http.Request, u troupe.User, v *view) error {
	return s.showList(w, r, u, v, &contentPage{Section: "trash"}, app.ItemQuery{}, s.app.ListTrash)
}

func (s *Server) pageSearch(w http.ResponseWriter, r *http.Request, u troupe.User, v *view) error {
	query := strings.TrimSpace(r.URL.Query().Get("q"))
	p := &contentPage{Section: "search", Query: query}
	if query == "" {
		p.Here = r.URL.Path
		s.showContent(w, r, v, p)
		return nil
	}
	return s.showList(w, r, u, v, p, app.ItemQuery{Search: query}, s.app.ListItems)
}

// --- Creating: folders, drafts, uploads --------------------------------------

// newPage is the form that creates a folder or a draft, or uploads a file.
type newPage struct {
	Kind troupe.Kind
	// Parent is the folder it goes in; nil at the root.
	Parent *app.ItemView
	Back   string
	// Kinds are the kinds an upload may be, for its select.
	Kinds []troupe.Kind
}

// newTarget reads the kind and the destination of a new item. A folder
// that cannot be opened is the page's error; whether the user may create
// in it is the app's decision when the form is sent.
func (s *Server) newTarget(r *http.Request, u troupe.User, v *view, kind, parentID, back string) (*newPage, error) {
	p := &newPage{Kind: troupe.Kind(kind), Kinds: []troupe.Kind{troupe.KindVideo, troupe.KindAvatar, troupe.KindVoice}}
	if parentID != "" {
		it, err := s.app.GetItem(r.Context(), u, parentID)
		if err != nil {
			return nil, err
		}
		if it.WorkspaceID != v.Workspace.ID {
			return nil, errNoItemHere
		}
		p.Parent = &it
	}
	p.Back = nextParam(back)
	if p.Back == "" {
		p.Back = folderURL(v.Workspace.ID, parentID)
	}
	return p, nil
}

// creatable is newTarget for the form's first showing: a form that could
// only be refused (a Viewer's, or in a folder the user cannot edit) is not
// rendered, and the refusal says whom to ask instead.
func (s *Server) creatable(r *http.Request, u troupe.User, v *view, kind, parentID, back string) (*newPage, error) {
	p, err := s.newTarget(r, u, v, kind, parentID, back)
	if err != nil {
		return nil, err
	}
	// A destination that is no folder is explained when the form is sent.
	if err := s.app.MayCreate(r.Context(), u, v.Workspace.ID, parentID); err != nil && troupe.ErrorCode(err) != troupe.CodeValidation {
		return nil, err
	}
	return p, nil
}

func (s *Server) pageNew(w http.ResponseWriter, r *http.Request, u troupe.User, v *view) error {
	q := r.URL.Query()
	kind := q.Get("kind")
	if kind != string(troupe.KindDraft) {
		kind = string(troupe.KindFolder)
	}
	p, err := s.creatable(r, u, v, kind, q.Get("parent"), q.Get("back"))
	if err != nil {
		return err
	}
	show(s, w, r, http.StatusOK, "new_item", v, p)
	return nil
}

func (s *Server) pageNewPost(w http.ResponseWriter, r *http.Request, u troupe.User, v *view) error {
	f := r.PostForm
	kind := troupe.Kind(f.Get("kind"))
	it, err := s.app.CreateItem(r.Context(), u, v.Workspace.ID, app.NewItem{Kind: kind, Name: f.Get("name"), ParentID: f.Get("parent_id")}, s.client(r))
	if err != nil {
		if pageLevel(err) {
			return err
		}
		p, perr := s.newTarget(r, u, v, string(kind), f.Get("parent_id"), f.Get("back"))
		if perr != nil {
			return perr
		}
		v.Form["name"] = f.Get("name")
		return showForm(s, w, r, "new_item", v, p, err)
	}
	if it.Kind == troupe.KindDraft {
		s.flash(w, r, "flash.draft_created")
		http.Redirect(w, r, itemURL(it), http.StatusSeeOther)
		return nil
	}
	s.flash(w, r, "flash.folder_created")
	backTo(w, r, folderURL(v.Workspace.ID, it.ParentID))
	return nil
}

func (s *Server) pageUpload(w http.ResponseWriter, r *http.Request, u troupe.User, v *view) error {
	q := r.URL.Query()
	kind := troupe.Kind(q.Get("kind"))
	if !kind.IsMedia() {
		kind = troupe.KindVideo
	}
	p, err := s.creatable(r, u, v, string(kind), q.Get("parent"), q.Get("back"))
	if err != nil {
		return err
	}
	show(s, w, r, http.StatusOK, "upload", v, p)
	return nil
}

// pageUploadPost streams a plain-form upload: its fields come first (the
// form puts the file last), then the file goes to the media store as it
// arrives, as through the API.
func (s *Server) pageUploadPost(w http.ResponseWriter, r *http.Request, u troupe.User, v *view) error {
	form, err := readUpload(r, troupe.KindVideo)
	if err != nil {
		return err
	}
	in, back := form.Media, form.Extra["back"]
	if kind := troupe.Kind(form.Extra["kind"]); kind != "" {
		in.Kind = kind
	}
	if in.File == nil {
		var val troupe.Validation
		val.Add("file", "required", "Choose a file to upload.")
		return s.uploadFailed(w, r, u, v, in, back, val.Err())
	}
	it, err := s.app.CreateMedia(r.Context(), u, v.Workspace.ID, in, s.client(r))
	if err != nil {
		return s.uploadFailed(w, r, u, v, in, back, err)
	}
	s.flash(w, r, "flash.uploaded")
	http.Redirect(w, r, itemURL(it), http.StatusSeeOther)
	return nil
}

func (s *Server) uploadFailed(w http.ResponseWriter, r *http.Request, u troupe.User, v *view, in app.NewMedia, back string, err error) error {
	if troupe.ErrorCode(err) == troupe.CodeForbidden {
		return err
	}
	kind := in.Kind
	if !kind.IsMedia() {
		kind = troupe.KindVideo
	}
	p, perr := s.newTarget(r, u, v, string(kind), in.ParentID, back)
	if perr != nil {
		return perr
	}
	v.Form["name"], v.Form["description"] = in.Name, in.Description
	// The rest of the file is not read: close the connection rather than
	// wait for it.
	w.Header().Set("Connection", "close")
	return showForm(s, w, r, "upload", v, p, err)
}

// --- Item pages -------------------------------------------------------------

// itemPage is an item's own page: a draft's editor, or a media player.
type itemPage struct {
	Item   app.ItemView
	Crumbs []app.ItemView
	// Back is the folder the item is in.
	Back string
	Here string
	// Video is what a video's page shows besides the player.
	Video *videoPanel
	// Approval is the approval box of drafts and videos.
	Approval *approvalBox
	// Comments are a video's or a draft's comments.
	Comments *commentsPanel
}

// loadItemPage loads the page of item it, whose New menu creates items
// beside it when the user may edit its folder.
func (s *Server) loadItemPage(r *http.Request, u troupe.User, v *view, it app.ItemView) (*itemPage, error) {
	crumbs, err := s.app.Breadcrumbs(r.Context(), u, it.ID)
	if err != nil {
		return nil, err
	}
	back := paths.Workspace(v.Workspace.ID)
	if len(crumbs) > 0 && crumbs[len(crumbs)-1].ID == it.ParentID {
		back = itemURL(crumbs[len(crumbs)-1])
		if crumbs[len(crumbs)-1].Permissions.CanEdit {
			v.newIn = newPlace{ParentID: it.ParentID, Back: back}
		}
	}
	p := &itemPage{Item: it, Crumbs: crumbs, Back: back, Here: itemURL(it)}
	if p.Approval, err = s.loadApprovalBox(r, u, it); err != nil {
		return nil, err
	}
	if it.Kind == troupe.KindVideo {
		if p.Video, err = s.loadVideo(r, u, it); err != nil {
			return nil, err
		}
	}
	if (it.Kind == troupe.KindVideo || it.Kind == troupe.KindDraft) && it.TrashedAt == nil {
		if p.Comments, err = s.loadComments(r, u, it, p.Here); err != nil {
			return nil, err
		}
	}
	return p, nil
}

func (s *Server) pageItem(w http.ResponseWriter, r *http.Request, u troupe.User, v *view) error {
	it, err := s.itemOf(r, u, v)
	if err != nil {
		return err
	}
	if it.Kind == troupe.KindFolder {
		http.Redirect(w, r, itemURL(it), http.StatusSeeOther)
		return nil
	}
	if it.TrashedAt != nil {
		return troupe.Errorf(troupe.CodeItemTrashed, "This item is in the trash: restore it first.")
	}
	p, err := s.loadItemPage(r, u, v, it)
	if err != nil {
		return err
	}
	if it.Kind == troupe.KindDraft {
		v.Form["name"], v.Form["script"], v.Form["document"] = it.Name, it.Script, it.Document
	} else {
		v.Form["description"] = it.Description
	}
	show(s, w, r, http.StatusOK, "item", v, p)
	return nil
}

// pageItemSave saves a draft's title, script and document, or a media
// item's description: the fields the form sent.
func (s *Server) pageItemSave(w http.ResponseWriter, r *http.Request, u troupe.User, v *view) error {
	f := r.PostForm
	p := app.ItemPatch{Name: formValue[string](f, "name"), Script: formValue[string](f, "script"),
		Document: formValue[string](f, "document"), Description: formValue[string](f, "description")}
	if p.Script != nil {
		// Browsers send text areas with CRLF line ends.
		script := strings.ReplaceAll(*p.Script, "\r\n", "\n")
		p.Script = &script
	}
	// The document is JSON typed as text: a NUL written in it as \u0000
	// is refused as the API refuses it in its JSON.
	var it app.ItemView
	err := documentText(p.Document)
	if err == nil {
		it, err = s.app.UpdateItem(r.Context(), u, r.PathValue("id"), p, s.client(r))
	}
	if err != nil {
		if pageLevel(err) || troupe.ErrorCode(err) == troupe.CodeItemTrashed {
			return err
		}
		cur, gerr := s.itemOf(r, u, v)
		if gerr != nil {
			return gerr
		}
		ip, lerr := s.loadItemPage(r, u, v, cur)
		if lerr != nil {
			return lerr
		}
		for k := range f {
			v.Form[k] = f.Get(k)
		}
		return showForm(s, w, r, "item", v, ip, err)
	}
	s.flash(w, r, "flash.item_saved")
	http.Redirect(w, r, itemURL(it), http.StatusSeeOther)
	return nil
}

// itemFormPage is a small form about one item: rename or move.
type itemFormPage struct {
	Item app.ItemView
	Back string
	// Move: the folder being browsed (nil at the root) with the path to
	// it, its folders, and the folders the user may edit.
	In       *app.ItemView
	InCrumbs []app.ItemView
	Folders  []app.ItemView
	Editable []app.ItemView
}

// itemForm loads the item of the URL and where its form comes back to.
func (s *Server) itemForm(r *http.Request, u troupe.User, v *view, back string) (*itemFormPage, error) {
	it, err := s.itemOf(r, u, v)
	if err != nil {
		return nil, err
	}
	// Renaming and moving need edit access: without it there is no form.
	if err := it.MayEdit(); err != nil {
		return nil, err
	}
	p := &itemFormPage{Item: it, Back: nextParam(back)}
	if p.Back == "" {
		p.Back = folderURL(v.Workspace.ID, it.ParentID)
	}
	return p, nil
}

func (s *Server) pageRename(w http.ResponseWriter, r *http.Request, u troupe.User, v *view) error {
	p, err := s.itemForm(r, u, v, r.URL.Query().Get("back"))
	if err != nil {
		return err
	}
	v.Form["name"] = p.Item.Name
	show(s, w, r, http.StatusOK, "rename", v, p)
	return nil
}

func (s *Server) pageRenamePost(w http.ResponseWriter, r *http.Request, u troupe.User, v *view) error {
	name := r.PostForm.Get("name")
	_, err := s.app.UpdateItem(r.Context(), u, r.PathValue("id"), app.ItemPatch{Name: &name}, s.client(r))
	if err != nil {
		if pageLevel(err) || troupe.ErrorCode(err) == troupe.CodeItemTrashed {
			return err
		}
		p, perr := s.itemForm(r, u, v, r.PostForm.Get("back"))
		if perr != nil {
			return perr
		}
		v.Form["name"] = name
		return showForm(s, w, r, "rename", v, p, err)
	}
	s.flash(w, r, "flash.item_renamed")
	backTo(w, r, paths.Workspace(v.Workspace.ID))
	return nil
}

// loadMove fills the move form: the folder browsed (in) and its folders,
// and the folders the user may edit, most recent first.
func (s *Server) loadMove(r *http.Request, u troupe.User, v *view, p *itemFormPage, in string) error {
	ctx := r.Context()
	if in != "" {
		f, err := s.app.GetItem(ctx, u, in)
		if err != nil {
			return err
		}
		if f.WorkspaceID != v.Workspace.ID || f.Kind != troupe.KindFolder {
			return errNoItemHere
		}
		if p.InCrumbs, err = s.app.Breadcrumbs(ctx, u, f.ID); err != nil {
			return err
		}
		p.In = &f
	}
	folders, _, err := s.app.ListItems(ctx, u, v.Workspace.ID, app.ItemQuery{ParentID: in, Kind: troupe.KindFolder, Limit: 100})
	if err != nil {
		return err
	}
	for _, f := range folders {
		if f.ID != p.Item.ID {
			p.Folders = append(p.Folders, f)
		}
	}
	recent, _, err := s.app.ListRecent(ctx, u, v.Workspace.ID, app.ItemQuery{Kind: troupe.KindFolder, Limit: 50})
	if err != nil {
		return err
	}
	for _, f := range recent {
		if f.Permissions.CanEdit && f.ID != p.Item.ID && f.ID != p.Item.ParentID && len(p.Editable) < 8 {
			p.Editable = append(p.Editable, f)
		}
	}
	return nil
}

func (s *Server) pageMove(w http.ResponseWriter, r *http.Request, u troupe.User, v *view) error {
	q := r.URL.Query()
	p, err := s.itemForm(r, u, v, q.Get("back"))
	if err != nil {
		return err
	}
	in := q.Get("in")
	if !q.Has("in") {
		in = p.Item.ParentID
	}
	if err := s.loadMove(r, u, v, p, in); err != nil {
		return err
	}
	show(s, w, r, http.StatusOK, "move", v, p)
	return nil
}

func (s *Server) pageMovePost(w http.ResponseWriter, r *http.Request, u troupe.User, v *view) error {
	dest := r.PostForm.Get("parent_id")
	it, err := s.app.UpdateItem(r.Context(), u, r.PathValue("id"), app.ItemPatch{ParentID: &dest}, s.client(r))
	if err != nil {
		if troupe.ErrorCode(err) == troupe.CodeItemTrashed || (pageLevel(err) && troupe.ErrorCode(err) != troupe.CodeForbidden) {
			return err
		}
		p, perr := s.itemForm(r, u, v, r.PostForm.Get("back"))
		if perr != nil {
			return perr
		}
		// A refusal about the item itself is the page's; one about the
		// destination is explained in the form.
		if troupe.ErrorCode(err) == troupe.CodeForbidden && !p.Item.Permissions.CanEdit {
			return err
		}
		if lerr := s.loadMove(r, u, v, p, p.Item.ParentID); lerr != nil {
			return lerr
		}
		return showForm(s, w, r, "move", v, p, err)
	}
	s.flash(w, r, "flash.item_moved")
	backTo(w, r, folderURL(v.Workspace.ID, it.ParentID))
	return nil
}

func (s *Server) pageTrashPost(w http.ResponseWriter, r *http.Request, u troupe.User, v *view) error {
	it, err := s.itemOf(r, u, v)
	if err != nil {
		return err
	}
	if err := s.app.TrashItem(r.Context(), u, it.ID, s.client(r)); err != nil {
		return err
	}
	s.flash(w, r, "flash.item_trashed")
	// The item's own page is gone: go back to its folder instead.
	if b := r.PostForm.Get("back"); b != "" && !strings.HasPrefix(localPath(b), itemURL(it)) {
		backTo(w, r, "")
		return nil
	}
	http.Redirect(w, r, folderURL(v.Workspace.ID, it.ParentID), http.StatusSeeOther)
	return nil
}

func (s *Server) pageRestorePost(w http.ResponseWriter, r *http.Request, u troupe.User, v *view) error {
	if _, err := s.itemOf(r, u, v); err != nil {
		return err
	}
	if _, err := s.app.RestoreItem(r.Context(), u, r.PathValue("id"), s.client(r)); err != nil {
		return err
	}
	s.flash(w, r, "flash.item_restored")
	backTo(w, r, paths.Trash(v.Workspace.ID))
	return nil
}

type permissionsJSON struct {
	Level      string `json:"level"`
	CanView    bool   `json:"can_view"`
	CanComment bool   `json:"can_comment"`
	CanEdit    bool   `json:"can_edit"`
	CanShare   bool   `json:"can_share"`
	CanDelete  bool   `json:"can_delete"`
}

func toPermissionsJSON(p troupe.Permissions) permissionsJSON {
	return permissionsJSON{Level: p.Level.String(), CanView: p.CanView, CanComment: p.CanComment, CanEdit: p.CanEdit, CanShare: p.CanShare, CanDelete: p.CanDelete}
}

type itemRefJSON struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

// accessJSON is an item's access summary: scope "only_me", "people" or
// "workspace"; level null for only_me; inherited_from null when the
// scope is the item's own or comes from a folder the caller cannot open.
type accessJSON struct {
	Scope         troupe.AccessScope `json:"scope"`
	Level         *string            `json:"level"`
	Inherited     bool               `json:"inherited"`
	InheritedFrom *itemRefJSON       `json:"inherited_from"`
	PeopleCount   int                `json:"people_count"`
	Public        bool               `json:"public"`
}

func toAccessJSON(s troupe.AccessSummary) accessJSON {
	out := accessJSON{Scope: s.Scope, Inherited: s.Inherited, PeopleCount: s.PeopleCount, Public: s.Public}
	if s.Scope != troupe.ScopeOnlyMe {
		lvl := s.Level.String()
		out.Level = &lvl
	}
	if f := s.InheritedFrom; f != nil {
		out.InheritedFrom = &itemRefJSON{ID: f.ID, Name: f.Name}
	}
	return out
}

type itemJSON struct {
	ID             string          `json:"id"`
	WorkspaceID    string          `json:"workspace_id"`
	Kind           troupe.Kind     `json:"kind"`
	Name           string          `json:"name"`
	ParentID       *string         `json:"parent_id"`
	OwnerID        string          `json:"owner_id"`
	OwnerName      string          `json:"owner_name"`
	GeneralAccess  string          `json:"general_access"`
	WorkspaceLevel *string         `json:"workspace_level"`
	CreatedAt      time.Time       `json:"created_at"`
	UpdatedAt      time.Time       `json:"updated_at"`
	TrashedAt      *time.Time      `json:"trashed_at,omitempty"`
	Permissions    permissionsJSON `json:"permissions"`
	// Access is who can reach the item, folders above included.
	Access accessJSON `json:"access"`
	// Drafts (single item only).
	Script   *string         `json:"script,omitempty"`
	Document json.RawMessage `json:"document,omitempty"`
	// Media.
	Description *string `json:"description,omitempty"`
	MediaType   string  `json:"media_type,omitempty"`
	SizeBytes   int64   `json:"size_bytes,omitempty"`
	DurationMS  *int64  `json:"duration_ms,omitempty"`
	MediaURL    string  `json:"media_url,omitempty"`
	PosterURL   string  `json:"poster_url,omitempty"`
	// Processing (videos and voices) and what it made (videos).
	Processing   *processingJSON `json:"processing,omitempty"`
	Width        *int            `json:"width,omitempty"`
	Height       *int            `json:"height,omitempty"`
	ThumbnailURL string          `json:"thumbnail_url,omitempty"`
	SpriteURL    string          `json:"sprite_url,omitempty"`
	HLSURL       string          `json:"hls_url,omitempty"`
	// Renditions are listed for a single video.
	Renditions *[]renditionJSON `json:"renditions,omitempty"`
	// Videos' page; the public path only for those who can edit it.
	Published         *bool  `json:"published,omitempty"`
	PasswordProtected *bool  `json:"password_protected,omitempty"`
	AllowDownload     *bool  `json:"allow_download,omitempty"`
	PublicPath        string `json:"public_path,omitempty"`
	// Path lists the folders above the item the caller may open (single
	// item only).
	Path []itemRefJSON `json:"path,omitempty"`
	// Approval (drafts and videos): the status in lists, the whole
	// request for a single item.
	Approval *approvalJSON `json:"approval,omitempty"`
}

func toItemJSON(it app.ItemView, full bool) itemJSON {
	out := itemJSON{ID: it.ID, WorkspaceID: it.WorkspaceID, Kind: it.Kind, Name: it.Name, OwnerID: it.OwnerID,
		OwnerName: it.OwnerName, GeneralAccess: troupe.GeneralAccess(it.Workspace), CreatedAt: it.CreatedAt,
		UpdatedAt: it.UpdatedAt, TrashedAt: it.TrashedAt, Permissions: toPermissionsJSON(it.Permissions), Access: toAccessJSON(it.Access)}
	if it.ParentID != "" {
		out.ParentID = &it.ParentID
	}
	if it.Workspace != troupe.LevelNone {
		lvl := it.Workspace.String()
		out.WorkspaceLevel = &lvl
	}
	if it.Kind == troupe.KindDraft || it.Kind == troupe.KindVideo {
		out.Approval = toApprovalJSON(it.ApprovalStatus, it.Approval)
	}
	if it.Kind == troupe.KindDraft && full {
		out.Script = &it.Script
		out.Document = json.RawMessage(it.Document)
	}
	if it.Kind.IsMedia() {
		out.Description = &it.Description
		out.MediaType, out.SizeBytes, out.DurationMS = it.MediaType, it.SizeBytes, it.DurationMS
		out.MediaURL = "/api/v1/items/" + it.ID + "/media"
		if it.PosterKey != "" {
			out.PosterURL = "/api/v1/items/" + it.ID + "/poster"
		}
	}
	if it.Kind == troupe.KindVideo || it.Kind == troupe.KindVoice {
		p := toProcessingJSON(it.Processing)
		out.Processing = &p
	}
	if it.Kind == troupe.KindVideo {
		published := it.PublicSlug != ""
		out.Published, out.PasswordProtected, out.AllowDownload = &published, &it.PasswordSet, &it.AllowDownload
		out.MediaURL = "/api/v1/videos/" + it.ID + "/media"
		addDerivedJSON(&out, it.Item, full)
		if published && it.Permissions.CanEdit {
			out.PublicPath = paths.PublicVideo(it.PublicSlug)
		}
	}
	return out
}

type processingJSON struct {
	State    troupe.ProcessingState `json:"state"`
	Progress float64                `json:"progress"`
	Error    string                 `json:"error,omitempty"`
	Note     string                 `json:"note,omitempty"`
}

func toProcessingJSON(p troupe.Processing) processingJSON {
	return processingJSON{State: p.State, Progress: p.Progress, Error: p.Error, Note: p.Note}
}

type renditionJSON struct {
	Name       string `json:"name"`
	Width      int    `json:"width"`
	Height     int    `json:"height"`
	VideoCodec string `json:"video_codec"`
	AudioCodec string `json:"audio_codec"`
	URL        string `json:"url"`
}

// addDerivedJSON adds the size of a video and the URLs of what processing
// made of it: every one under the video's checked path, as its media.
func addDerivedJSON(out *itemJSON, it troupe.Item, full bool) {
	base := "/api/v1/videos/" + it.ID + "/"
	if it.Width > 0 && it.Height > 0 {
		out.Width, out.Height = &it.Width, &it.Height
	}
	if it.ThumbnailKey != "" {
		out.ThumbnailURL = base + app.FileThumbnail
	}
	if it.SpriteKey != "" {
		out.SpriteURL = base + app.FileSpriteTrack
	}
	if it.HLSKey != "" {
		out.HLSURL = base + app.FileHLS + path.Base(it.HLSKey)
	}
	if full {
		rends := []renditionJSON{}
		for _, r := range it.Renditions {
			rends = append(rends, renditionJSON{Name: r.Name, Width: r.Width, Height: r.Height,
				VideoCodec: r.VideoCodec, AudioCodec: r.AudioCodec, URL: base + app.FileRendition + r.Name})
		}
		out.Renditions = &rends
	}
}

func itemQuery(r *http.Request) (app.ItemQuery, error) {
	limit, err := limitParam(r)
	if err != nil {
		return app.ItemQuery{}, err
	}
	q := r.URL.Query()
	return app.ItemQuery{ParentID: q.Get("parent"), Kind: troupe.Kind(q.Get("kind")), Search: q.Get("q"),
		Cursor: q.Get("cursor"), Limit: limit}, nil
}

// itemLister fetches one page of items: the app's list use cases
// (ListItems, ListSharedWithMe, ListRecent, ListTrash) fit it as they are.
type itemLister func(ctx context.Context, u troupe.User, ws string, q app.ItemQuery) ([]app.ItemView, string, error)

func (s *Server) listItems(fetch itemLister) userAPIHandler {
	return func(w http.ResponseWriter, r *http.Request, u troupe.User) error {
		q, err := itemQuery(r)
		if err != nil {
			return err
		}
		items, next, err := fetch(r.Context(), u, r.PathValue("ws"), q)
		if err != nil {
			return err
		}
		out := list[itemJSON]{Items: make([]itemJSON, 0, len(items)), NextCursor: next}
		for _, it := range items {
			out.Items = append(out.Items, toItemJSON(it, false))
		}
		writeJSON(w, http.StatusOK, out)
		return nil
	}
}

func (s *Server) handleItemList(w http.ResponseWriter, r *http.Request, u troupe.User) error {
	return s.listItems(s.app.ListItems)(w, r, u)
}

func (s *Server) handleSharedWithMe(w http.ResponseWriter, r *http.Request, u troupe.User) error {
	return s.listItems(s.app.ListSharedWithMe)(w, r, u)
}

func (s *Server) handleRecent(w http.ResponseWriter, r *http.Request, u troupe.User) error {
	return s.listItems(s.app.ListRecent)(w, r, u)
}

func (s *Server) handleTrash(w http.ResponseWriter, r *http.Request, u troupe.User) error {
	return s.listItems(s.app.ListTrash)(w, r, u)
}

// maxDraftBody leaves room for a draft's script and document.
const maxDraftBody = 3 << 20

func (s *Server) handleCreateItem(kind troupe.Kind) userAPIHandler {
	return func(w http.ResponseWriter, r *http.Request, u troupe.User) error {
		var in struct {
			Name     string          `json:"name"`
			ParentID *string         `json:"parent_id"`
			Script   string          `json:"script"`
			Document json.RawMessage `json:"document"`
		}
		if err := decodeN(w, r, &in, maxDraftBody); err != nil {
			return err
		}
		if kind == troupe.KindFolder && (in.Script != "" || len(in.Document) > 0) {
			return troupe.Errorf(troupe.CodeMalformed, "A folder has no script or document.")
		}
		parent := ""
		if in.ParentID != nil {
			parent = *in.ParentID
		}
		it, err := s.app.CreateItem(r.Context(), u, r.PathValue("ws"), app.NewItem{Kind: kind, Name: in.Name, ParentID: parent,
			Script: in.Script, Document: string(in.Document)}, s.client(r))
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusCreated, toItemJSON(it, true))
		return nil
	}
}

// handleUpload streams a multipart upload: the fields "name", "parent_id"
// and "description" (sent before the file) and the part "file", which
// goes to the media store without being held in memory.
func (s *Server) handleUpload(kind troupe.Kind) userAPIHandler {
	return func(w http.ResponseWriter, r *http.Request, u troupe.User) error {
		form, err := readUpload(r, kind)
		if err != nil {
			return err
		}
		for name := range form.Extra {
			return troupe.Errorf(troupe.CodeMalformed, "Unknown form field %q.", name)
		}
		it, err := s.app.CreateMedia(r.Context(), u, r.PathValue("ws"), form.Media, s.client(r))
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusCreated, toItemJSON(it, true))
		return nil
	}
}

func (s *Server) handleItemGet(w http.ResponseWriter, r *http.Request, u troupe.User) error {
	it, err := s.app.GetItem(r.Context(), u, r.PathValue("id"))
	if err != nil {
		return err
	}
	crumbs, err := s.app.Breadcrumbs(r.Context(), u, it.ID)
	if err != nil {
		return err
	}
	out := toItemJSON(it, true)
	out.Path = []itemRefJSON{}
	for _, c := range crumbs {
		out.Path = append(out.Path, itemRefJSON{ID: c.ID, Name: c.Name})
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

func (s *Server) handleItemPatch(w http.ResponseWriter, r *http.Request, u troupe.User) error {
	var in struct {
		Name        *string         `json:"name"`
		ParentID    json.RawMessage `json:"parent_id"`
		Script      *string         `json:"script"`
		Document    json.RawMessage `json:"document"`
		Description *string         `json:"description"`
	}
	if err := decodeN(w, r, &in, maxDraftBody); err != nil {
		return err
	}
	p := app.ItemPatch{Name: in.Name, Script: in.Script, Description: in.Description}
	if len(in.ParentID) > 0 {
		parent := ""
		if string(in.ParentID) != "null" {
			if err := json.Unmarshal(in.ParentID, &parent); err != nil {
				return troupe.Errorf(troupe.CodeMalformed, "parent_id must be a folder id or null.")
			}
		}
		p.ParentID = &parent
	}
	if len(in.Document) > 0 {
		doc := string(in.Document)
		p.Document = &doc
	}
	it, err := s.app.UpdateItem(r.Context(), u, r.PathValue("id"), p, s.client(r))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, toItemJSON(it, true))
	return nil
}

func (s *Server) handleItemTrash(w http.ResponseWriter, r *http.Request, u troupe.User) error {
	if err := s.app.TrashItem(r.Context(), u, r.PathValue("id"), s.client(r)); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Server) handleItemRestore(w http.ResponseWriter, r *http.Request, u troupe.User) error {
	it, err := s.app.RestoreItem(r.Context(), u, r.PathValue("id"), s.client(r))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, toItemJSON(it, true))
	return nil
}

// handleMedia serves an item's file (or poster) with Range support.
func (s *Server) handleMedia(poster bool) userAPIHandler {
	return func(w http.ResponseWriter, r *http.Request, u troupe.User) error {
		f, err := s.app.OpenMedia(r.Context(), u, r.PathValue("id"), poster, firstRange(r))
		if err != nil {
			return err
		}
		defer f.Close()
		serveMedia(w, r, f, "private, no-store", false)
		return nil
	}
}

// visibleItemJSON is one line of the complete visible set: an item as
// lists give it, with the caller's level, and without the access summary
// (computed for a page of rows, it would cost a query per batch of a set
// of any size; GET /api/v1/items/{id} gives it).
type visibleItemJSON struct {
	itemJSON
	Level string `json:"level"`
	// Access hides itemJSON's: the shallower field wins in encoding/json.
	Access *struct{} `json:"access,omitempty"`
}

// visibleBatch is how many items of the visible set are read ahead while
// the ones before are encoded and sent.
const visibleBatch = 256

// handleVisibleItems streams every item the caller may see in a
// workspace as NDJSON. The database is read in one goroutine and the
// lines are encoded in another, a few batches apart, so both cores work
// and memory stays bounded. An error once lines have gone out aborts the
// response, so a client never takes a cut stream for the whole set.
func (s *Server) handleVisibleItems(w http.ResponseWriter, r *http.Request, u troupe.User) error {
	q := r.URL.Query()
	vq := app.VisibleQuery{Kind: troupe.Kind(q.Get("kind"))}
	if since := q.Get("since"); since != "" {
		t, err := time.Parse(time.RFC3339Nano, since)
		if err != nil {
			var v troupe.Validation
			v.Add("since", "invalid", "Give a time such as 2026-01-31T09:00:00Z.")
			return v.Err()
		}
		vq.Since = t
	}
	ctx, cancel := context.WithCancel(r.Context())
	defer cancel()
	batches := make(chan []app.ItemView, 2)
	var readErr error
	go func() {
		defer close(batches)
		send := func(b []app.ItemView) error {
			select {
			case batches <- b:
				return nil
			case <-ctx.Done():
				return ctx.Err()
			}
		}
		batch := make([]app.ItemView, 0, visibleBatch)
		readErr = s.app.EachVisibleItem(ctx, u, r.PathValue("ws"), vq, func(it app.ItemView) error {
			if batch = append(batch, it); len(batch) < visibleBatch {
				return nil
			}
			err := send(batch)
			batch = make([]app.ItemView, 0, visibleBatch)
			return err
		})
		if readErr == nil && len(batch) > 0 {
			readErr = send(batch)
		}
	}()
	started, sent := false, 0
	var writeErr error
	// A batch is encoded into one buffer and written at once: one pass
	// through the response's writers per batch, not one per line.
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	rc := http.NewResponseController(w)
	for batch := range batches {
		if writeErr != nil {
			continue // the reader stops at its next batch
		}
		if !started {
			startNDJSON(w)
			started = true
		}
		buf.Reset()
		for _, it := range batch {
			if writeErr = enc.Encode(visibleItemJSON{itemJSON: toItemJSON(it, false), Level: it.Permissions.Level.String()}); writeErr != nil {
				break
			}
		}
		if writeErr == nil {
			_, writeErr = w.Write(buf.Bytes())
		}
		if writeErr == nil {
			sent += len(batch)
			writeErr = rc.Flush()
		}
		if writeErr != nil {
			cancel()
		}
	}
	err := errors.Join(writeErr, readErr)
	switch {
	case err != nil && started:
		s.log.ErrorContext(r.Context(), "visible items stream cut short", "request_id", state(r).id, "err", err, "sent", sent)
		panic(http.ErrAbortHandler)
	case err != nil:
		return readErr
	case !started:
		startNDJSON(w)
	}
	return nil
}

func startNDJSON(w http.ResponseWriter) {
	w.Header().Set("Content-Type", "application/x-ndjson")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusOK)
}
