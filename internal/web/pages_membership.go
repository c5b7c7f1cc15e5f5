package web

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"troupe/internal/app"
	"troupe/internal/troupe"
)

// routeMembershipPages registers the pages of invite links, join requests,
// discovery, notifications and API tokens.
func (s *Server) routeMembershipPages(open func(string, pageHandler), authed func(string, func(http.ResponseWriter, *http.Request, troupe.User) error)) {
	inWorkspace := func(pattern string, h wsHandler) { authed(pattern, s.inWorkspace(h)) }

	inWorkspace("POST /w/{ws}/invite-link", s.pageInviteLinkSave)
	inWorkspace("POST /w/{ws}/invite-link/reset", s.pageInviteLinkReset)
	inWorkspace("POST /w/{ws}/invite-link/delete", s.pageInviteLinkDelete)
	inWorkspace("POST /w/{ws}/join-requests/{id}/approve", s.pageJoinRequestApprove)
	inWorkspace("POST /w/{ws}/join-requests/{id}/deny", s.pageJoinRequestDeny)
	inWorkspace("GET /w/{ws}/settings/api-tokens", s.pageAPITokens)
	inWorkspace("POST /w/{ws}/settings/api-tokens", s.pageAPITokenCreate)
	inWorkspace("POST /w/{ws}/settings/api-tokens/{id}/revoke", s.pageAPITokenRevoke)

	authed("POST /my-invitations/{id}/accept", s.pageMyInvitationAccept)
	authed("POST /my-invitations/{id}/decline", s.pageMyInvitationDecline)
	authed("GET /discover", s.pageDiscover)
	authed("POST /discover/{ws}/join", s.pageDiscoverJoin)
	open("GET /join/{token}", s.pageJoinLink)
	authed("POST /join/{token}", s.pageJoinLinkPost)
	authed("GET /notifications", s.pageNotifications)
	authed("GET /notifications/panel", s.pageNotificationPanel)
	authed("POST /notifications/read-all", s.pageNotificationsReadAll)
	authed("POST /notifications/{id}/read", s.pageNotificationRead)
}

// --- Home: one's own invitations ---------------------------------------------

// homeFailed shows home with what went wrong.
func (s *Server) homeFailed(w http.ResponseWriter, r *http.Request, u troupe.User, err error) error {
	if pageLevel(err) {
		return err
	}
	v := s.newView(r)
	if lerr := s.loadHome(r, u, v); lerr != nil {
		return lerr
	}
	return s.showForm(w, r, "home", v, err)
}

func (s *Server) pageMyInvitationAccept(w http.ResponseWriter, r *http.Request, u troupe.User) error {
	ws, err := s.app.AcceptMyInvitation(r.Context(), u, r.PathValue("id"), s.client(r))
	if err != nil {
		return s.homeFailed(w, r, u, err)
	}
	s.setWorkspaceCookie(w, r, ws.ID)
	s.flash(w, r, "flash.invitation_accepted")
	http.Redirect(w, r, wsPath(ws.ID, ""), http.StatusSeeOther)
	return nil
}

func (s *Server) pageMyInvitationDecline(w http.ResponseWriter, r *http.Request, u troupe.User) error {
	if err := s.app.DeclineMyInvitation(r.Context(), u, r.PathValue("id"), s.client(r)); err != nil {
		return s.homeFailed(w, r, u, err)
	}
	s.flash(w, r, "flash.invitation_declined")
	http.Redirect(w, r, "/", http.StatusSeeOther)
	return nil
}

// --- Invite link ----------------------------------------------------------------

// linkPanel is the invite-link panel of the members page. URL is known
// only right after the link is made or reset.
type linkPanel struct {
	Link *app.InviteLinkView
	URL  string
	// ExpiresAt is the exact expiry the hidden fields send back;
	// ExpiryDate and MaxUses fill the settings form.
	ExpiresAt, ExpiryDate, MaxUses string
}

// loadInviteLink fills the panel for those whose role may manage the link
// under the workspace's settings; a workspace without a link gets the
// creation form.
func (s *Server) loadInviteLink(r *http.Request, u troupe.User, ws app.WorkspaceView) (*linkPanel, error) {
	if !ws.Role.CanManageInviteLink(ws.Settings) {
		return nil, nil
	}
	l, err := s.app.GetInviteLink(r.Context(), u, ws.ID)
	if troupe.ErrorCode(err) == troupe.CodeNotFound {
		return &linkPanel{}, nil
	}
	if err != nil {
		return nil, err
	}
	return newLinkPanel(l, ""), nil
}

