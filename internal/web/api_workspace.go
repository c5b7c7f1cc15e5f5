package web

import (
	"encoding/csv"
	"net/http"
	"strconv"
	"time"

	"troupe/internal/app"
	"troupe/internal/troupe"
)

func (s *Server) routeWorkspaceAPI(authed func(string, authedHandler)) {
	authed("GET /api/v1/workspaces", s.handleWorkspaceList)
	authed("POST /api/v1/workspaces", s.handleWorkspaceCreate)
	authed("GET /api/v1/workspaces/{ws}", s.handleWorkspaceGet)
	authed("PATCH /api/v1/workspaces/{ws}", s.handleWorkspaceUpdate)
	authed("GET /api/v1/workspaces/{ws}/subscription", s.handleSubscriptionGet)
	authed("PUT /api/v1/workspaces/{ws}/subscription", s.handleSubscriptionPut)
	authed("GET /api/v1/workspaces/{ws}/members", s.handleMemberList)
	authed("PATCH /api/v1/workspaces/{ws}/members/{user}", s.handleMemberUpdate)
	authed("DELETE /api/v1/workspaces/{ws}/members/{user}", s.handleMemberRemove)
	authed("POST /api/v1/workspaces/{ws}/leave", s.handleLeave)
	authed("GET /api/v1/workspaces/{ws}/invitations", s.handleInvitationList)
	authed("POST /api/v1/workspaces/{ws}/invitations", s.handleInvitationCreate)
	authed("POST /api/v1/workspaces/{ws}/invitations/{id}/resend", s.handleInvitationResend)
	authed("DELETE /api/v1/workspaces/{ws}/invitations/{id}", s.handleInvitationRevoke)
	authed("GET /api/v1/invitations", s.handleMyInvitations)
	authed("POST /api/v1/invitations/{token}/accept", s.handleInvitationAccept)
	authed("POST /api/v1/invitations/{token}/decline", s.handleInvitationDecline)
	authed("GET /api/v1/workspaces/{ws}/audit-log", s.handleAuditLog)
}

type seatsJSON struct {
	Total int `json:"total"`
	Used  int `json:"used"`
}

type workspaceJSON struct {
	ID               string               `json:"id"`
	Name             string               `json:"name"`
	Description      string               `json:"description"`
	Role             troupe.Role          `json:"role"`
	JoinPolicy       troupe.JoinPolicy    `json:"join_policy"`
	Domains          []string             `json:"domains"`
	WhoCanInvite     troupe.WhoCanInvite  `json:"who_can_invite"`
	InviteLinkPolicy troupe.LinkPolicy    `json:"invite_link_policy"`
	DefaultAccess    troupe.DefaultAccess `json:"default_access"`
	Downloads        troupe.Permission    `json:"downloads"`
	Publishing       troupe.Permission    `json:"publishing"`
	Seats            seatsJSON            `json:"seats"`
}

func toWorkspaceJSON(w app.WorkspaceView) workspaceJSON {
	domains := w.Domains
	if domains == nil {
		domains = []string{}
	}
	s := w.Settings
	return workspaceJSON{ID: w.ID, Name: w.Name, Description: w.Description, Role: w.Role, JoinPolicy: s.JoinPolicy,
		Domains: domains, WhoCanInvite: s.WhoCanInvite, InviteLinkPolicy: s.InviteLinkPolicy, DefaultAccess: s.DefaultAccess,
		Downloads: s.Downloads, Publishing: s.Publishing, Seats: seatsJSON{Total: w.Seats, Used: w.SeatsUsed}}
}

// list is the shape of every list answer.
type list[T any] struct {
	Items      []T    `json:"items"`
	NextCursor string `json:"next_cursor,omitempty"`
}

