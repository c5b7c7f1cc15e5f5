package web

import (
	"bytes"
	"encoding/base64"
	"html/template"
	"image/png"
	"net/http"
	"strings"

	"github.com/pquerna/otp"

	"troupe/internal/app"
	"troupe/internal/paths"
	"troupe/internal/troupe"
)

// pendingCookie holds the signed token of a sign-in whose password was
// right and that waits for its second factor; it is no session.
const pendingCookie = "troupe_two_factor"

// accountTwoFactor is the two-factor section of the account page.
var accountTwoFactor = paths.Account() + "#two-factor"

func (s *Server) setPendingCookie(w http.ResponseWriter, r *http.Request, token string) {
	s.setCookie(w, r, &http.Cookie{Name: pendingCookie, Value: token, Path: "/", HttpOnly: true,
		SameSite: http.SameSiteLaxMode, MaxAge: int(app.TwoFactorPendingAge.Seconds())})
}

func (s *Server) clearPendingCookie(w http.ResponseWriter, r *http.Request) {
	s.setCookie(w, r, &http.Cookie{Name: pendingCookie, Value: "", Path: "/", HttpOnly: true,
		SameSite: http.SameSiteLaxMode, MaxAge: -1})
}

func pendingToken(r *http.Request) string {
	if c, err := r.Cookie(pendingCookie); err == nil {
		return c.Value
	}
	return ""
}

// twoFactorRequiredJSON answers a right password of an account with
// two-factor on: the code comes next.
type twoFactorRequiredJSON struct {
	TwoFactorRequired bool `json:"two_factor_required"`
}

type twoFactorSetupJSON struct {
	Secret     string `json:"secret"`
	OtpauthURL string `json:"otpauth_url"`
}

type recoveryCodesJSON struct {
	RecoveryCodes []string `json:"recovery_codes"`
}

// handleLoginCode finishes a sign-in with its second factor.
func (s *Server) handleLoginCode(w http.ResponseWriter, r *http.Request) error {
	var in struct {
		Code string `json:"code"`
	}
	if err := decode(w, r, &in); err != nil {
		return err
	}
	u, secret, err := s.app.LoginWithCode(r.Context(), pendingToken(r), in.Code, s.client(r))
	if err != nil {
		return err
	}
	s.clearPendingCookie(w, r)
	if err := s.signedIn(w, r, u, secret); err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, toUserJSON(u))
	return nil
}

func (s *Server) handleTwoFactorEnroll(w http.ResponseWriter, r *http.Request, u troupe.User) error {
	setup, err := s.app.EnrollTwoFactor(r.Context(), u)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, twoFactorSetupJSON{Secret: setup.Secret, OtpauthURL: setup.URL})
	return nil
}

func (s *Server) handleTwoFactorConfirm(w http.ResponseWriter, r *http.Request, u troupe.User) error {
	var in struct {
		Code string `json:"code"`
	}
	if err := decode(w, r, &in); err != nil {
		return err
	}
	codes, err := s.app.ConfirmTwoFactor(r.Context(), u, in.Code, s.client(r))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, recoveryCodesJSON{RecoveryCodes: codes})
	return nil
}

func (s *Server) handleTwoFactorDisable(w http.ResponseWriter, r *http.Request, u troupe.User) error {
	var in struct {
		Password string `json:"password"`
	}
	if err := decode(w, r, &in); err != nil {
		return err
	}
	if err := s.app.DisableTwoFactor(r.Context(), u, in.Password, s.client(r)); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Server) handleRecoveryCodes(w http.ResponseWriter, r *http.Request, u troupe.User) error {
	var in struct {
		Password string `json:"password"`
	}
	if err := decode(w, r, &in); err != nil {
		return err
	}
	codes, err := s.app.RenewRecoveryCodes(r.Context(), u, in.Password, s.client(r))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, recoveryCodesJSON{RecoveryCodes: codes})
	return nil
}

// accountPage is the account page's two-factor section: its state, a
// setup under way (QR code and secret), or recovery codes shown once.
type accountPage struct {
	TwoFactor     app.TwoFactorStatus
	Setup         *twoFactorSetupView
	RecoveryCodes string
	// Identities are the account's identities at providers, with each
	// provider's name; SSO says whether any provider is configured.
	Identities []identityJSON
	SSO        bool
}

type twoFactorSetupView struct {
	Secret string
	// QR is the otpauth address as a PNG data: URL (the CSP allows
	// data: images).
	QR template.URL
}

func (s *Server) accountData(r *http.Request, u troupe.User) (accountPage, error) {
	st, err := s.app.TwoFactorState(r.Context(), u)
	if err != nil {
		return accountPage{}, err
	}
	ids, err := s.app.ListIdentities(r.Context(), u)
	return accountPage{TwoFactor: st, SSO: len(s.cfg.SSO.List()) > 0, Identities: s.identitiesJSON(ids)}, err
}

func setupView(setup app.TwoFactorSetup) (*twoFactorSetupView, error) {
	key, err := otp.NewKeyFromURL(setup.URL)
	if err != nil {
		return nil, err
	}
	img, err := key.Image(200, 200)
	if err != nil {
		return nil, err
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		return nil, err
	}
	// Group the secret by four for reading it out.
	var groups []string
	for sec := setup.Secret; sec != ""; {
		n := min(4, len(sec))
		groups = append(groups, sec[:n])
		sec = sec[n:]
	}
	return &twoFactorSetupView{Secret: strings.Join(groups, " "),
		QR: template.URL("data:image/png;base64," + base64.StdEncoding.EncodeToString(b.Bytes()))}, nil
}

