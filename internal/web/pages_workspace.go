package web

import (
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"

	"troupe/internal/app"
	"troupe/internal/troupe"
)

// workspaceCookie remembers the workspace a user last worked in, so that
// "/" opens it again.
const workspaceCookie = "troupe_ws"

// wsHandler serves a page of one workspace; v already holds the workspace
// as the app returned it for the signed-in user.
type wsHandler func(w http.ResponseWriter, r *http.Request, u troupe.User, v *view) error

// routeWorkspacePages registers the pages of workspaces and membership.
func (s *Server) routeWorkspacePages(open func(string, pageHandler), authed func(string, func(http.ResponseWriter, *http.Request, troupe.User) error)) {
	inWorkspace := func(pattern string, h wsHandler) { authed(pattern, s.inWorkspace(h)) }

	authed("GET /workspaces", s.pageWorkspaces)
	authed("POST /workspaces", s.pageWorkspaceCreate)
	authed("POST /workspaces/{ws}/switch", s.pageWorkspaceSwitch)
	authed("POST /workspaces/{ws}/leave", s.pageWorkspaceLeave)
	// The seat-limit mail links here.
	authed("GET /workspaces/{ws}/settings/seats", func(w http.ResponseWriter, r *http.Request, _ troupe.User) error {
		http.Redirect(w, r, wsPath(r.PathValue("ws"), "/settings/seats"), http.StatusMovedPermanently)
		return nil
	})

	inWorkspace("GET /w/{ws}", s.pageWorkspaceHome)
	inWorkspace("GET /w/{ws}/members", s.pageMembers)
	inWorkspace("GET /w/{ws}/members/invite", s.pageInvite)
	inWorkspace("POST /w/{ws}/members/invite", s.pageInvitePost)
	inWorkspace("POST /w/{ws}/members/{user}/role", s.pageMemberRole)
	inWorkspace("POST /w/{ws}/members/{user}/remove", s.pageMemberRemove)
	inWorkspace("POST /w/{ws}/invitations/{id}/resend", s.pageInvitationResend)
	inWorkspace("POST /w/{ws}/invitations/{id}/revoke", s.pageInvitationRevoke)
	inWorkspace("GET /w/{ws}/settings", s.pageSettings)
	inWorkspace("POST /w/{ws}/settings", s.pageSettingsPost)
	inWorkspace("POST /w/{ws}/settings/domains", s.pageDomainsPost)
	inWorkspace("GET /w/{ws}/settings/seats", s.pageSeats)
	inWorkspace("POST /w/{ws}/settings/seats", s.pageSeatsPost)
	inWorkspace("GET /w/{ws}/audit", s.pageAudit)

	open("GET /invitations/{token}", s.pageInvitation)
	open("POST /invitations/{token}/signup", s.pageInvitationSignup)
	open("POST /invitations/{token}/signout", s.pageInvitationSignout)
	authed("POST /invitations/{token}/accept", s.pageInvitationAccept)
	authed("POST /invitations/{token}/decline", s.pageInvitationDecline)
	s.routeMembershipPages(open, authed)
}

// wsPath is the URL of a workspace page.
func wsPath(id, rest string) string { return "/w/" + url.PathEscape(id) + rest }

// inWorkspace loads the workspace of the URL for the user (the app refuses
// non-members) and remembers it as the current one.
func (s *Server) inWorkspace(h wsHandler) func(http.ResponseWriter, *http.Request, troupe.User) error {
	return func(w http.ResponseWriter, r *http.Request, u troupe.User) error {
		ws, err := s.app.GetWorkspace(r.Context(), u, r.PathValue("ws"))
		if err != nil {
			return err
		}
		v := s.newView(r)
		v.Workspace = &ws
		if c, err := r.Cookie(workspaceCookie); err != nil || c.Value != ws.ID {
			s.setWorkspaceCookie(w, r, ws.ID)
		}
		return h(w, r, u, v)
	}
}

