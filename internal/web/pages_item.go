package web

import (
	"fmt"
	"mime"
	"net/http"
	"net/url"
	"strings"
	"time"

	"troupe/internal/app"
	"troupe/internal/troupe"
)

// routeItemPages registers the pages of content: the browser of folders,
// the lists (shared with me, recent, trash, search), item pages, uploads
// and the dialogs that also work as plain pages (new, rename, move,
// share, who has access).
func (s *Server) routeItemPages(mux *http.ServeMux, authed func(string, func(http.ResponseWriter, *http.Request, troupe.User) error)) {
	inWorkspace := func(pattern string, h wsHandler) { authed(pattern, s.inWorkspace(h)) }
	// A draft's text and an upload outgrow the form limit of other pages.
	large := func(pattern string, limit int64, h wsHandler) {
		s.pageRoutes = append(s.pageRoutes, pattern)
		mux.Handle(pattern, s.largePage(pattern, limit, s.requirePageUser(s.inWorkspace(h))))
	}

	inWorkspace("GET /w/{ws}/folders/{id}", s.pageFolder)
	inWorkspace("GET /w/{ws}/shared", s.pageShared)
	inWorkspace("GET /w/{ws}/recent", s.pageRecent)
	inWorkspace("GET /w/{ws}/trash", s.pageTrash)
	inWorkspace("GET /w/{ws}/search", s.pageSearch)
	inWorkspace("GET /w/{ws}/new", s.pageNew)
	inWorkspace("POST /w/{ws}/new", s.pageNewPost)
	inWorkspace("GET /w/{ws}/upload", s.pageUpload)
	large("POST /w/{ws}/upload", 0, s.pageUploadPost)
	inWorkspace("GET /w/{ws}/items/{id}", s.pageItem)
	large("POST /w/{ws}/items/{id}", maxDraftBody, s.pageItemSave)
	inWorkspace("GET /w/{ws}/items/{id}/rename", s.pageRename)
	inWorkspace("POST /w/{ws}/items/{id}/rename", s.pageRenamePost)
	inWorkspace("GET /w/{ws}/items/{id}/move", s.pageMove)
	inWorkspace("POST /w/{ws}/items/{id}/move", s.pageMovePost)
	inWorkspace("POST /w/{ws}/items/{id}/trash", s.pageTrashPost)
	inWorkspace("POST /w/{ws}/items/{id}/restore", s.pageRestorePost)
	inWorkspace("GET /w/{ws}/items/{id}/share", s.pageShare)
	inWorkspace("POST /w/{ws}/items/{id}/share", s.pageSharePost)
	inWorkspace("GET /w/{ws}/items/{id}/access", s.pageAccess)
	s.routeVideoPages(inWorkspace, large)
}

// largePage is page for bodies above the form limit: limit bytes (none
// when 0, for uploads, which the app bounds per kind). A multipart body is
// left unread for the handler to stream.
func (s *Server) largePage(pattern string, limit int64, h pageHandler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		state(r).route = pattern
		if limit > 0 {
			r.Body = http.MaxBytesReader(w, r.Body, limit)
		}
		if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt != "multipart/form-data" {
			if err := readForm(r); err != nil {
				s.fail(w, r, err)
				return
			}
		}
		if err := h(w, r); err != nil {
			s.fail(w, r, err)
		}
	})
}

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
		return wsPath(it.WorkspaceID, "/folders/"+url.PathEscape(it.ID))
	}
	return wsPath(it.WorkspaceID, "/items/"+url.PathEscape(it.ID))
}

// folderURL is the page of folder id, the workspace's home for the root.
func folderURL(wsID, id string) string {
	if id == "" {
		return wsPath(wsID, "")
	}
	return wsPath(wsID, "/folders/"+url.PathEscape(id))
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
	v.Data = p
	s.show(w, r, http.StatusOK, "content", v)
	return nil
}