// pageTwoFactorStart makes a pending secret and shows its QR code with
// the field for a first code.
func (s *Server) pageTwoFactorStart(w http.ResponseWriter, r *http.Request, u troupe.User) error {
	setup, err := s.app.EnrollTwoFactor(r.Context(), u)
	if err != nil {
		return s.accountForm(w, r, u, s.accountView(r, u), err)
	}
	return s.showSetup(w, r, u, setup, nil)
}

func (s *Server) showSetup(w http.ResponseWriter, r *http.Request, u troupe.User, setup app.TwoFactorSetup, err error) error {
	data, derr := s.accountData(r, u)
	if derr != nil {
		return derr
	}
	if data.Setup, derr = setupView(setup); derr != nil {
		return derr
	}
	if err != nil {
		return showForm(s, w, r, "account", s.accountView(r, u), data, err)
	}
	show(s, w, r, http.StatusOK, "account", s.accountView(r, u), data)
	return nil
}

// pageTwoFactorConfirm turns two-factor on with a first code and shows
// the recovery codes, this once.
func (s *Server) pageTwoFactorConfirm(w http.ResponseWriter, r *http.Request, u troupe.User) error {
	codes, err := s.app.ConfirmTwoFactor(r.Context(), u, r.PostForm.Get("code"), s.client(r))
	if err != nil {
		setup, serr := s.app.PendingTwoFactor(r.Context(), u)
		if serr != nil {
			return s.accountForm(w, r, u, s.accountView(r, u), err)
		}
		return s.showSetup(w, r, u, setup, err)
	}
	u.TwoFactor = true
	return s.showRecoveryCodes(w, r, u, codes, "flash.two_factor_on")
}

func (s *Server) showRecoveryCodes(w http.ResponseWriter, r *http.Request, u troupe.User, codes []string, flash string) error {
	data, err := s.accountData(r, u)
	if err != nil {
		return err
	}
	data.RecoveryCodes = strings.Join(codes, "\n")
	v := s.accountView(r, u)
	v.Flash = v.T(flash)
	show(s, w, r, http.StatusOK, "account", v, data)
	return nil
}

func (s *Server) pageTwoFactorDisable(w http.ResponseWriter, r *http.Request, u troupe.User) error {
	if err := s.app.DisableTwoFactor(r.Context(), u, r.PostForm.Get("password"), s.client(r)); err != nil {
		return s.accountForm(w, r, u, s.accountView(r, u), err)
	}
	s.flash(w, r, "flash.two_factor_off")
	http.Redirect(w, r, accountTwoFactor, http.StatusSeeOther)
	return nil
}

func (s *Server) pageRecoveryCodes(w http.ResponseWriter, r *http.Request, u troupe.User) error {
	codes, err := s.app.RenewRecoveryCodes(r.Context(), u, r.PostForm.Get("password"), s.client(r))
	if err != nil {
		return s.accountForm(w, r, u, s.accountView(r, u), err)
	}
	return s.showRecoveryCodes(w, r, u, codes, "flash.recovery_codes_renewed")
}

// pageLoginCode asks for the second factor of a sign-in whose password
// was right; without one under way it goes back to the password.
func (s *Server) pageLoginCode(w http.ResponseWriter, r *http.Request) error {
	next := localPath(r.URL.Query().Get("next"))
	if pendingToken(r) == "" {
		http.Redirect(w, r, paths.LoginThen(next), http.StatusSeeOther)
		return nil
	}
	v := s.newView(r)
	v.Form["next"] = next
	s.show(w, r, http.StatusOK, "login_code", v)
	return nil
}

func (s *Server) pageLoginCodePost(w http.ResponseWriter, r *http.Request) error {
	next := localPath(r.PostForm.Get("next"))
	u, secret, err := s.app.LoginWithCode(r.Context(), pendingToken(r), r.PostForm.Get("code"), s.client(r))
	if troupe.ErrorCode(err) == troupe.CodeUnauthenticated {
		s.clearPendingCookie(w, r)
		s.flash(w, r, "flash.two_factor_expired")
		http.Redirect(w, r, paths.LoginThen(next), http.StatusSeeOther)
		return nil
	}
	if err != nil {
		v := s.newView(r)
		v.Form["next"] = next
		return s.showForm(w, r, "login_code", v, err)
	}
	s.clearPendingCookie(w, r)
	if err := s.signedIn(w, r, u, secret); err != nil {
		return err
	}
	http.Redirect(w, r, next, http.StatusSeeOther)
	return nil
}

// TwoFactorBanner says how long remains to turn two-factor on in the
// page's workspace, when it requires it; empty otherwise.
func (v *view) TwoFactorBanner() string {
	if v.Workspace == nil || v.User == nil || v.User.TwoFactor || v.Workspace.TwoFactorDeadline.IsZero() {
		return ""
	}
	n := v.Workspace.TwoFactorDaysLeft
	key := "two_factor.grace_banner_many"
	if n == 1 {
		key = "two_factor.grace_banner_one"
	}
	return v.T(key, "workspace", v.Workspace.Name, "count", n)
}