func (s *Server) handleWorkspaceList(w http.ResponseWriter, r *http.Request, u troupe.User) error {
	ws, err := s.app.ListWorkspaces(r.Context(), u)
	if err != nil {
		return err
	}
	out := list[workspaceJSON]{Items: make([]workspaceJSON, 0, len(ws))}
	for _, x := range ws {
		out.Items = append(out.Items, toWorkspaceJSON(x))
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

func (s *Server) handleWorkspaceCreate(w http.ResponseWriter, r *http.Request, u troupe.User) error {
	var in struct {
		Name string `json:"name"`
	}
	if err := decode(w, r, &in); err != nil {
		return err
	}
	ws, err := s.app.CreateWorkspace(r.Context(), u, in.Name, s.client(r))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, toWorkspaceJSON(ws))
	return nil
}

func (s *Server) handleWorkspaceGet(w http.ResponseWriter, r *http.Request, u troupe.User) error {
	ws, err := s.app.GetWorkspace(r.Context(), u, r.PathValue("ws"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, toWorkspaceJSON(ws))
	return nil
}

func (s *Server) handleWorkspaceUpdate(w http.ResponseWriter, r *http.Request, u troupe.User) error {
	var in struct {
		Name             *string               `json:"name"`
		Description      *string               `json:"description"`
		JoinPolicy       *troupe.JoinPolicy    `json:"join_policy"`
		Domains          *[]string             `json:"domains"`
		WhoCanInvite     *troupe.WhoCanInvite  `json:"who_can_invite"`
		InviteLinkPolicy *troupe.LinkPolicy    `json:"invite_link_policy"`
		DefaultAccess    *troupe.DefaultAccess `json:"default_access"`
		Downloads        *troupe.Permission    `json:"downloads"`
		Publishing       *troupe.Permission    `json:"publishing"`
	}
	if err := decode(w, r, &in); err != nil {
		return err
	}
	ws, err := s.app.UpdateWorkspace(r.Context(), u, r.PathValue("ws"), app.WorkspaceUpdate{Name: in.Name, Description: in.Description,
		JoinPolicy: in.JoinPolicy, WhoCanInvite: in.WhoCanInvite, InviteLinkPolicy: in.InviteLinkPolicy, DefaultAccess: in.DefaultAccess,
		Downloads: in.Downloads, Publishing: in.Publishing, Domains: in.Domains}, s.client(r))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, toWorkspaceJSON(ws))
	return nil
}

type subscriptionJSON struct {
	Plan      string `json:"plan"`
	Seats     int    `json:"seats"`
	SeatsUsed int    `json:"seats_used"`
}

func (s *Server) handleSubscriptionGet(w http.ResponseWriter, r *http.Request, u troupe.User) error {
	sub, err := s.app.GetSubscription(r.Context(), u, r.PathValue("ws"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, subscriptionJSON{Plan: sub.Plan, Seats: sub.Seats, SeatsUsed: sub.SeatsUsed})
	return nil
}

func (s *Server) handleSubscriptionPut(w http.ResponseWriter, r *http.Request, u troupe.User) error {
	var in struct {
		Plan  string `json:"plan"`
		Seats int    `json:"seats"`
	}
	if err := decode(w, r, &in); err != nil {
		return err
	}
	sub, err := s.app.UpdateSubscription(r.Context(), u, r.PathValue("ws"), in.Plan, in.Seats, s.client(r))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, subscriptionJSON{Plan: sub.Plan, Seats: sub.Seats, SeatsUsed: sub.SeatsUsed})
	return nil
}

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
}

func toMemberJSON(m troupe.MemberRow) memberJSON {
	out := memberJSON{Status: m.Status, Role: m.Role, Email: m.Email, InvitationID: m.InvitationID, JoinRequestID: m.JoinRequestID, Since: m.Since}
	if m.UserID != "" {
		out.User = &memberUserJSON{ID: m.UserID, Email: m.Email, Name: m.UserName}
	}
	return out
}