func newLinkPanel(l app.InviteLinkView, baseURL string) *linkPanel {
	p := &linkPanel{Link: &l}
	if l.Token != "" {
		p.URL = baseURL + "/join/" + l.Token
	}
	if l.ExpiresAt != nil {
		p.ExpiresAt = l.ExpiresAt.UTC().Format(time.RFC3339)
		// The form's date is the last day the link works (see parseExpiry).
		p.ExpiryDate = l.ExpiresAt.UTC().Add(-time.Second).Format(time.DateOnly)
	}
	if l.MaxUses != nil {
		p.MaxUses = strconv.Itoa(*l.MaxUses)
	}
	return p
}

// parseExpiry reads the link's expiry: a date from the form's date field
// (the link then works until the end of that day, UTC) or the exact time
// the hidden fields carry. Empty means no expiry; what does not parse is
// sent as a time in the past, which the app refuses with its own message.
func parseExpiry(raw string) *time.Time {
	raw = strings.TrimSpace(raw)
	if raw == "" {
		return nil
	}
	if t, err := time.Parse(time.RFC3339, raw); err == nil {
		return &t
	}
	t, err := time.Parse(time.DateOnly, raw)
	if err != nil {
		t = time.Unix(0, 0)
	} else {
		t = t.Add(24 * time.Hour)
	}
	return &t
}

// parseMaxUses reads the optional maximum of uses; what does not parse is
// sent as 0, which the app refuses as out of range.
func parseMaxUses(raw string) *int {
	raw = strings.TrimSpace(raw)
	if raw == "" {
		return nil
	}
	n, err := strconv.Atoi(raw)
	if err != nil {
		n = 0
	}
	return &n
}

// showMembersWithLink answers a link change with the members page, which
// shows the link's address when the app just returned its token.
func (s *Server) showMembersWithLink(w http.ResponseWriter, r *http.Request, u troupe.User, v *view, l app.InviteLinkView, flashKey string) error {
	if l.Token == "" {
		s.flash(w, r, flashKey)
		http.Redirect(w, r, wsPath(v.Workspace.ID, "/members#invite-link"), http.StatusSeeOther)
		return nil
	}
	if err := s.loadMembers(r, u, v, url.Values{}); err != nil {
		return err
	}
	v.Data.(*membersPage).Link = newLinkPanel(l, s.cfg.BaseURL)
	v.Flash = v.T(flashKey)
	s.show(w, r, http.StatusOK, "members", v)
	return nil
}

func (s *Server) pageInviteLinkSave(w http.ResponseWriter, r *http.Request, u troupe.User, v *view) error {
	f := r.PostForm
	in := app.InviteLinkInput{Role: troupe.Role(f.Get("role")), Enabled: f.Get("enabled") != "false",
		ExpiresAt: parseExpiry(f.Get("expires_at")), MaxUses: parseMaxUses(f.Get("max_uses"))}
	l, err := s.app.SaveInviteLink(r.Context(), u, v.Workspace.ID, in, s.client(r))
	if err != nil {
		for _, k := range []string{"role", "expires_at", "max_uses"} {
			v.Form["link_"+k] = f.Get(k)
		}
		return s.membersFailed(w, r, u, v, err)
	}
	key := "flash.link_saved"
	switch {
	case l.Token != "":
		key = "flash.link_created"
	case f.Has("toggle") && l.Enabled:
		key = "flash.link_enabled"
	case f.Has("toggle"):
		key = "flash.link_disabled"
	}
	return s.showMembersWithLink(w, r, u, v, l, key)
}

func (s *Server) pageInviteLinkReset(w http.ResponseWriter, r *http.Request, u troupe.User, v *view) error {
	l, err := s.app.ResetInviteLink(r.Context(), u, v.Workspace.ID, s.client(r))
	if err != nil {
		return s.membersFailed(w, r, u, v, err)
	}
	return s.showMembersWithLink(w, r, u, v, l, "flash.link_reset")
}

func (s *Server) pageInviteLinkDelete(w http.ResponseWriter, r *http.Request, u troupe.User, v *view) error {
	err := s.app.DeleteInviteLink(r.Context(), u, v.Workspace.ID, s.client(r))
	return s.memberAction(w, r, u, v, err, "flash.link_deleted")
}

// --- Join requests ----------------------------------------------------------

