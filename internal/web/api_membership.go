package web

import (
	"net/http"
	"time"

	"troupe/internal/app"
	"troupe/internal/troupe"
)

func (s *Server) routeMembershipAPI(authed func(string, authedHandler)) {
	authed("GET /api/v1/workspaces/{ws}/invite-link", s.handleInviteLinkGet)
	authed("PUT /api/v1/workspaces/{ws}/invite-link", s.handleInviteLinkPut)
	authed("DELETE /api/v1/workspaces/{ws}/invite-link", s.handleInviteLinkDelete)
	authed("POST /api/v1/workspaces/{ws}/invite-link/reset", s.handleInviteLinkReset)
	authed("POST /api/v1/join/{token}", s.handleJoinByLink)
	authed("GET /api/v1/workspaces/{ws}/suggestions", s.handleSuggestions)
	authed("GET /api/v1/discover", s.handleDiscover)
	authed("POST /api/v1/workspaces/{ws}/join", s.handleJoinWorkspace)
	authed("GET /api/v1/workspaces/{ws}/join-requests", s.handleJoinRequestList)
	authed("POST /api/v1/workspaces/{ws}/join-requests/{id}/approve", s.handleJoinRequestApprove)
	authed("POST /api/v1/workspaces/{ws}/join-requests/{id}/deny", s.handleJoinRequestDeny)
	authed("GET /api/v1/workspaces/{ws}/api-tokens", s.handleAPITokenList)
	authed("POST /api/v1/workspaces/{ws}/api-tokens", s.handleAPITokenCreate)
	authed("DELETE /api/v1/workspaces/{ws}/api-tokens/{id}", s.handleAPITokenRevoke)
}

type inviteLinkJSON struct {
	URL       *string     `json:"url"`
	Token     *string     `json:"token"`
	Role      troupe.Role `json:"role"`
	Enabled   bool        `json:"enabled"`
	ExpiresAt *time.Time  `json:"expires_at"`
	MaxUses   *int        `json:"max_uses"`
	Uses      int         `json:"uses"`
}

// toInviteLinkJSON shows the URL only when it is known: right after the
// link was made or reset (only the token's hash is kept).
func (s *Server) toInviteLinkJSON(l app.InviteLinkView) inviteLinkJSON {
	out := inviteLinkJSON{Role: l.Role, Enabled: l.Enabled, ExpiresAt: l.ExpiresAt, MaxUses: l.MaxUses, Uses: l.Uses}
	if l.Token != "" {
		url := s.cfg.BaseURL + "/join/" + l.Token
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

func (s *Server) handleJoinWorkspace(w http.ResponseWriter, r *http.Request, u troupe.User) error {
	res, err := s.app.JoinWorkspace(r.Context(), u, r.PathValue("ws"), s.client(r))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, joinJSON(res))
	return nil
}

func (s *Server) handleSuggestions(w http.ResponseWriter, r *http.Request, u troupe.User) error {
	users, err := s.app.Suggestions(r.Context(), u, r.PathValue("ws"))
	if err != nil {
		return err
	}
	out := list[userJSON]{Items: make([]userJSON, 0, len(users))}
	for _, x := range users {
		out.Items = append(out.Items, toUserJSON(x))
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

type discoverJSON struct {
	ID          string            `json:"id"`
	Name        string            `json:"name"`
	Description string            `json:"description"`
	JoinPolicy  troupe.JoinPolicy `json:"join_policy"`
	Members     int               `json:"members"`
	Requested   bool              `json:"requested"`
}

func (s *Server) handleDiscover(w http.ResponseWriter, r *http.Request, u troupe.User) error {
	ws, err := s.app.Discover(r.Context(), u)
	if err != nil {
		return err
	}
	out := list[discoverJSON]{Items: make([]discoverJSON, 0, len(ws))}
	for _, x := range ws {
		out.Items = append(out.Items, discoverJSON{ID: x.ID, Name: x.Name, Description: x.Description,
			JoinPolicy: x.Settings.JoinPolicy, Members: x.SeatsUsed, Requested: x.Requested})
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

type joinRequestJSON struct {
	ID        string      `json:"id"`
	User      userJSON    `json:"user"`
	Status    string      `json:"status"`
	Via       string      `json:"via"`
	Role      troupe.Role `json:"role"`
	CreatedAt time.Time   `json:"created_at"`
}

func (s *Server) handleJoinRequestList(w http.ResponseWriter, r *http.Request, u troupe.User) error {
	reqs, err := s.app.ListJoinRequests(r.Context(), u, r.PathValue("ws"))
	if err != nil {
		return err
	}
	out := list[joinRequestJSON]{Items: make([]joinRequestJSON, 0, len(reqs))}
	for _, x := range reqs {
		out.Items = append(out.Items, joinRequestJSON{ID: x.ID, User: toUserJSON(x.User), Status: string(x.Status), Via: string(x.Via),
			Role: x.Role, CreatedAt: x.CreatedAt})
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

func (s *Server) handleJoinRequestApprove(w http.ResponseWriter, r *http.Request, u troupe.User) error {
	var in struct {
		Role troupe.Role `json:"role"`
	}
	if err := decode(w, r, &in); err != nil {
		return err
	}
	if err := s.app.ApproveJoinRequest(r.Context(), u, r.PathValue("ws"), r.PathValue("id"), in.Role, s.client(r)); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Server) handleJoinRequestDeny(w http.ResponseWriter, r *http.Request, u troupe.User) error {
	if err := s.app.DenyJoinRequest(r.Context(), u, r.PathValue("ws"), r.PathValue("id"), s.client(r)); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

type apiTokenJSON struct {
	ID         string     `json:"id"`
	Name       string     `json:"name"`
	Prefix     string     `json:"prefix"`
	UserID     string     `json:"user_id"`
	CreatedAt  time.Time  `json:"created_at"`
	LastUsedAt *time.Time `json:"last_used_at"`
	Token      string     `json:"token,omitempty"`
}

func (s *Server) handleAPITokenList(w http.ResponseWriter, r *http.Request, u troupe.User) error {
	tokens, err := s.app.ListAPITokens(r.Context(), u, r.PathValue("ws"))
	if err != nil {
		return err
	}
	out := list[apiTokenJSON]{Items: make([]apiTokenJSON, 0, len(tokens))}
	for _, t := range tokens {
		out.Items = append(out.Items, apiTokenJSON{ID: t.ID, Name: t.Name, Prefix: t.Prefix, UserID: t.UserID,
			CreatedAt: t.CreatedAt, LastUsedAt: t.LastUsedAt})
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

func (s *Server) handleAPITokenCreate(w http.ResponseWriter, r *http.Request, u troupe.User) error {
	var in struct {
		Name string `json:"name"`
	}
	if err := decode(w, r, &in); err != nil {
		return err
	}
	t, err := s.app.CreateAPIToken(r.Context(), u, r.PathValue("ws"), in.Name, s.client(r))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, apiTokenJSON{ID: t.ID, Name: t.Name, Prefix: t.Prefix, UserID: t.UserID,
		CreatedAt: t.CreatedAt, Token: t.Secret})
	return nil
}

func (s *Server) handleAPITokenRevoke(w http.ResponseWriter, r *http.Request, u troupe.User) error {
	if err := s.app.RevokeAPIToken(r.Context(), u, r.PathValue("ws"), r.PathValue("id"), s.client(r)); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
