package web

import (
	"context"
	"encoding/json"
	"net/http"
	"time"

	"troupe/internal/app"
	"troupe/internal/troupe"
)

func (s *Server) routeItemAPI(authed func(string, authedHandler)) {
	authed("GET /api/v1/workspaces/{ws}/items", s.handleItemList)
	authed("GET /api/v1/workspaces/{ws}/shared-with-me", s.handleSharedWithMe)
	authed("GET /api/v1/workspaces/{ws}/recent", s.handleRecent)
	authed("GET /api/v1/workspaces/{ws}/trash", s.handleTrash)
	authed("POST /api/v1/workspaces/{ws}/folders", s.handleCreateItem(troupe.KindFolder))
	authed("POST /api/v1/workspaces/{ws}/drafts", s.handleCreateItem(troupe.KindDraft))
	authed("POST /api/v1/workspaces/{ws}/videos", s.handleUpload(troupe.KindVideo))
	authed("POST /api/v1/workspaces/{ws}/avatars", s.handleUpload(troupe.KindAvatar))
	authed("POST /api/v1/workspaces/{ws}/voices", s.handleUpload(troupe.KindVoice))
	authed("GET /api/v1/items/{id}", s.handleItemGet)
	authed("PATCH /api/v1/items/{id}", s.handleItemPatch)
	authed("DELETE /api/v1/items/{id}", s.handleItemTrash)
	authed("POST /api/v1/items/{id}/restore", s.handleItemRestore)
	authed("GET /api/v1/items/{id}/sharing", s.handleSharingGet)
	authed("PUT /api/v1/items/{id}/sharing", s.handleSharingPut)
	authed("GET /api/v1/items/{id}/permissions", s.handlePermissions)
	authed("GET /api/v1/items/{id}/media", s.handleMedia(false))
	authed("GET /api/v1/items/{id}/poster", s.handleMedia(true))
	s.routeVideoAPI(authed)
}

type permissionsJSON struct {
	Level     string `json:"level"`
	CanView   bool   `json:"can_view"`
	CanEdit   bool   `json:"can_edit"`
	CanShare  bool   `json:"can_share"`
	CanDelete bool   `json:"can_delete"`
}

func toPermissionsJSON(p troupe.Permissions) permissionsJSON {
	return permissionsJSON{Level: p.Level.String(), CanView: p.CanView, CanEdit: p.CanEdit, CanShare: p.CanShare, CanDelete: p.CanDelete}
}

type itemRefJSON struct {
	ID   string `json:"id"`
	Name string `json:"name"`
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
	// Videos' page; the public path only for those who can edit it.
	Published         *bool  `json:"published,omitempty"`
	PasswordProtected *bool  `json:"password_protected,omitempty"`
	AllowDownload     *bool  `json:"allow_download,omitempty"`
	PublicPath        string `json:"public_path,omitempty"`
	// Path lists the folders above the item the caller may open (single
	// item only).
	Path []itemRefJSON `json:"path,omitempty"`
}