// decided finishes an approval or a denial, asked from the members page
// or from the notifications (panel or page): back where it came from, or
// the app's refusal shown there.
func (s *Server) decided(w http.ResponseWriter, r *http.Request, u troupe.User, v *view, err error, flashKey string) error {
	if err == nil {
		s.flash(w, r, flashKey)
		backTo(w, r, wsPath(v.Workspace.ID, "/members?status=requested"))
		return nil
	}
	if strings.HasPrefix(r.PostForm.Get("back"), "/notifications") && !pageLevel(err) {
		nv := s.newView(r)
		if lerr := s.loadNotifications(r, u, nv, ""); lerr != nil {
			return lerr
		}
		return s.showForm(w, r, "notifications", nv, err)
	}
	return s.membersFailed(w, r, u, v, err)
}

func (s *Server) pageJoinRequestApprove(w http.ResponseWriter, r *http.Request, u troupe.User, v *view) error {
	err := s.app.ApproveJoinRequest(r.Context(), u, v.Workspace.ID, r.PathValue("id"), troupe.Role(r.PostForm.Get("role")), s.client(r))
	return s.decided(w, r, u, v, err, "flash.request_approved")
}

func (s *Server) pageJoinRequestDeny(w http.ResponseWriter, r *http.Request, u troupe.User, v *view) error {
	err := s.app.DenyJoinRequest(r.Context(), u, v.Workspace.ID, r.PathValue("id"), s.client(r))
	return s.decided(w, r, u, v, err, "flash.request_denied")
}

// --- Find your team ---------------------------------------------------------

// discoverPage lists the workspaces the user may join or ask to join.
type discoverPage struct {
	Found  []app.Discoverable
	Domain string
}

func (s *Server) loadDiscover(r *http.Request, u troupe.User, v *view) error {
	found, err := s.app.Discover(r.Context(), u)
	if err != nil {
		return err
	}
	v.Data = discoverPage{Found: found, Domain: troupe.EmailDomain(u.Email)}
	return nil
}

func (s *Server) pageDiscover(w http.ResponseWriter, r *http.Request, u troupe.User) error {
	v := s.newView(r)
	if err := s.loadDiscover(r, u, v); err != nil {
		return err
	}
	s.show(w, r, http.StatusOK, "discover", v)
	return nil
}

func (s *Server) pageDiscoverJoin(w http.ResponseWriter, r *http.Request, u troupe.User) error {
	res, err := s.app.JoinWorkspace(r.Context(), u, r.PathValue("ws"), s.client(r))
	if err != nil {
		if pageLevel(err) {
			return err
		}
		v := s.newView(r)
		if lerr := s.loadDiscover(r, u, v); lerr != nil {
			return lerr
		}
		return s.showForm(w, r, "discover", v, err)
	}
	return s.joined(w, r, res, "/discover")
}

// joined lands a new member in the workspace, or tells a requester that
// the Super Admins were asked.
func (s *Server) joined(w http.ResponseWriter, r *http.Request, res app.JoinResult, requestedPage string) error {
	if res.Result == "joined" {
		s.setWorkspaceCookie(w, r, res.WorkspaceID)
		s.flash(w, r, "flash.joined")
		http.Redirect(w, r, wsPath(res.WorkspaceID, ""), http.StatusSeeOther)
		return nil
	}
	s.flash(w, r, "flash.request_sent")
	http.Redirect(w, r, requestedPage, http.StatusSeeOther)
	return nil
}

// --- Joining by invite link -------------------------------------------------

// joinLinkPage is the page of an invite link. Requested is set once the
// user asked to join through it.
type joinLinkPage struct {
	Token     string
	Requested bool
	Failed    bool
	Preview   app.LinkPreview
}

func (s *Server) pageJoinLink(w http.ResponseWriter, r *http.Request) error {
	v := s.newView(r)
	token := r.PathValue("token")
	page := joinLinkPage{Token: token, Requested: r.URL.Query().Get("sent") == "1"}
	if !page.Requested {
		preview, err := s.app.PreviewInviteLink(r.Context(), token)
		if err != nil {
			page.Failed = true
			v.Data = page
			return s.showForm(w, r, "join", v, err)
		}
		page.Preview = preview
	}
	v.Data = page
	s.show(w, r, http.StatusOK, "join", v)
	return nil
}

