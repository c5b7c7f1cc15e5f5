package web

import (
	"net/http"
	"net/url"
	"strings"
	"time"
	"unicode"

	"troupe/internal/app"
	"troupe/internal/paths"
	"troupe/internal/troupe"
)

func (s *Server) handleInvitationList(w http.ResponseWriter, r *http.Request, u troupe.User) error {
	return s.listMembers(w, r, u, "invited")
}

type inviteResultJSON struct {
	Email        string `json:"email"`
	Result       string `json:"result"`
	InvitationID string `json:"invitation_id,omitempty"`
	Detail       string `json:"detail,omitempty"`
}

// handleInvitationCreate invites a batch: "invitations" gives each
// address its own role (an entry without one takes "role"), and the first
// shape, "emails" with one "role" for all, still works; both may be sent
// together.
func (s *Server) handleInvitationCreate(w http.ResponseWriter, r *http.Request, u troupe.User) error {
	var in struct {
		Emails      []string    `json:"emails"`
		Role        troupe.Role `json:"role"`
		Invitations []struct {
			Email string      `json:"email"`
			Role  troupe.Role `json:"role"`
		} `json:"invitations"`
	}
	if err := decode(w, r, &in); err != nil {
		return err
	}
	var res []app.InviteResult
	var err error
	if in.Invitations == nil {
		res, err = s.app.Invite(r.Context(), u, r.PathValue("ws"), in.Emails, in.Role, s.client(r))
	} else {
		invitees := make([]app.Invitee, 0, len(in.Invitations)+len(in.Emails))
		for _, x := range in.Invitations {
			role := x.Role
			if role == "" {
				role = in.Role
			}
			invitees = append(invitees, app.Invitee{Email: x.Email, Role: role})
		}
		for _, e := range in.Emails {
			invitees = append(invitees, app.Invitee{Email: e, Role: in.Role})
		}
		res, err = s.app.InviteEach(r.Context(), u, r.PathValue("ws"), invitees, s.client(r))
	}
	if err != nil {
		return err
	}
	out := struct {
		Results []inviteResultJSON `json:"results"`
	}{Results: make([]inviteResultJSON, 0, len(res))}
	for _, x := range res {
		out.Results = append(out.Results, inviteResultJSON(x))
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

type invitationJSON struct {
	ID        string                  `json:"id"`
	Email     string                  `json:"email"`
	Role      troupe.Role             `json:"role"`
	Status    troupe.InvitationStatus `json:"status"`
	InviterID string                  `json:"inviter_id"`
	CreatedAt time.Time               `json:"created_at"`
	ExpiresAt time.Time               `json:"expires_at"`
}

func (s *Server) handleInvitationUpdate(w http.ResponseWriter, r *http.Request, u troupe.User) error {
	var in struct {
		Role troupe.Role `json:"role"`
	}
	if err := decode(w, r, &in); err != nil {
		return err
	}
	inv, err := s.app.ChangeInvitationRole(r.Context(), u, r.PathValue("ws"), r.PathValue("id"), in.Role, s.client(r))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, invitationJSON{ID: inv.ID, Email: inv.Email, Role: inv.Role, Status: inv.Status, InviterID: inv.InviterID,
		CreatedAt: inv.CreatedAt, ExpiresAt: inv.ExpiresAt})
	return nil
}

func (s *Server) handleInvitationResend(w http.ResponseWriter, r *http.Request, u troupe.User) error {
	if err := s.app.ResendInvitation(r.Context(), u, r.PathValue("ws"), r.PathValue("id"), s.client(r)); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Server) handleInvitationRevoke(w http.ResponseWriter, r *http.Request, u troupe.User) error {
	if err := s.app.RevokeInvitation(r.Context(), u, r.PathValue("ws"), r.PathValue("id"), s.client(r)); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

type myInvitationJSON struct {
	ID            string      `json:"id"`
	WorkspaceID   string      `json:"workspace_id"`
	WorkspaceName string      `json:"workspace_name"`
	InviterName   string      `json:"inviter_name"`
	Role          troupe.Role `json:"role"`
	ExpiresAt     time.Time   `json:"expires_at"`
}

func (s *Server) handleMyInvitations(w http.ResponseWriter, r *http.Request, u troupe.User) error {
	invs, err := s.app.ListMyInvitations(r.Context(), u)
	if err != nil {
		return err
	}
	out := list[myInvitationJSON]{Items: make([]myInvitationJSON, 0, len(invs))}
	for _, i := range invs {
		out.Items = append(out.Items, myInvitationJSON{ID: i.ID, WorkspaceID: i.WorkspaceID, WorkspaceName: i.WorkspaceName,
			InviterName: i.InviterName, Role: i.Role, ExpiresAt: i.ExpiresAt})
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

func (s *Server) handleInvitationAccept(w http.ResponseWriter, r *http.Request, u troupe.User) error {
	ws, err := s.app.AcceptInvitation(r.Context(), u, r.PathValue("token"), s.client(r))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, toWorkspaceJSON(ws))
	return nil
}

func (s *Server) handleInvitationDecline(w http.ResponseWriter, r *http.Request, u troupe.User) error {
	if err := s.app.DeclineInvitation(r.Context(), u, r.PathValue("token"), s.client(r)); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Server) pageInvite(w http.ResponseWriter, r *http.Request, u troupe.User, v *view) error {
	s.show(w, r, http.StatusOK, "invite", v)
	return nil
}

// parseInvitees reads the invite form. Its text field holds addresses
// separated by commas, semicolons, spaces or new lines, each optionally
// followed by a role ("ana@example.com, creator", in English or in the
// page's language); an address without one takes the default role. The
// rows the form grows with JavaScript come as row_email and row_role
// pairs, and a row given several addresses invites each with its role.
func parseInvitees(v *view, f url.Values, defaultRole troupe.Role) []app.Invitee {
	out := addInvitees(v, nil, f.Get("emails"), defaultRole)
	roles := f["row_role"]
	for i, e := range f["row_email"] {
		role := defaultRole
		if i < len(roles) && roles[i] != "" {
			role = troupe.Role(roles[i])
		}
		out = addInvitees(v, out, e, role)
	}
	return out
}

// addInvitees appends the addresses of text to out, each with role unless
// a role word follows it.
func addInvitees(v *view, out []app.Invitee, text string, role troupe.Role) []app.Invitee {
	first := len(out)
	for _, tok := range strings.FieldsFunc(text, func(r rune) bool { return r == ',' || r == ';' || unicode.IsSpace(r) }) {
		if r, ok := roleWord(v, tok); ok && len(out) > first && !strings.Contains(tok, "@") {
			out[len(out)-1].Role = r
			continue
		}
		out = append(out, app.Invitee{Email: tok, Role: role})
	}
	return out
}

// roleWord reads a role written in a list of addresses: its code
// ("creator") or its name in English or the page's language ("Créateur").
func roleWord(v *view, word string) (troupe.Role, bool) {
	for _, r := range []troupe.Role{troupe.RoleDeveloper, troupe.RoleCreator, troupe.RoleViewer, troupe.RoleSuperAdmin} {
		if strings.EqualFold(word, string(r)) || strings.EqualFold(word, v.RoleName(r)) ||
			strings.EqualFold(word, v.cat.T("en", "role."+string(r))) {
			return r, true
		}
	}
	return "", false
}

// pageInvitePost sends the invitations and answers with the members table:
// a toast for those sent, a list of the addresses that were not.
func (s *Server) pageInvitePost(w http.ResponseWriter, r *http.Request, u troupe.User, v *view) error {
	role := troupe.Role(r.PostForm.Get("role"))
	invitees := parseInvitees(v, r.PostForm, role)
	results, err := s.app.InviteEach(r.Context(), u, v.Workspace.ID, invitees, s.client(r))
	if err != nil {
		if pageLevel(err) {
			return err
		}
		// The form comes back as text, one address and its role a line,
		// whichever way it was filled in.
		lines := make([]string, len(invitees))
		for i, in := range invitees {
			lines[i] = in.Email + ", " + string(in.Role)
		}
		v.Form["emails"], v.Form["role"] = strings.Join(lines, "\n"), string(role)
		return s.showForm(w, r, "invite", v, err)
	}
	// The seats bar counts the invitations just sent.
	ws, err := s.app.GetWorkspace(r.Context(), u, v.Workspace.ID)
	if err != nil {
		return err
	}
	v.Workspace = &ws
	p, err := s.loadMembers(r, u, v, url.Values{})
	if err != nil {
		return err
	}
	sent := 0
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
	show(s, w, r, http.StatusOK, "members", v, p)
	return nil
}

func (s *Server) pageInvitationRole(w http.ResponseWriter, r *http.Request, u troupe.User, v *view) error {
	_, err := s.app.ChangeInvitationRole(r.Context(), u, v.Workspace.ID, r.PathValue("id"), troupe.Role(r.PostForm.Get("role")), s.client(r))
	return s.memberAction(w, r, u, v, err, "flash.invitation_role_changed")
}

func (s *Server) pageInvitationResend(w http.ResponseWriter, r *http.Request, u troupe.User, v *view) error {
	err := s.app.ResendInvitation(r.Context(), u, v.Workspace.ID, r.PathValue("id"), s.client(r))
	return s.memberAction(w, r, u, v, err, "flash.invitation_resent")
}

func (s *Server) pageInvitationRevoke(w http.ResponseWriter, r *http.Request, u troupe.User, v *view) error {
	err := s.app.RevokeInvitation(r.Context(), u, v.Workspace.ID, r.PathValue("id"), s.client(r))
	return s.memberAction(w, r, u, v, err, "flash.invitation_revoked")
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
	v.Form["email"] = p.Preview.Email
	show(s, w, r, invitationStatus(p), "invitation", v, p)
	return nil
}

// pageInvitationSignup creates the account from the link, which the app
// accepts in the same step, and signs it in.
func (s *Server) pageInvitationSignup(w http.ResponseWriter, r *http.Request) error {
	token := r.PathValue("token")
	in := app.SignupInput{Name: r.PostForm.Get("name"), Email: r.PostForm.Get("email"), Password: r.PostForm.Get("password")}
	res, err := s.app.SignupWithInvitation(r.Context(), in, token, s.client(r))
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
		if troupe.ErrorCode(err) == troupe.CodeConflict {
			// The holder of the link may learn that the address has an
			// account (the app says so too): point them to sign-in.
			setRetryAfter(w, err)
			v.Error = v.T("invitation.account_exists")
			show(s, w, r, http.StatusConflict, "invitation", v, p)
			return nil
		}
		return showForm(s, w, r, "invitation", v, p, err)
	}
	s.endCurrentSession(r)
	s.setSessionCookie(w, r, res.Session)
	if res.WaitingForSeat {
		// Home lists the invitation, still pending, to accept once a
		// seat frees.
		s.flash(w, r, "flash.invitation_waiting_seat")
		http.Redirect(w, r, paths.Home(), http.StatusSeeOther)
		return nil
	}
	s.flash(w, r, "flash.invitation_accepted")
	// The account is new: its only workspace is the one it just joined,
	// which home opens.
	http.Redirect(w, r, paths.Home(), http.StatusSeeOther)
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
	return showForm(s, w, r, "invitation", s.newView(r), p, err)
}

func (s *Server) pageInvitationAccept(w http.ResponseWriter, r *http.Request, u troupe.User) error {
	token := r.PathValue("token")
	ws, err := s.app.AcceptInvitation(r.Context(), u, token, s.client(r))
	if err != nil {
		return s.invitationFailed(w, r, u, token, err)
	}
	s.setWorkspaceCookie(w, r, ws.ID)
	s.flash(w, r, "flash.invitation_accepted")
	http.Redirect(w, r, paths.Workspace(ws.ID), http.StatusSeeOther)
	return nil
}

func (s *Server) pageInvitationDecline(w http.ResponseWriter, r *http.Request, u troupe.User) error {
	token := r.PathValue("token")
	if err := s.app.DeclineInvitation(r.Context(), u, token, s.client(r)); err != nil {
		return s.invitationFailed(w, r, u, token, err)
	}
	s.flash(w, r, "flash.invitation_declined")
	http.Redirect(w, r, paths.Home(), http.StatusSeeOther)
	return nil
}

// pageInvitationSignout signs out and opens the link again, for someone
// signed in with another address than the invited one.
func (s *Server) pageInvitationSignout(w http.ResponseWriter, r *http.Request) error {
	s.endCurrentSession(r)
	s.clearSessionCookie(w, r)
	http.Redirect(w, r, paths.Invitation(r.PathValue("token")), http.StatusSeeOther)
	return nil
}

// --- Home: one's own invitations ---------------------------------------------

// homeFailed shows home with what went wrong.
func (s *Server) homeFailed(w http.ResponseWriter, r *http.Request, u troupe.User, err error) error {
	if pageLevel(err) {
		return err
	}
	p, lerr := s.loadStart(r, u)
	if lerr != nil {
		return lerr
	}
	return showForm(s, w, r, "home", s.newView(r), p, err)
}

func (s *Server) pageMyInvitationAccept(w http.ResponseWriter, r *http.Request, u troupe.User) error {
	ws, err := s.app.AcceptMyInvitation(r.Context(), u, r.PathValue("id"), s.client(r))
	if err != nil {
		return s.homeFailed(w, r, u, err)
	}
	s.setWorkspaceCookie(w, r, ws.ID)
	s.flash(w, r, "flash.invitation_accepted")
	http.Redirect(w, r, paths.Workspace(ws.ID), http.StatusSeeOther)
	return nil
}

func (s *Server) pageMyInvitationDecline(w http.ResponseWriter, r *http.Request, u troupe.User) error {
	if err := s.app.DeclineMyInvitation(r.Context(), u, r.PathValue("id"), s.client(r)); err != nil {
		return s.homeFailed(w, r, u, err)
	}
	s.flash(w, r, "flash.invitation_declined")
	http.Redirect(w, r, paths.Home(), http.StatusSeeOther)
	return nil
}
