package web

import (
	"net/http"
	"time"

	"troupe/internal/app"
	"troupe/internal/paths"
	"troupe/internal/troupe"
)

type apiTokenJSON struct {
	ID         string            `json:"id"`
	Name       string            `json:"name"`
	Prefix     string            `json:"prefix"`
	UserID     string            `json:"user_id"`
	Scope      troupe.TokenScope `json:"scope"`
	ExpiresAt  *time.Time        `json:"expires_at"`
	CreatedAt  time.Time         `json:"created_at"`
	LastUsedAt *time.Time        `json:"last_used_at"`
	Token      string            `json:"token,omitempty"`
}

func toAPITokenJSON(t troupe.APIToken) apiTokenJSON {
	return apiTokenJSON{ID: t.ID, Name: t.Name, Prefix: t.Prefix, UserID: t.UserID, Scope: t.Scope, ExpiresAt: t.ExpiresAt,
		CreatedAt: t.CreatedAt, LastUsedAt: t.LastUsedAt}
}

func (s *Server) handleAPITokenList(w http.ResponseWriter, r *http.Request, u troupe.User) error {
	tokens, err := s.app.ListAPITokens(r.Context(), u, r.PathValue("ws"))
	if err != nil {
		return err
	}
	out := list[apiTokenJSON]{Items: make([]apiTokenJSON, 0, len(tokens))}
	for _, t := range tokens {
		out.Items = append(out.Items, toAPITokenJSON(t))
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

func (s *Server) handleAPITokenCreate(w http.ResponseWriter, r *http.Request, u troupe.User) error {
	var in struct {
		Name      string            `json:"name"`
		Scope     troupe.TokenScope `json:"scope"`
		ExpiresAt *time.Time        `json:"expires_at"`
	}
	if err := decode(w, r, &in); err != nil {
		return err
	}
	t, err := s.app.CreateAPIToken(r.Context(), u, r.PathValue("ws"), app.APITokenInput{Name: in.Name, Scope: in.Scope, ExpiresAt: in.ExpiresAt}, s.client(r))
	if err != nil {
		return err
	}
	out := toAPITokenJSON(t.APIToken)
	out.Token = t.Secret
	writeJSON(w, http.StatusCreated, out)
	return nil
}

func (s *Server) handleAPITokenRevoke(w http.ResponseWriter, r *http.Request, u troupe.User) error {
	if err := s.app.RevokeAPIToken(r.Context(), u, r.PathValue("ws"), r.PathValue("id"), s.client(r)); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
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
func (s *Server) loadTokens(r *http.Request, u troupe.User, v *view) (*tokensPage, error) {
	tokens, err := s.app.ListAPITokens(r.Context(), u, v.Workspace.ID)
	if err != nil {
		return nil, err
	}
	p := &tokensPage{}
	for _, t := range tokens {
		row := tokenRow{APIToken: t}
		if t.UserID != u.ID {
			row.Owner = t.OwnerName
		}
		p.Tokens = append(p.Tokens, row)
	}
	return p, nil
}

func (s *Server) pageAPITokens(w http.ResponseWriter, r *http.Request, u troupe.User, v *view) error {
	p, err := s.loadTokens(r, u, v)
	if err != nil {
		return err
	}
	show(s, w, r, http.StatusOK, "api_tokens", v, p)
	return nil
}

// pageAPITokenCreate answers with the page itself rather than a redirect,
// so that the secret is shown once and never kept anywhere.
func (s *Server) pageAPITokenCreate(w http.ResponseWriter, r *http.Request, u troupe.User, v *view) error {
	f := r.PostForm
	name := f.Get("name")
	in := app.APITokenInput{Name: name, Scope: troupe.TokenScope(f.Get("scope")), ExpiresAt: parseExpiry(f.Get("expires_at"))}
	t, err := s.app.CreateAPIToken(r.Context(), u, v.Workspace.ID, in, s.client(r))
	p, lerr := s.loadTokens(r, u, v)
	if lerr != nil {
		return lerr
	}
	if err != nil {
		if pageLevel(err) {
			return err
		}
		for _, k := range []string{"name", "scope", "expires_at"} {
			v.Form[k] = f.Get(k)
		}
		return showForm(s, w, r, "api_tokens", v, p, err)
	}
	p.Created = &t
	v.Flash = v.T("flash.token_created")
	show(s, w, r, http.StatusOK, "api_tokens", v, p)
	return nil
}

func (s *Server) pageAPITokenRevoke(w http.ResponseWriter, r *http.Request, u troupe.User, v *view) error {
	if err := s.app.RevokeAPIToken(r.Context(), u, v.Workspace.ID, r.PathValue("id"), s.client(r)); err != nil {
		return err
	}
	s.flash(w, r, "flash.token_revoked")
	http.Redirect(w, r, paths.APITokens(v.Workspace.ID), http.StatusSeeOther)
	return nil
}