func (s *Server) pageJoinLinkPost(w http.ResponseWriter, r *http.Request, u troupe.User) error {
	token := r.PathValue("token")
	res, err := s.app.JoinByLink(r.Context(), u, token, s.client(r))
	if err != nil {
		v := s.newView(r)
		v.Data = joinLinkPage{Token: token, Failed: true}
		return s.showForm(w, r, "join", v, err)
	}
	return s.joined(w, r, res, "/join/"+url.PathEscape(token)+"?sent=1")
}

// --- Notifications ------------------------------------------------------------

// notesView is the bell's badge and list.
type notesView struct {
	Unread  int
	Items   []noteView
	NextURL string
	// Back is where the panel's forms return to.
	Back string
}

// noteView is one notification as a sentence with where it leads.
type noteView struct {
	ID, Text, Target string
	Unread           bool
	At               time.Time
	// Request is set on join requests the user may still decide.
	Request *noteRequest
}

type noteRequest struct {
	WorkspaceID, ID, Name string
	Grantable             []troupe.Role
}

// panelSize is how many notifications the bell's panel lists.
const panelSize = 8

// fillNotifications gives the bell its badge and latest notifications. A
// failure only leaves the bell empty; the page itself still answers.
func (s *Server) fillNotifications(r *http.Request, u troupe.User, v *view) {
	items, _, unread, err := s.app.ListNotifications(r.Context(), u, "", panelSize)
	if err != nil {
		s.log.WarnContext(r.Context(), "list notifications for the bell", "request_id", state(r).id, "err", err)
		return
	}
	v.Notes = v.notes(items, unread, r.URL.RequestURI())
}

// notes turns the app's notifications into sentences in the page's
// language.
func (v *view) notes(items []troupe.Notification, unread int, back string) *notesView {
	n := &notesView{Unread: unread, Back: back}
	for _, it := range items {
		n.Items = append(n.Items, v.note(it))
	}
	return n
}

// noteTargets says which page each kind of notification opens.
var noteTargets = map[string]string{
	app.NoteJoinRequest:        "/members?status=requested",
	app.NoteInvitationAccepted: "/members",
	app.NoteRequestApproved:    "",
	app.NoteRoleChanged:        "",
	app.NoteSeatLimit:          "/settings/seats",
}

func (v *view) note(n troupe.Notification) noteView {
	var data map[string]any
	_ = json.Unmarshal([]byte(n.Data), &data) // a malformed payload only leaves blanks in the sentence
	args := []any{}
	for k, val := range data {
		text := fmt.Sprint(val)
		if k == "role" {
			text = v.RoleName(troupe.Role(text))
		}
		args = append(args, k, text)
	}
	out := noteView{ID: n.ID, Unread: n.ReadAt == nil, At: n.CreatedAt, Target: "/discover"}
	if rest, ok := noteTargets[n.Kind]; ok {
		out.Target = wsPath(n.WorkspaceID, rest)
	}
	if p, _ := data["path"].(string); (n.Kind == app.NoteItemShared || n.Kind == app.NoteVideoGuessed) && p != "" && localPath(p) == p {
		out.Target = p
	}
	out.Text = n.Kind
	if key := "notif." + n.Kind; v.cat.Has(key) {
		out.Text = v.T(key, args...)
	}
	if n.Kind == app.NoteJoinRequest && out.Unread {
		for _, ws := range v.Workspaces {
			if ws.ID == n.WorkspaceID && ws.Role.CanManageMembers() {
				name, _ := data["name"].(string)
				out.Request = &noteRequest{WorkspaceID: ws.ID, ID: n.SubjectID, Name: name, Grantable: grantable(ws)}
			}
		}
	}
	return out
}

func (s *Server) loadNotifications(r *http.Request, u troupe.User, v *view, cursor string) error {
	items, next, unread, err := s.app.ListNotifications(r.Context(), u, cursor, 50)
	if err != nil {
		return err
	}
	v.Data = v.notes(items, unread, "/notifications")
	if next != "" {
		v.Data.(*notesView).NextURL = "/notifications?cursor=" + url.QueryEscape(next)
	}
	return nil
}

func (s *Server) pageNotifications(w http.ResponseWriter, r *http.Request, u troupe.User) error {
	v := s.newView(r)
	if err := s.loadNotifications(r, u, v, r.URL.Query().Get("cursor")); err != nil {
		return err
	}
	s.show(w, r, http.StatusOK, "notifications", v)
	return nil
}

