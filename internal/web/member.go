package web

import (
	"net/http"
	"net/url"
	"strings"
	"time"

	"troupe/internal/app"
	"troupe/internal/paths"
	"troupe/internal/troupe"
)

type memberUserJSON struct {
	ID    string `json:"id"`
	Email string `json:"email"`
	Name  string `json:"name"`
}

type memberJSON struct {
	Status        string          `json:"status"`
	Role          troupe.Role     `json:"role"`
	Email         string          `json:"email"`
	User          *memberUserJSON `json:"user,omitempty"`
	InvitationID  string          `json:"invitation_id,omitempty"`
	JoinRequestID string          `json:"join_request_id,omitempty"`
	Since         time.Time       `json:"since"`
	// TwoFactor is shown to Super Admins only, on active members' rows.
	TwoFactor *bool `json:"two_factor,omitempty"`
}

func toMemberJSON(m troupe.MemberRow) memberJSON {
	out := memberJSON{Status: m.Status, Role: m.Role, Email: m.Email, InvitationID: m.InvitationID, JoinRequestID: m.JoinRequestID, Since: m.Since}
	if m.UserID != "" {
		out.User = &memberUserJSON{ID: m.UserID, Email: m.Email, Name: m.UserName}
	}
	if m.TwoFactorShown {
		on := m.TwoFactor
		out.TwoFactor = &on
	}
	return out
}

