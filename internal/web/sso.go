package web

import (
	"crypto/rand"
	"encoding/base64"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"time"

	"golang.org/x/oauth2"

	"troupe/internal/app"
	"troupe/internal/paths"
	"troupe/internal/sso"
	"troupe/internal/troupe"
)

// ssoCookie carries a sign-on's state while the browser is at the
// provider; its path keeps it to the sign-on routes.
const ssoCookie = "troupe_sso"

// ssoLink is a provider as the sign-in page offers it.
type ssoLink struct{ ID, Name, URL string }

func (s *Server) ssoLinks(next string) []ssoLink {
	var out []ssoLink
	for _, p := range s.cfg.SSO.List() {
		u := "/auth/sso/" + url.PathEscape(p.ID)
		if next != "" && next != "/" {
			u += "?next=" + url.QueryEscape(next)
		}
		out = append(out, ssoLink{ID: p.ID, Name: p.Name, URL: u})
	}
	return out
}

func randomToken() string {
	var b [24]byte
	rand.Read(b[:])
	return base64.RawURLEncoding.EncodeToString(b[:])
}

var errNoProvider = troupe.Errorf(troupe.CodeNotFound, "There is no such sign-in provider.")

// pageSSOStart sends the browser to the provider, keeping the state,
// nonce and PKCE verifier to check its answer against.
func (s *Server) pageSSOStart(w http.ResponseWriter, r *http.Request) error {
	id := r.PathValue("provider")
	st := app.SSOState{Provider: id, State: randomToken(), Nonce: randomToken(), Verifier: oauth2.GenerateVerifier(),
		Next: localPath(r.URL.Query().Get("next"))}
	to, err := s.cfg.SSO.AuthURL(r.Context(), id, st.State, st.Nonce, st.Verifier)
	if errors.Is(err, sso.ErrUnknown) {
		return errNoProvider
	}
	if err != nil {
		s.log.WarnContext(r.Context(), "identity provider unreachable", "provider", id, "err", err)
		return troupe.Errorf(troupe.CodeUnavailable, "The sign-in provider cannot be reached right now. Try again in a moment.")
	}
	sealed, err := s.app.SealSSOState(r.Context(), st)
	if err != nil {
		return err
	}
	s.setCookie(w, r, &http.Cookie{Name: ssoCookie, Value: sealed, Path: "/auth/sso/", MaxAge: int(app.SSOStateAge.Seconds()),
		HttpOnly: true, SameSite: http.SameSiteLaxMode})
	http.Redirect(w, r, to, http.StatusSeeOther)
	return nil
}

// pageSSOCallback takes the provider's answer: the state must be the one
// this browser left with, the ID token verified with the nonce sent, and
// only then is anyone signed in.
func (s *Server) pageSSOCallback(w http.ResponseWriter, r *http.Request) error {
	id := r.PathValue("provider")
	q := r.URL.Query()
	var st app.SSOState
	c, err := r.Cookie(ssoCookie)
	if err == nil {
		st, err = s.app.OpenSSOState(r.Context(), c.Value)
	}
	s.setCookie(w, r, &http.Cookie{Name: ssoCookie, Value: "", Path: "/auth/sso/", MaxAge: -1, HttpOnly: true, SameSite: http.SameSiteLaxMode})
	if err != nil || st.Provider != id || q.Get("state") == "" || q.Get("state") != st.State {
		return troupe.Errorf(troupe.CodeInvalidInput, "This sign-in did not start here or took too long: start again.")
	}
	if e := q.Get("error"); e != "" {
		return troupe.Errorf(troupe.CodeUnauthenticated, "The sign-in provider did not sign you in (%s).", e)
	}
	claims, err := s.cfg.SSO.Exchange(r.Context(), id, q.Get("code"), st.Verifier, st.Nonce)
	if errors.Is(err, sso.ErrUnknown) {
		return errNoProvider
	}
	if err != nil {
		s.log.WarnContext(r.Context(), "sign-in through a provider refused", "provider", id, "err", err)
		return troupe.Errorf(troupe.CodeUnauthenticated, "The sign-in provider's answer could not be verified, so nobody was signed in. Start again.")
	}
	u, secret, err := s.app.SignInWithProvider(r.Context(), app.ProviderClaims{Provider: id, Subject: claims.Subject, Email: claims.Email,
		EmailVerified: claims.EmailVerified, Name: claims.Name, Groups: claims.Groups}, s.client(r))
	if err != nil {
		return err
	}
	if err := s.signedIn(w, r, u, secret); err != nil {
		return err
	}
	next := st.Next
	if next == "" {
		next = paths.Home()
	}
	http.Redirect(w, r, next, http.StatusSeeOther)
	return nil
}

type identityJSON struct {
	Provider     string    `json:"provider"`
	ProviderName string    `json:"provider_name"`
	Email        string    `json:"email"`
	CreatedAt    time.Time `json:"created_at"`
	LastUsedAt   time.Time `json:"last_used_at"`
}