func (s *Server) setWorkspaceCookie(w http.ResponseWriter, r *http.Request, id string) {
	s.setCookie(w, r, &http.Cookie{Name: workspaceCookie, Value: id, Path: "/", HttpOnly: true,
		SameSite: http.SameSiteLaxMode, MaxAge: 365 * 24 * 3600})
}

// fillWorkspaces gives the sidebar the user's workspaces and the current
// one: the remembered workspace, else the first. A failure only leaves the
// switcher empty; the page itself still answers.
func (s *Server) fillWorkspaces(r *http.Request, u troupe.User, v *view) {
	ws, err := s.app.ListWorkspaces(r.Context(), u)
	if err != nil {
		s.log.WarnContext(r.Context(), "list workspaces for the sidebar", "request_id", state(r).id, "err", err)
		return
	}
	v.Workspaces = ws
	if len(ws) == 0 {
		return
	}
	v.Workspace = &ws[0]
	if c, err := r.Cookie(workspaceCookie); err == nil {
		for i := range ws {
			if ws[i].ID == c.Value {
				v.Workspace = &ws[i]
			}
		}
	}
}

// pageLevel reports whether err is about the page rather than the input
// of its form (a refusal, or a thing that does not exist): such errors get
// the error page, as nothing typed in the form can fix them.
func pageLevel(err error) bool {
	switch troupe.ErrorCode(err) {
	case troupe.CodeForbidden, troupe.CodeNotFound, troupe.CodeInvitationInvalid, troupe.CodeInvitationExpired:
		return true
	}
	return false
}

// backTo redirects to the page a form came from (its "back" field) or,
// failing that, to fallback.
func backTo(w http.ResponseWriter, r *http.Request, fallback string) {
	next := fallback
	if b := r.PostForm.Get("back"); b != "" {
		next = localPath(b)
	}
	http.Redirect(w, r, next, http.StatusSeeOther)
}

// Count picks the "_one" or "_many" form of a message for n.
func (v *view) Count(key string, n int) string {
	if n == 1 {
		return v.T(key+"_one", "count", n)
	}
	return v.T(key+"_many", "count", n)
}

// Ago says how long ago t was, in the page's language.
func (v *view) Ago(t time.Time) string {
	d := time.Since(t)
	switch {
	case d < time.Minute:
		return v.T("time.just_now")
	case d < time.Hour:
		return v.Count("time.minutes_ago", int(d.Minutes()))
	case d < 24*time.Hour:
		return v.Count("time.hours_ago", int(d.Hours()))
	case d < 30*24*time.Hour:
		return v.Count("time.days_ago", int(d.Hours()/24))
	}
	return t.UTC().Format("2006-01-02")
}

// Exact is the precise time shown on hover.
func (v *view) Exact(t time.Time) string { return t.UTC().Format("2006-01-02 15:04:05 UTC") }

// RoleName is a role in the page's language.
func (v *view) RoleName(r troupe.Role) string { return v.T("role." + string(r)) }

// --- Home and workspaces ----------------------------------------------------

// homePage is what the home page shows besides the workspace.
type homePage struct {
	Invitations []invitationInfo
}

// invitationInfo is a pending invitation as its recipient sees it.
type invitationInfo struct {
	ID, WorkspaceName, InviterName string
	Role                           troupe.Role
	ExpiresAt                      time.Time
}

// loadHome fills v with the user's pending invitations.
func (s *Server) loadHome(r *http.Request, u troupe.User, v *view) error {
	invs, err := s.app.ListMyInvitations(r.Context(), u)
	if err != nil {
		return err
	}
	var p homePage
	for _, i := range invs {
		p.Invitations = append(p.Invitations, invitationInfo{ID: i.ID, WorkspaceName: i.WorkspaceName, InviterName: i.InviterName, Role: i.Role, ExpiresAt: i.ExpiresAt})
	}
	v.Data = p
	return nil
}