// pageNotificationPanel renders only the bell's list, which the page's
// script swaps in when the unread count changes; its forms return to the
// page the panel is on.
func (s *Server) pageNotificationPanel(w http.ResponseWriter, r *http.Request, u troupe.User) error {
	v := s.newView(r)
	if v.Notes == nil {
		return troupe.Errorf(troupe.CodeUnavailable, "The notifications could not be loaded.")
	}
	v.Notes.Back = localPath(r.URL.Query().Get("back"))
	s.pages.render(w, http.StatusOK, "notifications_panel", v)
	return nil
}

func (s *Server) pageNotificationsReadAll(w http.ResponseWriter, r *http.Request, u troupe.User) error {
	if err := s.app.MarkAllRead(r.Context(), u); err != nil {
		return err
	}
	s.flash(w, r, "flash.notifications_read")
	backTo(w, r, "/notifications")
	return nil
}

// pageNotificationRead marks a notification read as it is opened, then
// opens the page it is about.
func (s *Server) pageNotificationRead(w http.ResponseWriter, r *http.Request, u troupe.User) error {
	if err := s.app.MarkRead(r.Context(), u, r.PathValue("id")); err != nil {
		return err
	}
	backTo(w, r, "/notifications")
	return nil
}

// --- API tokens -------------------------------------------------------------

// tokensPage lists API tokens; Created holds the secret of the token just
// made, shown this once.
type tokensPage struct {
	Tokens  []tokenRow
	Created *app.APIToken
}

type tokenRow struct {
	troupe.APIToken
	Owner string // empty for the user's own tokens
}

// loadTokens lists the tokens the app lets the user see (everyone's, with
// their owners, for Super Admins).
func (s *Server) loadTokens(r *http.Request, u troupe.User, v *view) error {
	tokens, err := s.app.ListAPITokens(r.Context(), u, v.Workspace.ID)
	if err != nil {
		return err
	}
	p := &tokensPage{}
	for _, t := range tokens {
		row := tokenRow{APIToken: t}
		if t.UserID != u.ID {
			row.Owner = t.OwnerName
		}
		p.Tokens = append(p.Tokens, row)
	}
	v.Data = p
	return nil
}

func (s *Server) pageAPITokens(w http.ResponseWriter, r *http.Request, u troupe.User, v *view) error {
	if err := s.loadTokens(r, u, v); err != nil {
		return err
	}
	s.show(w, r, http.StatusOK, "api_tokens", v)
	return nil
}

// pageAPITokenCreate answers with the page itself rather than a redirect,
// so that the secret is shown once and never kept anywhere.
func (s *Server) pageAPITokenCreate(w http.ResponseWriter, r *http.Request, u troupe.User, v *view) error {
	name := r.PostForm.Get("name")
	t, err := s.app.CreateAPIToken(r.Context(), u, v.Workspace.ID, name, s.client(r))
	if lerr := s.loadTokens(r, u, v); lerr != nil {
		return lerr
	}
	if err != nil {
		if pageLevel(err) {
			return err
		}
		v.Form["name"] = name
		return s.showForm(w, r, "api_tokens", v, err)
	}
	v.Data.(*tokensPage).Created = &t
	v.Flash = v.T("flash.token_created")
	s.show(w, r, http.StatusOK, "api_tokens", v)
	return nil
}

func (s *Server) pageAPITokenRevoke(w http.ResponseWriter, r *http.Request, u troupe.User, v *view) error {
	if err := s.app.RevokeAPIToken(r.Context(), u, v.Workspace.ID, r.PathValue("id"), s.client(r)); err != nil {
		return err
	}
	s.flash(w, r, "flash.token_revoked")
	http.Redirect(w, r, wsPath(v.Workspace.ID, "/settings/api-tokens"), http.StatusSeeOther)
	return nil
}

// --- Template helpers -------------------------------------------------------

// noteList is what the notification list template receives: the page's
// view, for its language, and the notifications to list.
type noteList struct {
	*view
	Notes *notesView
}

// NoteList pairs the view with notifications for the list template.
func (v *view) NoteList(n *notesView) noteList { return noteList{view: v, Notes: n} }

// copyField is a read-only field with a Copy button.
type copyField struct {
	ID, Label, Value, Copy, Copied string
}

// CopyField builds a copyable field labelled by the catalog key labelKey.
func (v *view) CopyField(id, labelKey, value string) copyField {
	return copyField{ID: id, Label: v.T(labelKey), Value: value, Copy: v.T("copy.copy"), Copied: v.T("copy.copied")}
}