func toItemJSON(it app.ItemView, full bool) itemJSON {
	out := itemJSON{ID: it.ID, WorkspaceID: it.WorkspaceID, Kind: it.Kind, Name: it.Name, OwnerID: it.OwnerID,
		OwnerName: it.OwnerName, GeneralAccess: troupe.GeneralAccess(it.Workspace), CreatedAt: it.CreatedAt,
		UpdatedAt: it.UpdatedAt, TrashedAt: it.TrashedAt, Permissions: toPermissionsJSON(it.Permissions)}
	if it.ParentID != "" {
		out.ParentID = &it.ParentID
	}
	if it.Workspace != troupe.LevelNone {
		lvl := it.Workspace.String()
		out.WorkspaceLevel = &lvl
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
	if it.Kind == troupe.KindVideo {
		published := it.PublicSlug != ""
		out.Published, out.PasswordProtected, out.AllowDownload = &published, &it.PasswordSet, &it.AllowDownload
		out.MediaURL = "/api/v1/videos/" + it.ID + "/media"
		if published && it.Permissions.CanEdit {
			out.PublicPath = "/v/" + it.PublicSlug
		}
	}
	return out
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

func (s *Server) listItems(fetch itemLister) authedHandler {
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

func (s *Server) handleCreateItem(kind troupe.Kind) authedHandler {
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
func (s *Server) handleUpload(kind troupe.Kind) authedHandler {
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

type shareJSON struct {
	UserID string       `json:"user_id"`
	Level  string       `json:"level"`
	Name   string       `json:"name,omitempty"`
	Email  string       `json:"email,omitempty"`
	From   *itemRefJSON `json:"from,omitempty"`
}

type sharingJSON struct {
	GeneralAccess  string      `json:"general_access"`
	WorkspaceLevel *string     `json:"workspace_level"`
	Shares         []shareJSON `json:"shares"`
	Owner          shareJSON   `json:"owner"`
	// Inherited are the people with access through the folders above.
	Inherited []shareJSON `json:"inherited"`
	// InheritedWorkspace is the workspace access a folder above gives.
	InheritedWorkspace *struct {
		Level string `json:"level"`
		From  string `json:"from"`
	} `json:"inherited_workspace,omitempty"`
	CanShare bool `json:"can_share"`
}

func toShareJSON(sh troupe.Share) shareJSON {
	out := shareJSON{UserID: sh.UserID, Level: sh.Level.String(), Name: sh.Name, Email: sh.Email}
	if sh.FromID != "" {
		out.From = &itemRefJSON{ID: sh.FromID, Name: sh.FromName}
	}
	return out
}

func toSharingJSON(sh app.Sharing) sharingJSON {
	out := sharingJSON{GeneralAccess: troupe.GeneralAccess(sh.Workspace), Shares: []shareJSON{}, Inherited: []shareJSON{},
		Owner: toShareJSON(sh.Owner), CanShare: sh.Item.Permissions.CanShare}
	if sh.Workspace != troupe.LevelNone {
		lvl := sh.Workspace.String()
		out.WorkspaceLevel = &lvl
	}
	for _, x := range sh.Shares {
		out.Shares = append(out.Shares, toShareJSON(x))
	}
	for _, x := range sh.Inherited {
		out.Inherited = append(out.Inherited, toShareJSON(x))
	}
	if sh.InheritedWorkspace != troupe.LevelNone {
		out.InheritedWorkspace = &struct {
			Level string `json:"level"`
			From  string `json:"from"`
		}{sh.InheritedWorkspace.String(), sh.InheritedFrom}
	}
	return out
}

func (s *Server) handleSharingGet(w http.ResponseWriter, r *http.Request, u troupe.User) error {
	sh, err := s.app.GetSharing(r.Context(), u, r.PathValue("id"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, toSharingJSON(sh))
	return nil
}

func (s *Server) handleSharingPut(w http.ResponseWriter, r *http.Request, u troupe.User) error {
	var in struct {
		GeneralAccess  string  `json:"general_access"`
		WorkspaceLevel *string `json:"workspace_level"`
		Shares         []struct {
			UserID string `json:"user_id"`
			Level  string `json:"level"`
		} `json:"shares"`
	}
	if err := decode(w, r, &in); err != nil {
		return err
	}
	si := app.SharingInput{General: in.GeneralAccess}
	if in.WorkspaceLevel != nil {
		si.WorkspaceLevel = *in.WorkspaceLevel
	}
	for _, x := range in.Shares {
		si.Shares = append(si.Shares, app.ShareInput{UserID: x.UserID, Level: x.Level})
	}
	sh, err := s.app.UpdateSharing(r.Context(), u, r.PathValue("id"), si, s.client(r))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, toSharingJSON(sh))
	return nil
}

type reasonJSON struct {
	Kind      string       `json:"kind"`
	Level     string       `json:"level"`
	Item      *itemRefJSON `json:"item,omitempty"`
	Inherited bool         `json:"inherited"`
}

func (s *Server) handlePermissions(w http.ResponseWriter, r *http.Request, u troupe.User) error {
	p, err := s.app.ItemPermissions(r.Context(), u, r.PathValue("id"), r.URL.Query().Get("user"))
	if err != nil {
		return err
	}
	out := struct {
		permissionsJSON
		UserID  string       `json:"user_id"`
		Role    *troupe.Role `json:"role"`
		Reasons []reasonJSON `json:"reasons"`
	}{permissionsJSON: toPermissionsJSON(p.Permissions), UserID: p.UserID, Reasons: []reasonJSON{}}
	if p.Role.Valid() {
		out.Role = &p.Role
	}
	for _, x := range p.Reasons {
		rj := reasonJSON{Kind: x.Kind, Level: x.Level.String(), Inherited: x.Inherited}
		if x.ItemID != "" {
			rj.Item = &itemRefJSON{ID: x.ItemID, Name: x.ItemName}
		}
		out.Reasons = append(out.Reasons, rj)
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

// handleMedia serves an item's file (or poster) with Range support.
func (s *Server) handleMedia(poster bool) authedHandler {
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