func (s *Server) showHome(w http.ResponseWriter, r *http.Request, u troupe.User, v *view) error {
	if err := s.loadHome(r, u, v); err != nil {
		return err
	}
	s.show(w, r, http.StatusOK, "home", v)
	return nil
}

func (s *Server) pageWorkspaces(w http.ResponseWriter, r *http.Request, u troupe.User) error {
	s.show(w, r, http.StatusOK, "workspaces", s.newView(r))
	return nil
}

func (s *Server) pageWorkspaceCreate(w http.ResponseWriter, r *http.Request, u troupe.User) error {
	name := r.PostForm.Get("name")
	ws, err := s.app.CreateWorkspace(r.Context(), u, name, s.client(r))
	if err != nil {
		v := s.newView(r)
		v.Form["name"] = name
		return s.showForm(w, r, "workspaces", v, err)
	}
	s.setWorkspaceCookie(w, r, ws.ID)
	s.flash(w, r, "flash.workspace_created")
	http.Redirect(w, r, wsPath(ws.ID, ""), http.StatusSeeOther)
	return nil
}

func (s *Server) pageWorkspaceSwitch(w http.ResponseWriter, r *http.Request, u troupe.User) error {
	ws, err := s.app.GetWorkspace(r.Context(), u, r.PathValue("ws"))
	if err != nil {
		return err
	}
	s.setWorkspaceCookie(w, r, ws.ID)
	http.Redirect(w, r, wsPath(ws.ID, ""), http.StatusSeeOther)
	return nil
}

func (s *Server) pageWorkspaceLeave(w http.ResponseWriter, r *http.Request, u troupe.User) error {
	if err := s.app.Leave(r.Context(), u, r.PathValue("ws"), s.client(r)); err != nil {
		if pageLevel(err) {
			return err
		}
		return s.showForm(w, r, "workspaces", s.newView(r), err)
	}
	s.flash(w, r, "flash.workspace_left")
	http.Redirect(w, r, "/workspaces", http.StatusSeeOther)
	return nil
}

// --- Members ------------------------------------------------------------------

// membersPage is the members table with its filters.
type membersPage struct {
	Rows             []troupe.MemberRow
	Status, Query    string
	Role             troupe.Role
	Tabs             []memberTab
	Here, NextURL    string
	FirstURL         string // set past the first page
	Problems         []app.InviteResult
	Roles, Grantable []troupe.Role
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
		return wsPath(wsID, "/members")
	}
	return wsPath(wsID, "/members?"+q.Encode())
}

// grantable lists the roles the user may give to people they invite.
func grantable(ws app.WorkspaceView) []troupe.Role {
	var out []troupe.Role
	for _, r := range troupe.Roles {
		if ws.Role.CanGrant(r) {
			out = append(out, r)
		}
	}
	return out
}

// loadMembers fills v with one page of the members table filtered by q,
// and with the panels the user's role may see. Join requests are not
// members: the "requested" filter shows them instead of the table.
func (s *Server) loadMembers(r *http.Request, u troupe.User, v *view, q url.Values) error {
	ws := *v.Workspace
	f := troupe.MemberFilter{Status: q.Get("status"), Role: troupe.Role(q.Get("role")), Query: strings.TrimSpace(q.Get("q")), Cursor: q.Get("cursor")}
	p := &membersPage{Status: f.Status, Role: f.Role, Query: f.Query,
		Here: membersURL(ws.ID, f.Status, f.Role, f.Query, f.Cursor), Roles: troupe.Roles, Grantable: grantable(ws)}
	var next string
	if f.Status != "requested" {
		var err error
		if p.Rows, next, err = s.app.ListMembers(r.Context(), u, ws.ID, f); err != nil {
			return err
		}
	}
	tabs := []struct{ status, key string }{{"", "members.filter_all"}, {"active", "members.filter_active"}}
	if ws.Role.CanInvite(ws.Settings) {
		tabs = append(tabs, struct{ status, key string }{"invited", "members.filter_invited"})
	}
	if ws.Role.CanManageMembers() {
		tabs = append(tabs, struct{ status, key string }{"requested", "members.filter_requested"})
		var err error
		if p.Requests, err = s.app.ListJoinRequests(r.Context(), u, ws.ID); err != nil {
			return err
		}
	}
	for _, t := range tabs {
		p.Tabs = append(p.Tabs, memberTab{Status: t.status, Label: v.T(t.key), URL: membersURL(ws.ID, t.status, f.Role, f.Query, "")})
	}
	if ws.Role.CanInvite(ws.Settings) && len(ws.Domains) > 0 {
		var err error
		if p.Suggestions, err = s.app.Suggestions(r.Context(), u, ws.ID); err != nil {
			return err
		}
	}
	var err error
	if p.Link, err = s.loadInviteLink(r, u, ws); err != nil {
		return err
	}
	if next != "" {
		p.NextURL = membersURL(ws.ID, f.Status, f.Role, f.Query, next)
	}
	if f.Cursor != "" {
		p.FirstURL = membersURL(ws.ID, f.Status, f.Role, f.Query, "")
	}
	v.Data = p
	return nil
}

