package web

import (
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"troupe/internal/app"
	"troupe/internal/paths"
	"troupe/internal/sso"
	"troupe/internal/troupe"
)

// workspaceCookie remembers the workspace a user last worked in, so that
// "/" opens it again.
const workspaceCookie = "troupe_ws"

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

// --- Home and workspaces ----------------------------------------------------

// homePage is what the home page shows besides the workspace.
type homePage struct {
	Invitations []invitationInfo
	// Found lists the workspaces one's verified company address may join
	// or ask to join: shown before creating a workspace of one's own.
	Found  []app.Discoverable
	Domain string
}

// invitationInfo is a pending invitation as its recipient sees it.
type invitationInfo struct {
	ID, WorkspaceName, InviterName string
	Role                           troupe.Role
	ExpiresAt                      time.Time
}

// loadHome loads the user's pending invitations.
func (s *Server) loadHome(r *http.Request, u troupe.User) (homePage, error) {
	invs, err := s.app.ListMyInvitations(r.Context(), u)
	if err != nil {
		return homePage{}, err
	}
	var p homePage
	for _, i := range invs {
		p.Invitations = append(p.Invitations, invitationInfo{ID: i.ID, WorkspaceName: i.WorkspaceName, InviterName: i.InviterName, Role: i.Role, ExpiresAt: i.ExpiresAt})
	}
	return p, nil
}

// loadStart loads the home of someone outside any workspace: their
// invitations and, when their verified company address finds any, the
// workspaces they may join.
func (s *Server) loadStart(r *http.Request, u troupe.User) (homePage, error) {
	p, err := s.loadHome(r, u)
	if err != nil || !u.EmailVerified {
		return p, err
	}
	if p.Found, err = s.app.Discover(r.Context(), u); err != nil {
		return homePage{}, err
	}
	p.Domain = troupe.EmailDomain(u.Email)
	return p, nil
}

func (s *Server) showHome(w http.ResponseWriter, r *http.Request, u troupe.User, v *view) error {
	p, err := s.loadStart(r, u)
	if err != nil {
		return err
	}
	show(s, w, r, http.StatusOK, "home", v, p)
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
	http.Redirect(w, r, paths.Workspace(ws.ID), http.StatusSeeOther)
	return nil
}

func (s *Server) pageWorkspaceSwitch(w http.ResponseWriter, r *http.Request, u troupe.User) error {
	ws, err := s.app.GetWorkspace(r.Context(), u, r.PathValue("ws"))
	if err != nil {
		return err
	}
	s.setWorkspaceCookie(w, r, ws.ID)
	http.Redirect(w, r, paths.Workspace(ws.ID), http.StatusSeeOther)
	return nil
}

// --- Settings -------------------------------------------------------------

// settingsPage is the settings page's data besides the form values.
type settingsPage struct {
	Subscription app.Subscription
	// SSO is the workspace's single sign-on, Providers the identity
	// providers the server offers (the section shows only when there are).
	SSO       troupe.WorkspaceSSO
	Providers []sso.Config
}

// loadSettings fills the settings forms from the workspace, keeping what
// the user just typed. It asks for the subscription too, which only Super
// Admins may read: the app's refusal is the page's.
func (s *Server) loadSettings(r *http.Request, u troupe.User, v *view) (settingsPage, error) {
	ws := v.Workspace
	sub, err := s.app.GetSubscription(r.Context(), u, ws.ID)
	if err != nil {
		return settingsPage{}, err
	}
	p := settingsPage{Subscription: sub, Providers: s.cfg.SSO.List()}
	if p.SSO, err = s.app.GetWorkspaceSSO(r.Context(), u, ws.ID); err != nil {
		return settingsPage{}, err
	}
	values := settingValues(*ws)
	values["sso_provider"], values["sso_default_role"] = p.SSO.Provider, string(p.SSO.DefaultRole)
	values["sso_group_roles"] = p.SSO.GroupRoleLines()
	for k, val := range values {
		if _, typed := v.Form[k]; !typed {
			v.Form[k] = val
		}
	}
	return p, nil
}

func (s *Server) pageSettings(w http.ResponseWriter, r *http.Request, u troupe.User, v *view) error {
	p, err := s.loadSettings(r, u, v)
	if err != nil {
		return err
	}
	show(s, w, r, http.StatusOK, "settings", v, p)
	return nil
}

