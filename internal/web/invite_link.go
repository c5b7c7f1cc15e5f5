package web

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"troupe/internal/app"
	"troupe/internal/paths"
	"troupe/internal/troupe"
)

type inviteLinkJSON struct {
	URL       *string     `json:"url"`
	Token     *string     `json:"token"`
	URLStatus string      `json:"url_status"`
	Role      troupe.Role `json:"role"`
	Enabled   bool        `json:"enabled"`
	ExpiresAt *time.Time  `json:"expires_at"`
	MaxUses   *int        `json:"max_uses"`
	Uses      int         `json:"uses"`
}

// toInviteLinkJSON shows the URL to those who may hand the link out;
// url_status says why it is null otherwise ("reset_required" for a link
// made before links were kept sealed, "above_role" for a link giving a
// role above the caller's).
func (s *Server) toInviteLinkJSON(l app.InviteLinkView) inviteLinkJSON {
	out := inviteLinkJSON{Role: l.Role, Enabled: l.Enabled, ExpiresAt: l.ExpiresAt, MaxUses: l.MaxUses, Uses: l.Uses, URLStatus: string(l.TokenState)}
	if l.Token != "" {
		url := s.cfg.BaseURL + paths.JoinLink(l.Token)
		out.URL, out.Token = &url, &l.Token
	}
	return out
}

func (s *Server) handleInviteLinkGet(w http.ResponseWriter, r *http.Request, u troupe.User) error {
	l, err := s.app.GetInviteLink(r.Context(), u, r.PathValue("ws"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, s.toInviteLinkJSON(l))
	return nil
}

func (s *Server) handleInviteLinkPut(w http.ResponseWriter, r *http.Request, u troupe.User) error {
	var in struct {
		Role      troupe.Role `json:"role"`
		Enabled   *bool       `json:"enabled"`
		ExpiresAt *time.Time  `json:"expires_at"`
		MaxUses   *int        `json:"max_uses"`
	}
	if err := decode(w, r, &in); err != nil {
		return err
	}
	enabled := in.Enabled == nil || *in.Enabled
	l, err := s.app.SaveInviteLink(r.Context(), u, r.PathValue("ws"), app.InviteLinkInput{Role: in.Role, Enabled: enabled,
		ExpiresAt: in.ExpiresAt, MaxUses: in.MaxUses}, s.client(r))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, s.toInviteLinkJSON(l))
	return nil
}

func (s *Server) handleInviteLinkReset(w http.ResponseWriter, r *http.Request, u troupe.User) error {
	l, err := s.app.ResetInviteLink(r.Context(), u, r.PathValue("ws"), s.client(r))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, s.toInviteLinkJSON(l))
	return nil
}

func (s *Server) handleInviteLinkDelete(w http.ResponseWriter, r *http.Request, u troupe.User) error {
	if err := s.app.DeleteInviteLink(r.Context(), u, r.PathValue("ws"), s.client(r)); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

type joinJSON struct {
	Result      string `json:"result"`
	WorkspaceID string `json:"workspace_id"`
}

func (s *Server) handleJoinByLink(w http.ResponseWriter, r *http.Request, u troupe.User) error {
	res, err := s.app.JoinByLink(r.Context(), u, r.PathValue("token"), s.client(r))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, joinJSON(res))
	return nil
}

// --- Invite link ----------------------------------------------------------------

// linkPanel is the invite-link panel of the members page. URL is there
// for those who may hand the link out, unless the link predates sealed
// tokens (Link.TokenState says which).
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
	if !ws.Can.ManageInviteLink {
		return nil, nil
	}
	l, err := s.app.GetInviteLink(r.Context(), u, ws.ID)
	if troupe.ErrorCode(err) == troupe.CodeNotFound {
		return &linkPanel{}, nil
	}
	if err != nil {
		return nil, err
	}
	return newLinkPanel(l, s.cfg.BaseURL), nil
}