func (s *Server) pageMembers(w http.ResponseWriter, r *http.Request, u troupe.User, v *view) error {
	if err := s.loadMembers(r, u, v, r.URL.Query()); err != nil {
		return err
	}
	s.show(w, r, http.StatusOK, "members", v)
	return nil
}

// membersFailed shows the members table with what went wrong.
func (s *Server) membersFailed(w http.ResponseWriter, r *http.Request, u troupe.User, v *view, err error) error {
	if pageLevel(err) {
		return err
	}
	if lerr := s.loadMembers(r, u, v, url.Values{}); lerr != nil {
		return lerr
	}
	return s.showForm(w, r, "members", v, err)
}

// memberAction finishes a change on the members page: back to the table
// with a confirmation, or the table with the app's refusal.
func (s *Server) memberAction(w http.ResponseWriter, r *http.Request, u troupe.User, v *view, err error, flashKey string) error {
	if err != nil {
		return s.membersFailed(w, r, u, v, err)
	}
	s.flash(w, r, flashKey)
	backTo(w, r, wsPath(v.Workspace.ID, "/members"))
	return nil
}

func (s *Server) pageInvite(w http.ResponseWriter, r *http.Request, u troupe.User, v *view) error {
	v.Data = &membersPage{Grantable: grantable(*v.Workspace)}
	s.show(w, r, http.StatusOK, "invite", v)
	return nil
}

// splitAddresses reads a list of addresses separated by commas,
// semicolons, spaces or new lines.
func splitAddresses(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ';' || unicode.IsSpace(r) })
}

// pageInvitePost sends the invitations and answers with the members table:
// a toast for those sent, a list of the addresses that were not.
func (s *Server) pageInvitePost(w http.ResponseWriter, r *http.Request, u troupe.User, v *view) error {
	raw, role := r.PostForm.Get("emails"), troupe.Role(r.PostForm.Get("role"))
	results, err := s.app.Invite(r.Context(), u, v.Workspace.ID, splitAddresses(raw), role, s.client(r))
	if err != nil {
		if pageLevel(err) {
			return err
		}
		v.Form["emails"], v.Form["role"] = raw, string(role)
		v.Data = &membersPage{Grantable: grantable(*v.Workspace)}
		return s.showForm(w, r, "invite", v, err)
	}
	// The seats bar counts the invitations just sent.
	ws, err := s.app.GetWorkspace(r.Context(), u, v.Workspace.ID)
	if err != nil {
		return err
	}
	v.Workspace = &ws
	if err := s.loadMembers(r, u, v, url.Values{}); err != nil {
		return err
	}
	sent := 0
	p := v.Data.(*membersPage)
	for _, res := range results {
		if res.Result == app.InviteInvited {
			sent++
		} else {
			p.Problems = append(p.Problems, res)
		}
	}
	if sent > 0 {
		v.Flash = v.Count("flash.invited", sent)
	}
	s.show(w, r, http.StatusOK, "members", v)
	return nil
}