// limitParam reads ?limit=; a bad value is a validation error.
func limitParam(r *http.Request) (int, error) {
	v := r.URL.Query().Get("limit")
	if v == "" {
		return 0, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 {
		var val troupe.Validation
		val.Add("limit", "invalid", "limit must be a positive number (at most 200).")
		return 0, val.Err()
	}
	return n, nil
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

func (s *Server) handleInvitationList(w http.ResponseWriter, r *http.Request, u troupe.User) error {
	return s.listMembers(w, r, u, "invited")
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

type inviteResultJSON struct {
	Email        string `json:"email"`
	Result       string `json:"result"`
	InvitationID string `json:"invitation_id,omitempty"`
	Detail       string `json:"detail,omitempty"`
}

func (s *Server) handleInvitationCreate(w http.ResponseWriter, r *http.Request, u troupe.User) error {
	var in struct {
		Emails []string    `json:"emails"`
		Role   troupe.Role `json:"role"`
	}
	if err := decode(w, r, &in); err != nil {
		return err
	}
	res, err := s.app.Invite(r.Context(), u, r.PathValue("ws"), in.Emails, in.Role, s.client(r))
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

type auditJSON struct {
	ID         string    `json:"id"`
	ActorID    string    `json:"actor_id"`
	ActorEmail string    `json:"actor_email"`
	Action     string    `json:"action"`
	Target     string    `json:"target"`
	Detail     string    `json:"detail"`
	IP         string    `json:"ip"`
	CreatedAt  time.Time `json:"created_at"`
}

// handleAuditLog lists the audit log, or exports it as CSV with
// ?format=csv (every matching entry, not one page).
func (s *Server) handleAuditLog(w http.ResponseWriter, r *http.Request, u troupe.User) error {
	q := r.URL.Query()
	f := troupe.AuditFilter{Action: q.Get("action"), ActorID: q.Get("actor"), Cursor: q.Get("cursor")}
	var v troupe.Validation
	for name, dst := range map[string]*time.Time{"since": &f.Since, "until": &f.Until} {
		if raw := q.Get(name); raw != "" {
			t, err := time.Parse(time.RFC3339, raw)
			if err != nil {
				v.Add(name, "invalid", name+" must be an RFC 3339 time.")
			}
			*dst = t
		}
	}
	if err := v.Err(); err != nil {
		return err
	}
	if q.Get("format") == "csv" {
		return s.exportAudit(w, r, u, f)
	}
	limit, err := limitParam(r)
	if err != nil {
		return err
	}
	f.Limit = limit
	entries, next, err := s.app.ListAudit(r.Context(), u, r.PathValue("ws"), f)
	if err != nil {
		return err
	}
	out := list[auditJSON]{Items: make([]auditJSON, 0, len(entries)), NextCursor: next}
	for _, e := range entries {
		out.Items = append(out.Items, auditJSON{ID: e.ID, ActorID: e.ActorID, ActorEmail: e.ActorEmail, Action: e.Action,
			Target: e.Target, Detail: e.Detail, IP: e.IP, CreatedAt: e.CreatedAt})
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

func (s *Server) exportAudit(w http.ResponseWriter, r *http.Request, u troupe.User, f troupe.AuditFilter) error {
	// Ask for one entry first, so a refusal is still a problem document
	// rather than a half-written file.
	if _, _, err := s.app.ListAudit(r.Context(), u, r.PathValue("ws"), troupe.AuditFilter{Limit: 1}); err != nil {
		return err
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="audit-log.csv"`)
	w.Header().Set("Cache-Control", "no-store")
	cw := csv.NewWriter(w)
	cw.Write([]string{"time", "actor_id", "actor_email", "action", "target", "detail", "ip"})
	err := s.app.EachAudit(r.Context(), u, r.PathValue("ws"), f, func(e troupe.AuditEntry) error {
		return cw.Write([]string{e.CreatedAt.Format(time.RFC3339), e.ActorID, csvSafe(e.ActorEmail), e.Action,
			csvSafe(e.Target), csvSafe(e.Detail), e.IP})
	})
	cw.Flush()
	if err != nil {
		// The status line is out; all that is left is to say so in the log.
		s.log.ErrorContext(r.Context(), "audit export cut short", "request_id", state(r).id, "err", err)
	}
	return nil
}

// csvSafe defuses values that spreadsheets would run as formulas.
func csvSafe(s string) string {
	if s != "" && (s[0] == '=' || s[0] == '+' || s[0] == '-' || s[0] == '@' || s[0] == '\t' || s[0] == '\r') {
		return "'" + s
	}
	return s
}