// pageWorkspaceHome is the workspace's root folder, with the user's
// pending invitations to other workspaces above it.
func (s *Server) pageWorkspaceHome(w http.ResponseWriter, r *http.Request, u troupe.User, v *view) error {
	if err := s.loadHome(r, u, v); err != nil {
		return err
	}
	p := &contentPage{Section: "home", Invitations: v.Data.(homePage).Invitations}
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
		v.Data = p
		s.show(w, r, http.StatusOK, "content", v)
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

func (s *Server) pageNew(w http.ResponseWriter, r *http.Request, u troupe.User, v *view) error {
	q := r.URL.Query()
	kind := q.Get("kind")
	if kind != string(troupe.KindDraft) {
		kind = string(troupe.KindFolder)
	}
	p, err := s.newTarget(r, u, v, kind, q.Get("parent"), q.Get("back"))
	if err != nil {
		return err
	}
	v.Data = p
	s.show(w, r, http.StatusOK, "new_item", v)
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
		v.Data = p
		v.Form["name"] = f.Get("name")
		return s.showForm(w, r, "new_item", v, err)
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
	p, err := s.newTarget(r, u, v, string(kind), q.Get("parent"), q.Get("back"))
	if err != nil {
		return err
	}
	v.Data = p
	s.show(w, r, http.StatusOK, "upload", v)
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
	v.Data = p
	v.Form["name"], v.Form["description"] = in.Name, in.Description
	// The rest of the file is not read: close the connection rather than
	// wait for it.
	w.Header().Set("Connection", "close")
	return s.showForm(w, r, "upload", v, err)
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
}

func (s *Server) loadItemPage(r *http.Request, u troupe.User, v *view, it app.ItemView) error {
	crumbs, err := s.app.Breadcrumbs(r.Context(), u, it.ID)
	if err != nil {
		return err
	}
	back := wsPath(v.Workspace.ID, "")
	if len(crumbs) > 0 && crumbs[len(crumbs)-1].ID == it.ParentID {
		back = itemURL(crumbs[len(crumbs)-1])
	}
	p := &itemPage{Item: it, Crumbs: crumbs, Back: back, Here: itemURL(it)}
	if it.Kind == troupe.KindVideo {
		if p.Video, err = s.loadVideo(r, u, it); err != nil {
			return err
		}
	}
	v.Data = p
	return nil
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
	if err := s.loadItemPage(r, u, v, it); err != nil {
		return err
	}
	if it.Kind == troupe.KindDraft {
		v.Form["name"], v.Form["script"], v.Form["document"] = it.Name, it.Script, it.Document
	} else {
		v.Form["description"] = it.Description
	}
	s.show(w, r, http.StatusOK, "item", v)
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
		if lerr := s.loadItemPage(r, u, v, cur); lerr != nil {
			return lerr
		}
		for k := range f {
			v.Form[k] = f.Get(k)
		}
		return s.showForm(w, r, "item", v, err)
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
	v.Data = p
	v.Form["name"] = p.Item.Name
	s.show(w, r, http.StatusOK, "rename", v)
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
		v.Data = p
		v.Form["name"] = name
		return s.showForm(w, r, "rename", v, err)
	}
	s.flash(w, r, "flash.item_renamed")
	backTo(w, r, wsPath(v.Workspace.ID, ""))
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
	v.Data = p
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
	s.show(w, r, http.StatusOK, "move", v)
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
		return s.showForm(w, r, "move", v, err)
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
	backTo(w, r, wsPath(v.Workspace.ID, "/trash"))
	return nil
}

// --- Template helpers -------------------------------------------------------

// newMenu is the top bar's New menu: where new items go.
type newMenu struct {
	WorkspaceID, ParentID, Back string
}

// Link is the New menu's link that makes a kind of item.
func (n *newMenu) Link(kind string) string {
	page := "/new"
	if troupe.Kind(kind).IsMedia() {
		page = "/upload"
	}
	return withQuery(wsPath(n.WorkspaceID, page), "kind", kind, "parent", n.ParentID, "back", n.Back)
}

// NewMenu is the New menu of the page, nil for those who cannot create
// there: Viewers, and anyone in a folder they cannot edit.
func (v *view) NewMenu() *newMenu {
	if v.Workspace == nil || !v.Workspace.Role.CanCreateContent() {
		return nil
	}
	n := &newMenu{WorkspaceID: v.Workspace.ID}
	switch p := v.Data.(type) {
	case *contentPage:
		if p.Folder != nil {
			if !p.Folder.Permissions.CanEdit {
				return nil
			}
			n.ParentID = p.Folder.ID
		}
		n.Back = p.Here
	case *itemPage:
		// New items from an item's page go beside it, when allowed.
		if len(p.Crumbs) > 0 && p.Crumbs[len(p.Crumbs)-1].ID == p.Item.ParentID && p.Crumbs[len(p.Crumbs)-1].Permissions.CanEdit {
			n.ParentID = p.Item.ParentID
			n.Back = p.Back
		}
	}
	return n
}