// settingsFailed shows the settings with what went wrong.
func (s *Server) settingsFailed(w http.ResponseWriter, r *http.Request, u troupe.User, v *view, err error) error {
	if pageLevel(err) {
		return err
	}
	p, lerr := s.loadSettings(r, u, v)
	if lerr != nil {
		return lerr
	}
	return showForm(s, w, r, "settings", v, p, err)
}

// formDays is formValue for a number of days; what is not a number is -1,
// which no setting allows.
func formDays(f url.Values, name string) *int {
	if !f.Has(name) {
		return nil
	}
	n, err := strconv.Atoi(f.Get(name))
	if err != nil {
		n = -1
	}
	return &n
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
		Downloads: formValue[troupe.Permission](f, "downloads"), Publishing: formValue[troupe.Permission](f, "publishing"),
		Approval: formValue[troupe.ApprovalMode](f, "approval"), ApprovalRule: formValue[troupe.ApprovalRule](f, "approval_rule"),
		LinkPassword: formValue[troupe.LinkPasswordRule](f, "link_password"), LinkMaxDays: formDays(f, "link_max_days"),
		Embedding: formValue[troupe.Permission](f, "embedding"), RequireTwoFactor: formValue[troupe.TwoFactorMode](f, "require_two_factor")}
	ws, err := s.app.UpdateWorkspace(r.Context(), u, v.Workspace.ID, upd, s.client(r))
	if err != nil && inPlace(r) {
		return err
	}
	if err != nil {
		for k := range f {
			v.Form[k] = f.Get(k)
		}
		return s.settingsFailed(w, r, u, v, err)
	}
	s.applied(w, r, settingsChanged(v, *v.Workspace, ws), "flash.settings_saved", paths.Settings(ws.ID), nil)
	return nil
}

// settingValues are a workspace's settings as the settings forms hold them.
func settingValues(ws app.WorkspaceView) map[string]string {
	set := ws.Settings
	return map[string]string{"name": ws.Name, "description": ws.Description, "join_policy": string(set.JoinPolicy),
		"who_can_invite": string(set.WhoCanInvite), "invite_link_policy": string(set.InviteLinkPolicy),
		"default_access": string(set.DefaultAccess), "downloads": string(set.Downloads), "publishing": string(set.Publishing),
		"approval": string(set.Approval), "approval_rule": string(set.ApprovalRule),
		"link_password": string(set.LinkPassword), "link_max_days": strconv.Itoa(set.LinkMaxDays), "embedding": string(set.Embedding),
		"require_two_factor": string(set.RequireTwoFactor)}
}

// settingChoices are the settings chosen among named values, in the
// order of the page.
var settingChoices = []string{"join_policy", "who_can_invite", "invite_link_policy", "default_access", "downloads", "publishing",
	"approval", "approval_rule", "link_password", "link_max_days", "embedding", "require_two_factor"}

// settingsChanged says what a save of the settings changed, setting by
// setting ("Downloads: Super Admins only"), or only that they were saved.
func settingsChanged(v *view, before, after app.WorkspaceView) string {
	was, now := settingValues(before), settingValues(after)
	var parts []string
	for _, k := range []string{"name", "description"} {
		if was[k] != now[k] {
			parts = append(parts, v.T("settings.changed_"+k))
		}
	}
	for _, k := range settingChoices {
		if was[k] != now[k] {
			parts = append(parts, v.T("settings."+k)+": "+v.T("settings."+k+"."+now[k]))
		}
	}
	if len(parts) == 0 {
		return v.T("flash.settings_saved")
	}
	return v.T("settings.saved_changes", "changes", strings.Join(parts, " · "))
}

// pageDomainsPost adds or removes one domain: the app checks the whole
// new list.
func (s *Server) pageDomainsPost(w http.ResponseWriter, r *http.Request, u troupe.User, v *view) error {
	if domain := r.PostForm.Get("verify"); domain != "" {
		return s.pageDomainVerify(w, r, u, v, domain)
	}
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
	http.Redirect(w, r, paths.Settings(v.Workspace.ID)+"#domains", http.StatusSeeOther)
	return nil
}