func newLinkPanel(l app.InviteLinkView, baseURL string) *linkPanel {
	p := &linkPanel{Link: &l}
	if l.Token != "" {
		p.URL = baseURL + paths.JoinLink(l.Token)
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

// showMembersWithLink answers a link change with the members page, whose
// panel shows the link to copy.
func (s *Server) showMembersWithLink(w http.ResponseWriter, r *http.Request, v *view, flashKey string) error {
	s.flash(w, r, flashKey)
	http.Redirect(w, r, paths.Members(v.Workspace.ID)+"#invite-link", http.StatusSeeOther)
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
	case !f.Has("enabled") && !f.Has("toggle"):
		key = "flash.link_created" // the creation form has no state yet
	case f.Has("toggle") && l.Enabled:
		key = "flash.link_enabled"
	case f.Has("toggle"):
		key = "flash.link_disabled"
	}
	return s.showMembersWithLink(w, r, v, key)
}

func (s *Server) pageInviteLinkReset(w http.ResponseWriter, r *http.Request, u troupe.User, v *view) error {
	if _, err := s.app.ResetInviteLink(r.Context(), u, v.Workspace.ID, s.client(r)); err != nil {
		return s.membersFailed(w, r, u, v, err)
	}
	return s.showMembersWithLink(w, r, v, "flash.link_reset")
}

func (s *Server) pageInviteLinkDelete(w http.ResponseWriter, r *http.Request, u troupe.User, v *view) error {
	err := s.app.DeleteInviteLink(r.Context(), u, v.Workspace.ID, s.client(r))
	return s.memberAction(w, r, u, v, err, "flash.link_deleted")
}

// --- Joining by invite link -------------------------------------------------

// joinLinkPage is the page of an invite link. Requested is set once the
// user asked to join through it.
type joinLinkPage struct {
	Token     string
	Requested bool
	Failed    bool
	// Unverified: joining would file a request, which needs the
	// newcomer's address verified first.
	Unverified bool
	Preview    app.LinkPreview
}

func (s *Server) pageJoinLink(w http.ResponseWriter, r *http.Request) error {
	v := s.newView(r)
	token := r.PathValue("token")
	p := joinLinkPage{Token: token, Requested: r.URL.Query().Get("sent") == "1"}
	if !p.Requested {
		preview, err := s.app.PreviewInviteLink(r.Context(), token)
		if err != nil {
			p.Failed = true
			return showForm(s, w, r, "join", v, p, err)
		}
		p.Preview = preview
		// A member who opens the link again (the verification mail
		// comes back to it) is simply taken inside.
		for _, ws := range v.Workspaces {
			if ws.ID == preview.WorkspaceID {
				http.Redirect(w, r, paths.Workspace(ws.ID), http.StatusSeeOther)
				return nil
			}
		}
	}
	show(s, w, r, http.StatusOK, "join", v, p)
	return nil
}

func (s *Server) pageJoinLinkPost(w http.ResponseWriter, r *http.Request, u troupe.User) error {
	token := r.PathValue("token")
	res, err := s.app.JoinByLink(r.Context(), u, token, s.client(r))
	if err != nil {
		return s.joinLinkFailed(w, r, s.newView(r), token, err)
	}
	return s.joined(w, r, res, paths.JoinLink(token)+"?sent=1")
}

// joinLinkFailed shows the link's page with why joining failed. An
// unverified address is not a failure of the link: the page says to open
// the verification mail, which comes back here, and nothing else.
func (s *Server) joinLinkFailed(w http.ResponseWriter, r *http.Request, v *view, token string, err error) error {
	if troupe.ErrorCode(err) == troupe.CodeEmailUnverified {
		preview, perr := s.app.PreviewInviteLink(r.Context(), token)
		if perr == nil {
			show(s, w, r, http.StatusForbidden, "join", v, joinLinkPage{Token: token, Unverified: true, Preview: preview})
			return nil
		}
	}
	return showForm(s, w, r, "join", v, joinLinkPage{Token: token, Failed: true}, err)
}

// pageJoinLinkSignup creates an account from an invite link's page and
// joins through the link at once, so a newcomer fills in one form and
// lands inside. When the address already has an account, nobody is
// signed in and its owner is mailed a way back to this link.
func (s *Server) pageJoinLinkSignup(w http.ResponseWriter, r *http.Request) error {
	token := r.PathValue("token")
	preview, err := s.app.PreviewInviteLink(r.Context(), token)
	if err != nil {
		return showForm(s, w, r, "join", s.newView(r), joinLinkPage{Token: token, Failed: true}, err)
	}
	in := app.SignupInput{Name: r.PostForm.Get("name"), Email: r.PostForm.Get("email"), Password: r.PostForm.Get("password"),
		Next: paths.JoinLink(token)}
	res, err := s.app.Signup(r.Context(), in, s.client(r))
	if err != nil {
		v := s.newView(r)
		v.Form["name"], v.Form["email"] = in.Name, in.Email
		return showForm(s, w, r, "join", v, joinLinkPage{Token: token, Preview: preview}, err)
	}
	if res.Session == "" {
		return s.signedUp(w, r, res, in.Next)
	}
	if err := s.signedIn(w, r, res.User, res.Session); err != nil {
		return err
	}
	joined, err := s.app.JoinByLink(r.Context(), res.User, token, s.client(r))
	if err != nil {
		// The account stands; the link's page, now signed in, says why
		// joining failed and what to do.
		v := s.newView(r)
		v.User = &res.User
		return s.joinLinkFailed(w, r, v, token, err)
	}
	return s.joined(w, r, joined, paths.JoinLink(token)+"?sent=1")
}

// joined lands a new member in the workspace, or tells a requester that
// the Super Admins were asked.
func (s *Server) joined(w http.ResponseWriter, r *http.Request, res app.JoinResult, requestedPage string) error {
	if res.Result == "joined" {
		s.setWorkspaceCookie(w, r, res.WorkspaceID)
		s.flash(w, r, "flash.joined")
		http.Redirect(w, r, paths.Workspace(res.WorkspaceID), http.StatusSeeOther)
		return nil
	}
	s.flash(w, r, "flash.request_sent")
	http.Redirect(w, r, requestedPage, http.StatusSeeOther)
	return nil
}