// itemRow is what the row of an item receives: the page's view, the item
// and the page its forms come back to.
type itemRow struct {
	*view
	It   app.ItemView
	Back string
	// Trash rows offer Restore instead of the menu.
	Trash bool
}

// Row pairs the view with an item for the row template.
func (v *view) Row(it app.ItemView, back string, trash bool) itemRow {
	return itemRow{view: v, It: it, Back: back, Trash: trash}
}

// ItemURL is the page of an item.
func (v *view) ItemURL(it app.ItemView) string { return itemURL(it) }

// ItemAction is the URL of an action page of an item, coming back to back.
func (v *view) ItemAction(it app.ItemView, action, back string) string {
	return withQuery(wsPath(it.WorkspaceID, "/items/"+url.PathEscape(it.ID)+"/"+action), "back", back)
}

// KindName is a kind of item in the page's language.
func (v *view) KindName(k troupe.Kind) string { return v.T("kind." + string(k)) }

// LevelName is an access level in the page's language.
func (v *view) LevelName(l troupe.Level) string { return v.T("level." + l.String()) }

// Owner names an item's owner, "you" for the user.
func (v *view) Owner(it app.ItemView) string {
	if v.User != nil && it.OwnerID == v.User.ID {
		return v.T("content.owner_you")
	}
	return it.OwnerName
}

// Duration is a media duration as m:ss (h:mm:ss past an hour).
func (v *view) Duration(ms *int64) string {
	if ms == nil {
		return ""
	}
	d := time.Duration(*ms) * time.Millisecond
	h, m, sec := int(d.Hours()), int(d.Minutes())%60, int(d.Seconds())%60
	if h > 0 {
		return fmt.Sprintf("%d:%02d:%02d", h, m, sec)
	}
	return fmt.Sprintf("%d:%02d", m, sec)
}

// Size is a file size in the page's language.
func (v *view) Size(n int64) string {
	switch {
	case n >= 1<<20:
		return v.T("size.mb", "n", fmt.Sprintf("%.1f", float64(n)/(1<<20)))
	case n >= 1<<10:
		return v.T("size.kb", "n", n>>10)
	}
	return v.T("size.bytes", "n", n)
}

// PurgeDate is the day a trashed item is deleted for good.
func (v *view) PurgeDate(t *time.Time) string {
	if t == nil {
		return ""
	}
	return t.Add(troupe.TrashRetention).UTC().Format("2006-01-02")
}

// Reason says why someone has access, in the page's language.
func (v *view) Reason(r app.AccessReason) string {
	key := "reason." + r.Kind
	if r.Inherited {
		key += "_inherited"
	}
	return v.T(key, "folder", r.ItemName)
}

// Media is the address of an item's file, or of its poster.
func (v *view) Media(it app.ItemView, poster bool) string {
	if poster {
		if it.PosterKey == "" {
			return ""
		}
		return "/api/v1/items/" + url.PathEscape(it.ID) + "/poster"
	}
	if it.Kind == troupe.KindVideo {
		// The same address as the API's media_url for a video.
		return "/api/v1/videos/" + url.PathEscape(it.ID) + "/media"
	}
	return "/api/v1/items/" + url.PathEscape(it.ID) + "/media"
}

// Accept is the file chooser's filter for a kind of upload.
func (v *view) Accept(k troupe.Kind) string {
	switch k {
	case troupe.KindAvatar:
		return "image/*"
	case troupe.KindVoice:
		return "audio/*"
	}
	return "video/*"
}

// textField is a labelled text input with its own id, for forms that
// may share a page with another form using the same field names.
type textField struct {
	ID, Name, Label, Value, Error string
	Required                      bool
}

// Text builds a required text field named name, labelled by labelKey.
func (v *view) Text(id, name, labelKey string) textField {
	return textField{ID: id, Name: name, Label: v.T(labelKey), Value: v.Val(name), Error: v.Err(name), Required: true}
}

// Where names the folder new items go to: its name, or Home.
func (v *view) Where(f *app.ItemView) string {
	if f == nil {
		return v.T("nav.home")
	}
	return f.Name
}

// MoveIn is the move form browsing folder in (the root when empty).
func (v *view) MoveIn(p *itemFormPage, in string) string {
	return withQuery(wsPath(p.Item.WorkspaceID, "/items/"+url.PathEscape(p.Item.ID)+"/move"), "in", in, "back", p.Back)
}