// pageDomainVerify checks a domain's TXT record at once ("Verify now");
// the page then shows its state and, when it is not verified, why.
func (s *Server) pageDomainVerify(w http.ResponseWriter, r *http.Request, u troupe.User, v *view, domain string) error {
	d, err := s.app.VerifyDomain(r.Context(), u, v.Workspace.ID, domain, s.client(r))
	if err != nil {
		return s.settingsFailed(w, r, u, v, err)
	}
	flashKey := "flash.domain_verified"
	if !d.Verified() || d.CheckError != "" {
		flashKey = "flash.domain_check_failed." + d.CheckError
	}
	s.flash(w, r, flashKey)
	http.Redirect(w, r, paths.Settings(v.Workspace.ID)+"#domains", http.StatusSeeOther)
	return nil
}

// pageSeatsFormerPath sends the links of seat-limit mails sent before the
// seats page took its place among the workspace's pages to that page.
func (s *Server) pageSeatsFormerPath(w http.ResponseWriter, r *http.Request, _ troupe.User) error {
	http.Redirect(w, r, paths.Seats(r.PathValue("ws")), http.StatusMovedPermanently)
	return nil
}

func (s *Server) pageSeats(w http.ResponseWriter, r *http.Request, u troupe.User, v *view) error {
	sub, err := s.app.GetSubscription(r.Context(), u, v.Workspace.ID)
	if err != nil {
		return err
	}
	v.Form["plan"], v.Form["seats"] = sub.Plan, strconv.Itoa(sub.Seats)
	show(s, w, r, http.StatusOK, "seats", v, settingsPage{Subscription: sub})
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
		v.Form["plan"], v.Form["seats"] = plan, rawSeats
		return showForm(s, w, r, "seats", v, settingsPage{Subscription: sub}, err)
	}
	s.flash(w, r, "flash.seats_saved")
	http.Redirect(w, r, paths.Seats(v.Workspace.ID), http.StatusSeeOther)
	return nil
}

type seatsJSON struct {
	Total int `json:"total"`
	Used  int `json:"used"`
}

type workspaceJSON struct {
	ID               string                  `json:"id"`
	Name             string                  `json:"name"`
	Description      string                  `json:"description"`
	Role             troupe.Role             `json:"role"`
	JoinPolicy       troupe.JoinPolicy       `json:"join_policy"`
	Domains          []string                `json:"domains"`
	DomainStates     []domainStateJSON       `json:"domain_states"`
	WhoCanInvite     troupe.WhoCanInvite     `json:"who_can_invite"`
	InviteLinkPolicy troupe.LinkPolicy       `json:"invite_link_policy"`
	DefaultAccess    troupe.DefaultAccess    `json:"default_access"`
	Downloads        troupe.Permission       `json:"downloads"`
	Publishing       troupe.Permission       `json:"publishing"`
	Approval         troupe.ApprovalMode     `json:"approval"`
	ApprovalRule     troupe.ApprovalRule     `json:"approval_rule"`
	LinkPassword     troupe.LinkPasswordRule `json:"link_password"`
	LinkMaxDays      int                     `json:"link_max_days"`
	Embedding        troupe.Permission       `json:"embedding"`
	RequireTwoFactor troupe.TwoFactorMode    `json:"require_two_factor"`
	// RequireTwoFactorSince is when the requirement was turned on.
	RequireTwoFactorSince *time.Time `json:"require_two_factor_since"`
	Seats                 seatsJSON  `json:"seats"`
}

func toWorkspaceJSON(w app.WorkspaceView) workspaceJSON {
	domains := w.Domains
	if domains == nil {
		domains = []string{}
	}
	s := w.Settings
	out := workspaceJSON{ID: w.ID, Name: w.Name, Description: w.Description, Role: w.Role, JoinPolicy: s.JoinPolicy,
		Domains: domains, DomainStates: toDomainStatesJSON(w.DomainStates, w.Can.ManageWorkspace), WhoCanInvite: s.WhoCanInvite,
		InviteLinkPolicy: s.InviteLinkPolicy, DefaultAccess: s.DefaultAccess,
		Downloads: s.Downloads, Publishing: s.Publishing, Approval: s.Approval, ApprovalRule: s.ApprovalRule,
		LinkPassword: s.LinkPassword, LinkMaxDays: s.LinkMaxDays, Embedding: s.Embedding, Seats: seatsJSON{Total: w.Seats, Used: w.SeatsUsed},
		RequireTwoFactor: s.RequireTwoFactor}
	if !s.RequireTwoFactorSince.IsZero() {
		at := s.RequireTwoFactorSince
		out.RequireTwoFactorSince = &at
	}
	return out
}

