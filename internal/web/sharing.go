package web

import (
	"fmt"
	"net/http"
	"strings"

	"troupe/internal/app"
	"troupe/internal/paths"
	"troupe/internal/troupe"
)

// --- Sharing ------------------------------------------------------------------

// sharePage is the Share dialog: who has access and the general access.
type sharePage struct {
	Sharing app.Sharing
	// General is "restricted" or "workspace"; Level the workspace's level.
	General, Level string
	Link           string
	Back           string
	// Problems explains shares the app refused, by person.
	Problems []string
}

func (s *Server) loadShare(r *http.Request, u troupe.User, v *view, back string) (*sharePage, error) {
	it, err := s.itemOf(r, u, v)
	if err != nil {
		return nil, err
	}
	sh, err := s.app.GetSharing(r.Context(), u, it.ID)
	if err != nil {
		return nil, err
	}
	p := &sharePage{Sharing: sh, General: troupe.GeneralAccess(sh.Workspace), Level: "view",
		Link: s.cfg.BaseURL + itemURL(it), Back: nextParam(back)}
	if sh.Workspace != troupe.LevelNone {
		p.Level = sh.Workspace.String()
	}
	if p.Back == "" {
		p.Back = itemURL(it)
	}
	return p, nil
}

func (s *Server) pageShare(w http.ResponseWriter, r *http.Request, u troupe.User, v *view) error {
	p, err := s.loadShare(r, u, v, r.URL.Query().Get("back"))
	if err != nil {
		return err
	}
	show(s, w, r, http.StatusOK, "share", v, p)
	return nil
}

// pageSharePost saves the whole sharing from the plain form: the people
// listed (share_user with share_level, in order) but the one whose
// Remove was pressed, the person typed in "add" (an active member, found
// by email or name), and the general access.
func (s *Server) pageSharePost(w http.ResponseWriter, r *http.Request, u troupe.User, v *view) error {
	f := r.PostForm
	in := app.SharingInput{General: f.Get("general"), WorkspaceLevel: f.Get("workspace_level")}
	users, levels := f["share_user"], f["share_level"]
	for i, id := range users {
		if id == f.Get("remove") {
			continue
		}
		level := "view"
		if i < len(levels) {
			level = levels[i]
		}
		in.Shares = append(in.Shares, app.ShareInput{UserID: id, Level: level})
	}
	var fieldErr error
	if add := strings.TrimSpace(f.Get("add")); add != "" {
		id, err := s.findMember(r, u, v.Workspace.ID, add)
		switch {
		case err != nil:
			return err
		case id == "":
			var val troupe.Validation
			val.Add("add", "no_member", "No active member of the workspace matches this.")
			fieldErr = val.Err()
		default:
			in.Shares = append(in.Shares, app.ShareInput{UserID: id, Level: f.Get("add_level")})
		}
	}
	err := fieldErr
	if err == nil {
		_, err = s.app.UpdateSharing(r.Context(), u, r.PathValue("id"), in, s.client(r))
	}
	if err != nil {
		if pageLevel(err) || troupe.ErrorCode(err) == troupe.CodeItemTrashed {
			return err
		}
		p, lerr := s.loadShare(r, u, v, f.Get("back"))
		if lerr != nil {
			return lerr
		}
		v.Form["add"] = f.Get("add")
		p.Problems = shareProblems(v, err, in)
		return showForm(s, w, r, "share", v, p, err)
	}
	s.flash(w, r, "flash.sharing_saved")
	http.Redirect(w, r, withQuery(paths.Item(v.Workspace.ID, r.PathValue("id"))+"/share", "back", nextParam(f.Get("back"))), http.StatusSeeOther)
	return nil
}

// findMember returns the id of the one active member whose email is
// query, or who alone matches it; empty when none does.
func (s *Server) findMember(r *http.Request, u troupe.User, wsID, query string) (string, error) {
	rows, _, err := s.app.ListMembers(r.Context(), u, wsID, troupe.MemberFilter{Status: "active", Query: query, Limit: 20})
	if err != nil {
		return "", err
	}
	for _, m := range rows {
		if strings.EqualFold(m.Email, query) {
			return m.UserID, nil
		}
	}
	if len(rows) == 1 {
		return rows[0].UserID, nil
	}
	return "", nil
}

// shareProblems explains the app's refusal of some shares ("shares[2]…")
// person by person, in the page's language.
func shareProblems(v *view, err error, in app.SharingInput) []string {
	e, ok := troupe.AsError(err)
	if !ok {
		return nil
	}
	var out []string
	for _, fe := range e.Fields {
		var i int
		var rest string
		if n, _ := fmt.Sscanf(fe.Field, "shares[%d].%s", &i, &rest); n < 1 {
			continue
		}
		key := "fielderr.share." + fe.Code
		if !v.cat.Has(key) {
			key = "fielderr.share.invalid"
		}
		out = append(out, v.T(key))
	}
	return out
}

// accessPage explains who has access to an item and why.
type accessPage struct {
	Item    app.ItemView
	Sharing app.Sharing
	// Mine are the user's own reasons; Checked another member's, for
	// Super Admins, with their name.
	Mine        app.PermissionsView
	Checked     *app.PermissionsView
	CheckedName string
	// People are everyone the sharing names, for a Super Admin to check.
	People []troupe.Share
	Back   string
}

func (s *Server) pageAccess(w http.ResponseWriter, r *http.Request, u troupe.User, v *view) error {
	it, err := s.itemOf(r, u, v)
	if err != nil {
		return err
	}
	ctx := r.Context()
	sh, err := s.app.GetSharing(ctx, u, it.ID)
	if err != nil {
		return err
	}
	mine, err := s.app.ItemPermissions(ctx, u, it.ID, "")
	if err != nil {
		return err
	}
	p := &accessPage{Item: it, Sharing: sh, Mine: mine, Back: nextParam(r.URL.Query().Get("back"))}
	if p.Back == "" {
		p.Back = itemURL(it)
	}
	seen := map[string]bool{u.ID: true}
	for _, x := range append(append([]troupe.Share{sh.Owner}, sh.Shares...), sh.Inherited...) {
		if !seen[x.UserID] {
			seen[x.UserID] = true
			p.People = append(p.People, x)
		}
	}
	// Checking someone else is for Super Admins: the app says no to others,
	// and the page then simply shows the reader's own view.
	if who := r.URL.Query().Get("user"); who != "" && who != u.ID {
		other, err := s.app.ItemPermissions(ctx, u, it.ID, who)
		switch {
		case troupe.ErrorCode(err) == troupe.CodeForbidden:
		case err != nil:
			return err
		default:
			p.Checked = &other
			for _, x := range p.People {
				if x.UserID == who {
					p.CheckedName = x.Name
				}
			}
		}
	}
	show(s, w, r, http.StatusOK, "access", v, p)
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
	// Access sums up who can reach the item, as the item's own does.
	Access accessJSON `json:"access"`
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
		Owner: toShareJSON(sh.Owner), CanShare: sh.Item.Permissions.CanShare, Access: toAccessJSON(sh.Item.Access)}
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