func (s *Server) pageMemberRole(w http.ResponseWriter, r *http.Request, u troupe.User, v *view) error {
	_, err := s.app.ChangeRole(r.Context(), u, v.Workspace.ID, r.PathValue("user"), troupe.Role(r.PostForm.Get("role")), s.client(r))
	return s.memberAction(w, r, u, v, err, "flash.role_changed")
}

func (s *Server) pageMemberRemove(w http.ResponseWriter, r *http.Request, u troupe.User, v *view) error {
	err := s.app.RemoveMember(r.Context(), u, v.Workspace.ID, r.PathValue("user"), s.client(r))
	return s.memberAction(w, r, u, v, err, "flash.member_removed")
}

func (s *Server) pageInvitationResend(w http.ResponseWriter, r *http.Request, u troupe.User, v *view) error {
	err := s.app.ResendInvitation(r.Context(), u, v.Workspace.ID, r.PathValue("id"), s.client(r))
	return s.memberAction(w, r, u, v, err, "flash.invitation_resent")
}

func (s *Server) pageInvitationRevoke(w http.ResponseWriter, r *http.Request, u troupe.User, v *view) error {
	err := s.app.RevokeInvitation(r.Context(), u, v.Workspace.ID, r.PathValue("id"), s.client(r))
	return s.memberAction(w, r, u, v, err, "flash.invitation_revoked")
}

// --- Settings -------------------------------------------------------------

// settingsPage is the settings page's data besides the form values.
type settingsPage struct {
	Subscription app.Subscription
}

// loadSettings fills the settings forms from the workspace, keeping what
// the user just typed. It asks for the subscription too, which only Super
// Admins may read: the app's refusal is the page's.
func (s *Server) loadSettings(r *http.Request, u troupe.User, v *view) error {
	ws := v.Workspace
	sub, err := s.app.GetSubscription(r.Context(), u, ws.ID)
	if err != nil {
		return err
	}
	v.Data = settingsPage{Subscription: sub}
	set := ws.Settings
	current := map[string]string{"name": ws.Name, "description": ws.Description, "join_policy": string(set.JoinPolicy),
		"who_can_invite": string(set.WhoCanInvite), "invite_link_policy": string(set.InviteLinkPolicy),
		"default_access": string(set.DefaultAccess), "downloads": string(set.Downloads), "publishing": string(set.Publishing)}
	for k, val := range current {
		if _, typed := v.Form[k]; !typed {
			v.Form[k] = val
		}
	}
	return nil
}

func (s *Server) pageSettings(w http.ResponseWriter, r *http.Request, u troupe.User, v *view) error {
	if err := s.loadSettings(r, u, v); err != nil {
		return err
	}
	s.show(w, r, http.StatusOK, "settings", v)
	return nil
}

// settingsFailed shows the settings with what went wrong.
func (s *Server) settingsFailed(w http.ResponseWriter, r *http.Request, u troupe.User, v *view, err error) error {
	if pageLevel(err) {
		return err
	}
	if lerr := s.loadSettings(r, u, v); lerr != nil {
		return lerr
	}
	return s.showForm(w, r, "settings", v, err)
}

// formValue returns a pointer to the form's value for name, or nil when
// the form has no such field: each settings section sends only its own.
func formValue[T ~string](f url.Values, name string) *T {
	if !f.Has(name) {
		return nil
	}
	x := T(f.Get(name))
	return &x
}