// domainStateJSON is a company domain and its proof by DNS; the TXT
// record to publish only for Super Admins.
type domainStateJSON struct {
	Domain     string     `json:"domain"`
	Verified   bool       `json:"verified"`
	VerifiedAt *time.Time `json:"verified_at"`
	CheckedAt  *time.Time `json:"checked_at"`
	CheckError string     `json:"check_error,omitempty"`
	TXTRecord  string     `json:"txt_record,omitempty"`
}

func toDomainStateJSON(d troupe.DomainState, admin bool) domainStateJSON {
	out := domainStateJSON{Domain: d.Domain, Verified: d.Verified(), VerifiedAt: d.VerifiedAt, CheckedAt: d.CheckedAt, CheckError: d.CheckError}
	if admin {
		out.TXTRecord = d.TXTRecord()
	}
	return out
}

func toDomainStatesJSON(states []troupe.DomainState, admin bool) []domainStateJSON {
	out := make([]domainStateJSON, 0, len(states))
	for _, d := range states {
		out = append(out, toDomainStateJSON(d, admin))
	}
	return out
}

func (s *Server) handleDomainList(w http.ResponseWriter, r *http.Request, u troupe.User) error {
	states, admin, err := s.app.ListDomains(r.Context(), u, r.PathValue("ws"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, list[domainStateJSON]{Items: toDomainStatesJSON(states, admin)})
	return nil
}

func (s *Server) handleDomainVerify(w http.ResponseWriter, r *http.Request, u troupe.User) error {
	d, err := s.app.VerifyDomain(r.Context(), u, r.PathValue("ws"), r.PathValue("domain"), s.client(r))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, toDomainStateJSON(d, true))
	return nil
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
		Name             *string                  `json:"name"`
		Description      *string                  `json:"description"`
		JoinPolicy       *troupe.JoinPolicy       `json:"join_policy"`
		Domains          *[]string                `json:"domains"`
		WhoCanInvite     *troupe.WhoCanInvite     `json:"who_can_invite"`
		InviteLinkPolicy *troupe.LinkPolicy       `json:"invite_link_policy"`
		DefaultAccess    *troupe.DefaultAccess    `json:"default_access"`
		Downloads        *troupe.Permission       `json:"downloads"`
		Publishing       *troupe.Permission       `json:"publishing"`
		Approval         *troupe.ApprovalMode     `json:"approval"`
		ApprovalRule     *troupe.ApprovalRule     `json:"approval_rule"`
		LinkPassword     *troupe.LinkPasswordRule `json:"link_password"`
		LinkMaxDays      *int                     `json:"link_max_days"`
		Embedding        *troupe.Permission       `json:"embedding"`
		RequireTwoFactor *troupe.TwoFactorMode    `json:"require_two_factor"`
	}
	if err := decode(w, r, &in); err != nil {
		return err
	}
	ws, err := s.app.UpdateWorkspace(r.Context(), u, r.PathValue("ws"), app.WorkspaceUpdate{Name: in.Name, Description: in.Description,
		JoinPolicy: in.JoinPolicy, WhoCanInvite: in.WhoCanInvite, InviteLinkPolicy: in.InviteLinkPolicy, DefaultAccess: in.DefaultAccess,
		Downloads: in.Downloads, Publishing: in.Publishing, Approval: in.Approval, ApprovalRule: in.ApprovalRule,
		LinkPassword: in.LinkPassword, LinkMaxDays: in.LinkMaxDays, Embedding: in.Embedding, RequireTwoFactor: in.RequireTwoFactor,
		Domains: in.Domains}, s.client(r))
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

// pageHome opens the current workspace or, for someone in none yet, offers
// to create one.
func (s *Server) pageHome(w http.ResponseWriter, r *http.Request, u troupe.User) error {
	v := s.newView(r)
	if v.Workspace != nil {
		http.Redirect(w, r, paths.Workspace(v.Workspace.ID), http.StatusSeeOther)
		return nil
	}
	return s.showHome(w, r, u, v)
}