// providerName is how the configuration names provider id.
func (s *Server) providerName(id string) string {
	for _, p := range s.cfg.SSO.List() {
		if p.ID == id {
			return p.Name
		}
	}
	return id
}

// identitiesJSON are ids with their providers' names, never nil.
func (s *Server) identitiesJSON(ids []troupe.Identity) []identityJSON {
	out := make([]identityJSON, 0, len(ids))
	for _, id := range ids {
		out = append(out, identityJSON{Provider: id.Provider, ProviderName: s.providerName(id.Provider), Email: id.Email,
			CreatedAt: id.CreatedAt, LastUsedAt: id.LastUsedAt})
	}
	return out
}

func (s *Server) handleIdentityList(w http.ResponseWriter, r *http.Request, u troupe.User) error {
	ids, err := s.app.ListIdentities(r.Context(), u)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, list[identityJSON]{Items: s.identitiesJSON(ids)})
	return nil
}

func (s *Server) handleIdentityUnlink(w http.ResponseWriter, r *http.Request, u troupe.User) error {
	if err := s.app.UnlinkIdentity(r.Context(), u, r.PathValue("provider")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Server) pageIdentityUnlink(w http.ResponseWriter, r *http.Request, u troupe.User) error {
	if err := s.app.UnlinkIdentity(r.Context(), u, r.PathValue("provider")); err != nil {
		return s.accountForm(w, r, u, s.accountView(r, u), err)
	}
	s.flash(w, r, "flash.identity_unlinked")
	http.Redirect(w, r, paths.Account()+"#identities", http.StatusSeeOther)
	return nil
}

type workspaceSSOJSON struct {
	Provider    string                 `json:"provider"`
	Required    bool                   `json:"required"`
	BreakGlass  bool                   `json:"break_glass"`
	DefaultRole troupe.Role            `json:"default_role"`
	GroupRoles  map[string]troupe.Role `json:"group_roles"`
}

func toWorkspaceSSOJSON(s troupe.WorkspaceSSO) workspaceSSOJSON {
	groups := s.GroupRoles
	if groups == nil {
		groups = map[string]troupe.Role{}
	}
	return workspaceSSOJSON{Provider: s.Provider, Required: s.Required, BreakGlass: s.BreakGlass, DefaultRole: s.DefaultRole, GroupRoles: groups}
}

func (s *Server) handleWorkspaceSSOGet(w http.ResponseWriter, r *http.Request, u troupe.User) error {
	out, err := s.app.GetWorkspaceSSO(r.Context(), u, r.PathValue("ws"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, toWorkspaceSSOJSON(out))
	return nil
}

func (s *Server) handleWorkspaceSSOPut(w http.ResponseWriter, r *http.Request, u troupe.User) error {
	in := workspaceSSOJSON{BreakGlass: true}
	if err := decode(w, r, &in); err != nil {
		return err
	}
	out, err := s.app.SaveWorkspaceSSO(r.Context(), u, r.PathValue("ws"), troupe.WorkspaceSSO{Provider: in.Provider, Required: in.Required,
		BreakGlass: in.BreakGlass, DefaultRole: in.DefaultRole, GroupRoles: in.GroupRoles}, s.client(r))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, toWorkspaceSSOJSON(out))
	return nil
}

// parseGroupRoles reads "group = role" lines; a line without "=" is a
// group of the empty role, which validation refuses with its name.
func parseGroupRoles(text string) map[string]troupe.Role {
	out := map[string]troupe.Role{}
	for _, line := range strings.Split(text, "\n") {
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		g, r, _ := strings.Cut(line, "=")
		out[strings.TrimSpace(g)] = troupe.Role(strings.TrimSpace(r))
	}
	return out
}

func (s *Server) pageWorkspaceSSOPost(w http.ResponseWriter, r *http.Request, u troupe.User, v *view) error {
	f := r.PostForm
	in := troupe.WorkspaceSSO{Provider: f.Get("sso_provider"), Required: f.Get("sso_required") != "", BreakGlass: f.Get("sso_break_glass") != "",
		DefaultRole: troupe.Role(f.Get("sso_default_role")), GroupRoles: parseGroupRoles(f.Get("sso_group_roles"))}
	if _, err := s.app.SaveWorkspaceSSO(r.Context(), u, v.Workspace.ID, in, s.client(r)); err != nil {
		for _, k := range []string{"sso_provider", "sso_default_role", "sso_group_roles"} {
			v.Form[k] = f.Get(k)
		}
		return s.settingsFailed(w, r, u, v, err)
	}
	s.flash(w, r, "flash.sso_saved")
	http.Redirect(w, r, paths.Settings(v.Workspace.ID)+"#sso", http.StatusSeeOther)
	return nil
}