func (s *Server) listMembers(w http.ResponseWriter, r *http.Request, u troupe.User, status string) error {
	limit, err := limitParam(r)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	if status == "" {
		status = q.Get("status")
	}
	rows, next, err := s.app.ListMembers(r.Context(), u, r.PathValue("ws"), troupe.MemberFilter{Status: status, Requests: true,
		Role: troupe.Role(q.Get("role")), Query: q.Get("q"), Cursor: q.Get("cursor"), Limit: limit})
	if err != nil {
		return err
	}
	out := list[memberJSON]{Items: make([]memberJSON, 0, len(rows)), NextCursor: next}
	for _, m := range rows {
		out.Items = append(out.Items, toMemberJSON(m))
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

func (s *Server) handleMemberList(w http.ResponseWriter, r *http.Request, u troupe.User) error {
	return s.listMembers(w, r, u, "")
}

func (s *Server) handleMemberUpdate(w http.ResponseWriter, r *http.Request, u troupe.User) error {
	var in struct {
		Role troupe.Role `json:"role"`
	}
	if err := decode(w, r, &in); err != nil {
		return err
	}
	m, err := s.app.ChangeRole(r.Context(), u, r.PathValue("ws"), r.PathValue("user"), in.Role, s.client(r))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, toMemberJSON(troupe.MemberRow{Status: "active", Role: m.Role, Email: m.User.Email,
		UserID: m.User.ID, UserName: m.User.Name, Since: m.Since}))
	return nil
}

func (s *Server) handleMemberRemove(w http.ResponseWriter, r *http.Request, u troupe.User) error {
	if err := s.app.RemoveMember(r.Context(), u, r.PathValue("ws"), r.PathValue("user"), s.client(r)); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Server) handleLeave(w http.ResponseWriter, r *http.Request, u troupe.User) error {
	if err := s.app.Leave(r.Context(), u, r.PathValue("ws"), s.client(r)); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// --- Members ------------------------------------------------------------------

// membersPage is the members table with its filters.
type membersPage struct {
	Rows          []troupe.MemberRow
	Status, Query string
	Role          troupe.Role
	Tabs          []memberTab
	Here, NextURL string
	FirstURL      string // set past the first page
	Problems      []app.InviteResult
	Roles         []troupe.Role
	// Requests are the pending join requests, for Super Admins.
	Requests []troupe.JoinRequest
	// Link is the invite-link panel, for those who may manage the link.
	Link *linkPanel
	// Suggestions are people of the workspace's domains who could be
	// invited, for those who may invite.
	Suggestions []troupe.User
}

type memberTab struct {
	Status, Label, URL string
}

func membersURL(wsID, status string, role troupe.Role, query, cursor string) string {
	q := url.Values{}
	for k, v := range map[string]string{"status": status, "role": string(role), "q": query, "cursor": cursor} {
		if v != "" {
			q.Set(k, v)
		}
	}
	if len(q) == 0 {
		return paths.Members(wsID)
	}
	return paths.Members(wsID) + "?" + q.Encode()
}

// loadMembers loads one page of the members table filtered by q, and the
// panels the user's role may see. Join requests are not members: the
// "requested" filter shows them instead of the table.
func (s *Server) loadMembers(r *http.Request, u troupe.User, v *view, q url.Values) (*membersPage, error) {
	ws := *v.Workspace
	f := troupe.MemberFilter{Status: q.Get("status"), Role: troupe.Role(q.Get("role")), Query: strings.TrimSpace(q.Get("q")), Cursor: q.Get("cursor")}
	p := &membersPage{Status: f.Status, Role: f.Role, Query: f.Query,
		Here: membersURL(ws.ID, f.Status, f.Role, f.Query, f.Cursor), Roles: troupe.Roles}
	var next string
	if f.Status != "requested" {
		var err error
		if p.Rows, next, err = s.app.ListMembers(r.Context(), u, ws.ID, f); err != nil {
			return nil, err
		}
	}
	// A tab for each list the app shows this member.
	tabs := []struct{ status, key string }{{"", "members.filter_all"}, {"active", "members.filter_active"}}
	if ws.Can.Invite {
		tabs = append(tabs, struct{ status, key string }{"invited", "members.filter_invited"})
	}
	if ws.Can.DecideJoinRequests {
		tabs = append(tabs, struct{ status, key string }{"requested", "members.filter_requested"})
		var err error
		if p.Requests, err = s.app.ListJoinRequests(r.Context(), u, ws.ID); err != nil {
			return nil, err
		}
	}
	for _, t := range tabs {
		p.Tabs = append(p.Tabs, memberTab{Status: t.status, Label: v.T(t.key), URL: membersURL(ws.ID, t.status, f.Role, f.Query, "")})
	}
	if ws.Can.Invite && len(ws.Domains) > 0 {
		var err error
		if p.Suggestions, err = s.app.Suggestions(r.Context(), u, ws.ID); err != nil {
			return nil, err
		}
	}
	var err error
	if p.Link, err = s.loadInviteLink(r, u, ws); err != nil {
		return nil, err
	}
	if next != "" {
		p.NextURL = membersURL(ws.ID, f.Status, f.Role, f.Query, next)
	}
	if f.Cursor != "" {
		p.FirstURL = membersURL(ws.ID, f.Status, f.Role, f.Query, "")
	}
	return p, nil
}

func (s *Server) pageMembers(w http.ResponseWriter, r *http.Request, u troupe.User, v *view) error {
	p, err := s.loadMembers(r, u, v, r.URL.Query())
	if err != nil {
		return err
	}
	show(s, w, r, http.StatusOK, "members", v, p)
	return nil
}

// membersFailed shows the members table with what went wrong.
func (s *Server) membersFailed(w http.ResponseWriter, r *http.Request, u troupe.User, v *view, err error) error {
	if pageLevel(err) {
		return err
	}
	p, lerr := s.loadMembers(r, u, v, url.Values{})
	if lerr != nil {
		return lerr
	}
	return showForm(s, w, r, "members", v, p, err)
}

// memberAction finishes a change on the members page: back to the table
// with a confirmation, or the table with the app's refusal.
func (s *Server) memberAction(w http.ResponseWriter, r *http.Request, u troupe.User, v *view, err error, flashKey string) error {
	if err != nil {
		return s.membersFailed(w, r, u, v, err)
	}
	s.flash(w, r, flashKey)
	backTo(w, r, paths.Members(v.Workspace.ID))
	return nil
}

// pageMemberRole changes a member's role from the members table; sent in
// place, it answers with the change in words ("Bob is now Creator") and
// the row's new role.
func (s *Server) pageMemberRole(w http.ResponseWriter, r *http.Request, u troupe.User, v *view) error {
	m, err := s.app.ChangeRole(r.Context(), u, v.Workspace.ID, r.PathValue("user"), troupe.Role(r.PostForm.Get("role")), s.client(r))
	if err != nil && inPlace(r) {
		return err
	}
	if err != nil {
		return s.membersFailed(w, r, u, v, err)
	}
	who := m.User.Name
	if who == "" {
		who = m.User.Email
	}
	s.applied(w, r, v.T("members.role_now", "name", who, "role", v.RoleName(m.Role)), "flash.role_changed",
		paths.Members(v.Workspace.ID), map[string]troupe.Role{"role": m.Role})
	return nil
}

func (s *Server) pageMemberRemove(w http.ResponseWriter, r *http.Request, u troupe.User, v *view) error {
	err := s.app.RemoveMember(r.Context(), u, v.Workspace.ID, r.PathValue("user"), s.client(r))
	return s.memberAction(w, r, u, v, err, "flash.member_removed")
}

func (s *Server) pageWorkspaceLeave(w http.ResponseWriter, r *http.Request, u troupe.User) error {
	if err := s.app.Leave(r.Context(), u, r.PathValue("ws"), s.client(r)); err != nil {
		if pageLevel(err) {
			return err
		}
		return s.showForm(w, r, "workspaces", s.newView(r), err)
	}
	s.flash(w, r, "flash.workspace_left")
	http.Redirect(w, r, paths.Workspaces(), http.StatusSeeOther)
	return nil
}