func (s *Server) pageSettingsPost(w http.ResponseWriter, r *http.Request, u troupe.User, v *view) error {
	f := r.PostForm
	upd := app.WorkspaceUpdate{Name: formValue[string](f, "name"), Description: formValue[string](f, "description"),
		JoinPolicy: formValue[troupe.JoinPolicy](f, "join_policy"), WhoCanInvite: formValue[troupe.WhoCanInvite](f, "who_can_invite"),
		InviteLinkPolicy: formValue[troupe.LinkPolicy](f, "invite_link_policy"), DefaultAccess: formValue[troupe.DefaultAccess](f, "default_access"),
		Downloads: formValue[troupe.Permission](f, "downloads"), Publishing: formValue[troupe.Permission](f, "publishing")}
	ws, err := s.app.UpdateWorkspace(r.Context(), u, v.Workspace.ID, upd, s.client(r))
	if err != nil {
		for k := range f {
			v.Form[k] = f.Get(k)
		}
		return s.settingsFailed(w, r, u, v, err)
	}
	s.flash(w, r, "flash.settings_saved")
	http.Redirect(w, r, wsPath(ws.ID, "/settings"), http.StatusSeeOther)
	return nil
}

// pageDomainsPost adds or removes one domain: the app checks the whole
// new list.
func (s *Server) pageDomainsPost(w http.ResponseWriter, r *http.Request, u troupe.User, v *view) error {
	domains, flashKey := slices.Clone(v.Workspace.Domains), "flash.domain_added"
	if gone := r.PostForm.Get("remove"); gone != "" {
		domains, flashKey = slices.DeleteFunc(domains, func(d string) bool { return d == gone }), "flash.domain_removed"
	} else {
		domains = append(domains, r.PostForm.Get("domain"))
	}
	if _, err := s.app.UpdateWorkspace(r.Context(), u, v.Workspace.ID, app.WorkspaceUpdate{Domains: &domains}, s.client(r)); err != nil {
		v.Form["domain"] = r.PostForm.Get("domain")
		return s.settingsFailed(w, r, u, v, err)
	}
	s.flash(w, r, flashKey)
	http.Redirect(w, r, wsPath(v.Workspace.ID, "/settings#domains"), http.StatusSeeOther)
	return nil
}

func (s *Server) pageSeats(w http.ResponseWriter, r *http.Request, u troupe.User, v *view) error {
	sub, err := s.app.GetSubscription(r.Context(), u, v.Workspace.ID)
	if err != nil {
		return err
	}
	v.Data = settingsPage{Subscription: sub}
	v.Form["plan"], v.Form["seats"] = sub.Plan, strconv.Itoa(sub.Seats)
	s.show(w, r, http.StatusOK, "seats", v)
	return nil
}

func (s *Server) pageSeatsPost(w http.ResponseWriter, r *http.Request, u troupe.User, v *view) error {
	plan, rawSeats := r.PostForm.Get("plan"), strings.TrimSpace(r.PostForm.Get("seats"))
	// A number that does not parse is sent as 0, which the app refuses
	// as out of range.
	seats, _ := strconv.Atoi(rawSeats)
	_, err := s.app.UpdateSubscription(r.Context(), u, v.Workspace.ID, plan, seats, s.client(r))
	if err != nil {
		if pageLevel(err) {
			return err
		}
		sub, serr := s.app.GetSubscription(r.Context(), u, v.Workspace.ID)
		if serr != nil {
			return serr
		}
		v.Data = settingsPage{Subscription: sub}
		v.Form["plan"], v.Form["seats"] = plan, rawSeats
		return s.showForm(w, r, "seats", v, err)
	}
	s.flash(w, r, "flash.seats_saved")
	http.Redirect(w, r, wsPath(v.Workspace.ID, "/settings/seats"), http.StatusSeeOther)
	return nil
}

// choiceField is a setting with a fixed set of values, shown as a select
// or radio buttons; its texts come from the catalog ("settings.<name>",
// "settings.<name>.<value>", optional "…_hint").
type choiceField struct {
	Name, Label, Hint, Error string
	Options                  []choiceOption
}

type choiceOption struct {
	Value, Label, Hint string
	Selected           bool
}

// Choice builds a setting's field from the form's value; templates call it
// so that the field's error is already known.
func (v *view) Choice(name string, values ...string) choiceField {
	key := "settings." + name
	f := choiceField{Name: name, Label: v.T(key), Error: v.Err(name)}
	if v.cat.Has(key + "_hint") {
		f.Hint = v.T(key + "_hint")
	}
	for _, val := range values {
		o := choiceOption{Value: val, Label: v.T(key + "." + val), Selected: v.Val(name) == val}
		if v.cat.Has(key + "." + val + "_hint") {
			o.Hint = v.T(key + "." + val + "_hint")
		}
		f.Options = append(f.Options, o)
	}
	return f
}

// --- Audit log --------------------------------------------------------------

// auditActions are the families of actions the audit log can be filtered
// by (the filter matches a prefix).
var auditActions = []string{"member.", "invitation.", "invite_link.", "join_request.", "settings.", "domain.", "subscription.", "api_token.", "workspace."}

type auditPage struct {
	Entries         []troupe.AuditEntry
	Action          string
	Actions         []string
	NextURL, Export string
	FirstURL        string // set past the first page
}

func auditURL(wsID, action, cursor string) string {
	q := url.Values{}
	if action != "" {
		q.Set("action", action)
	}
	if cursor != "" {
		q.Set("cursor", cursor)
	}
	if len(q) == 0 {
		return wsPath(wsID, "/audit")
	}
	return wsPath(wsID, "/audit?"+q.Encode())
}

func (s *Server) pageAudit(w http.ResponseWriter, r *http.Request, u troupe.User, v *view) error {
	q := r.URL.Query()
	f := troupe.AuditFilter{Action: q.Get("action"), Cursor: q.Get("cursor")}
	entries, next, err := s.app.ListAudit(r.Context(), u, v.Workspace.ID, f)
	if err != nil {
		return err
	}
	export := url.Values{"format": {"csv"}}
	if f.Action != "" {
		export.Set("action", f.Action)
	}
	p := auditPage{Entries: entries, Action: f.Action, Actions: auditActions,
		Export: "/api/v1/workspaces/" + url.PathEscape(v.Workspace.ID) + "/audit-log?" + export.Encode()}
	if next != "" {
		p.NextURL = auditURL(v.Workspace.ID, f.Action, next)
	}
	if f.Cursor != "" {
		p.FirstURL = auditURL(v.Workspace.ID, f.Action, "")
	}
	v.Data = p
	s.show(w, r, http.StatusOK, "audit", v)
	return nil
}

// ActionName is an audit action in the page's language, or as recorded
// when the catalog does not know it.
func (v *view) ActionName(action string) string {
	if key := "audit.action." + action; v.cat.Has(key) {
		return v.T(key)
	}
	return action
}

// --- Invitation link --------------------------------------------------------

// invitationPage is the page of an invitation link: what the invitation
// offers, or why it no longer works (Problem, an error code).
type invitationPage struct {
	Token   string
	Preview app.InvitationPreview
	Problem troupe.Code
	// Mine is set when the signed-in user is the invited address.
	Mine bool
}

// previewInvitation describes the invitation of token for u (nil when
// signed out). An invitation that no longer works is not an error of the
// page: it says so in place of the forms.
func (s *Server) previewInvitation(r *http.Request, u *troupe.User, token string) (invitationPage, error) {
	p := invitationPage{Token: token}
	pre, err := s.app.PreviewInvitation(r.Context(), token)
	if err != nil {
		switch code := troupe.ErrorCode(err); code {
		case troupe.CodeInvitationExpired, troupe.CodeInvitationInvalid, troupe.CodeNotFound:
			p.Problem = code
			return p, nil
		}
		return p, err
	}
	p.Preview = pre
	p.Mine = u != nil && troupe.NormalizeEmail(u.Email) == troupe.NormalizeEmail(pre.Email)
	return p, nil
}

// invitationStatus is the page's status: 410 for an invitation used up
// or expired, 404 for one that never existed.
func invitationStatus(p invitationPage) int {
	switch p.Problem {
	case "":
		return http.StatusOK
	case troupe.CodeNotFound:
		return http.StatusNotFound
	}
	return http.StatusGone
}

func (s *Server) pageInvitation(w http.ResponseWriter, r *http.Request) error {
	u, err := s.currentUser(r)
	if err != nil {
		return err
	}
	p, err := s.previewInvitation(r, u, r.PathValue("token"))
	if err != nil {
		return err
	}
	v := s.newView(r)
	v.Data = p
	v.Form["email"] = p.Preview.Email
	s.show(w, r, invitationStatus(p), "invitation", v)
	return nil
}

// pageInvitationSignup creates the account from the link, which the app
// accepts in the same step, and signs it in.
func (s *Server) pageInvitationSignup(w http.ResponseWriter, r *http.Request) error {
	token := r.PathValue("token")
	in := app.SignupInput{Name: r.PostForm.Get("name"), Email: r.PostForm.Get("email"), Password: r.PostForm.Get("password")}
	_, secret, err := s.app.SignupWithInvitation(r.Context(), in, token, s.client(r))
	if err != nil {
		if pageLevel(err) {
			return err
		}
		p, perr := s.previewInvitation(r, nil, token)
		if perr != nil {
			return perr
		}
		v := s.newView(r)
		v.Form["name"], v.Form["email"] = in.Name, in.Email
		v.Data = p
		if troupe.ErrorCode(err) == troupe.CodeConflict {
			// The holder of the link may learn that the address has an
			// account (the app says so too): point them to sign-in.
			setRetryAfter(w, err)
			v.Error = v.T("invitation.account_exists")
			s.show(w, r, http.StatusConflict, "invitation", v)
			return nil
		}
		return s.showForm(w, r, "invitation", v, err)
	}
	s.endCurrentSession(r)
	s.setSessionCookie(w, r, secret)
	s.flash(w, r, "flash.invitation_accepted")
	// The account is new: its only workspace is the one it just joined,
	// which home opens.
	http.Redirect(w, r, "/", http.StatusSeeOther)
	return nil
}

func (s *Server) invitationFailed(w http.ResponseWriter, r *http.Request, u troupe.User, token string, err error) error {
	if pageLevel(err) {
		return err
	}
	p, perr := s.previewInvitation(r, &u, token)
	if perr != nil {
		return perr
	}
	v := s.newView(r)
	v.Data = p
	return s.showForm(w, r, "invitation", v, err)
}

func (s *Server) pageInvitationAccept(w http.ResponseWriter, r *http.Request, u troupe.User) error {
	token := r.PathValue("token")
	ws, err := s.app.AcceptInvitation(r.Context(), u, token, s.client(r))
	if err != nil {
		return s.invitationFailed(w, r, u, token, err)
	}
	s.setWorkspaceCookie(w, r, ws.ID)
	s.flash(w, r, "flash.invitation_accepted")
	http.Redirect(w, r, wsPath(ws.ID, ""), http.StatusSeeOther)
	return nil
}

func (s *Server) pageInvitationDecline(w http.ResponseWriter, r *http.Request, u troupe.User) error {
	token := r.PathValue("token")
	if err := s.app.DeclineInvitation(r.Context(), u, token, s.client(r)); err != nil {
		return s.invitationFailed(w, r, u, token, err)
	}
	s.flash(w, r, "flash.invitation_declined")
	http.Redirect(w, r, "/", http.StatusSeeOther)
	return nil
}

// pageInvitationSignout signs out and opens the link again, for someone
// signed in with another address than the invited one.
func (s *Server) pageInvitationSignout(w http.ResponseWriter, r *http.Request) error {
	s.endCurrentSession(r)
	s.clearSessionCookie(w, r)
	http.Redirect(w, r, "/invitations/"+url.PathEscape(r.PathValue("token")), http.StatusSeeOther)
	return nil
}
