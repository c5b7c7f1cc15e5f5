package web

import (
	"net/http"

	"troupe/internal/app"
	"troupe/internal/paths"
	"troupe/internal/troupe"
)

// handleSignup creates an account. With an invitation token it creates a
// verified account for the invited address, accepts the invitation and
// signs the account in.
func (s *Server) handleSignup(w http.ResponseWriter, r *http.Request) error {
	var in struct {
		Email           string `json:"email"`
		Password        string `json:"password"`
		Name            string `json:"name"`
		InvitationToken string `json:"invitation_token"`
	}
	if err := decode(w, r, &in); err != nil {
		return err
	}
	if in.InvitationToken != "" {
		res, err := s.app.SignupWithInvitation(r.Context(), app.SignupInput{Email: in.Email, Password: in.Password, Name: in.Name},
			in.InvitationToken, s.client(r))
		if err != nil {
			return err
		}
		s.setSessionCookie(w, r, res.Session)
		// Every seat taken keeps the account, signed in, and says that the
		// invitation waits for a seat.
		out := invitationSignupJSON{userJSON: toUserJSON(res.User), Invitation: invitationOutcomeJSON{Result: "joined", WorkspaceID: res.WorkspaceID}}
		if res.WaitingForSeat {
			out.Invitation.Result = "waiting_for_seat"
		}
		writeJSON(w, http.StatusCreated, out)
		return nil
	}
	res, err := s.app.Signup(r.Context(), app.SignupInput{Email: in.Email, Password: in.Password, Name: in.Name}, s.client(r))
	if err != nil {
		return err
	}
	if res.Session == "" {
		// The address has an account already: its owner was mailed.
		writeJSON(w, http.StatusAccepted, checkEmailJSON{Email: res.User.Email, Status: "check_email"})
		return nil
	}
	if err := s.signedIn(w, r, res.User, res.Session); err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, toUserJSON(res.User))
	return nil
}

// checkEmailJSON answers a sign-up that signed nobody in.
type checkEmailJSON struct {
	Email  string `json:"email"`
	Status string `json:"status"`
}

func (s *Server) handleLogin(w http.ResponseWriter, r *http.Request) error {
	var in struct {
		Email    string `json:"email"`
		Password string `json:"password"`
	}
	if err := decode(w, r, &in); err != nil {
		return err
	}
	res, err := s.app.Login(r.Context(), in.Email, in.Password, s.client(r))
	if err != nil {
		return err
	}
	if res.Pending != "" {
		s.setPendingCookie(w, r, res.Pending)
		writeJSON(w, http.StatusOK, twoFactorRequiredJSON{TwoFactorRequired: true})
		return nil
	}
	if err := s.signedIn(w, r, res.User, res.Session); err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, toUserJSON(res.User))
	return nil
}

// endCurrentSession ends the session the request came with, so signing in
// always starts from a new session id.
func (s *Server) endCurrentSession(r *http.Request) {
	if c, err := r.Cookie(sessionCookie); err == nil {
		_ = s.app.Logout(r.Context(), c.Value)
	}
}

func (s *Server) handleLogout(w http.ResponseWriter, r *http.Request) error {
	if c, err := r.Cookie(sessionCookie); err == nil {
		if err := s.app.Logout(r.Context(), c.Value); err != nil {
			return err
		}
	}
	s.clearSessionCookie(w, r)
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Server) handleVerifyEmail(w http.ResponseWriter, r *http.Request) error {
	var in struct {
		Token string `json:"token"`
	}
	if err := decode(w, r, &in); err != nil {
		return err
	}
	u, err := s.app.VerifyEmail(r.Context(), in.Token)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, toUserJSON(u))
	return nil
}

func (s *Server) handleResendVerification(w http.ResponseWriter, r *http.Request, u troupe.User) error {
	if err := s.app.ResendVerification(r.Context(), u, "", s.client(r)); err != nil {
		return err
	}
	w.WriteHeader(http.StatusAccepted)
	return nil
}

// handleEmailChange changes the address of an account that has not
// verified it yet, and mails a link to the new one.
func (s *Server) handleEmailChange(w http.ResponseWriter, r *http.Request, u troupe.User) error {
	var in struct {
		Email string `json:"email"`
	}
	if err := decode(w, r, &in); err != nil {
		return err
	}
	updated, err := s.app.ChangeEmail(r.Context(), u, in.Email, "", s.client(r))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, toMeJSON(updated))
	return nil
}

func (s *Server) handlePasswordReset(w http.ResponseWriter, r *http.Request) error {
	var in struct {
		Email string `json:"email"`
	}
	if err := decode(w, r, &in); err != nil {
		return err
	}
	if err := s.app.RequestPasswordReset(r.Context(), in.Email, s.client(r)); err != nil {
		return err
	}
	w.WriteHeader(http.StatusAccepted)
	return nil
}

func (s *Server) handlePasswordResetConfirm(w http.ResponseWriter, r *http.Request) error {
	var in struct {
		Token    string `json:"token"`
		Password string `json:"password"`
	}
	if err := decode(w, r, &in); err != nil {
		return err
	}
	if err := s.app.ResetPassword(r.Context(), in.Token, in.Password, s.client(r)); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Server) handleMe(w http.ResponseWriter, r *http.Request, u troupe.User) error {
	writeJSON(w, http.StatusOK, toMeJSON(u))
	return nil
}

func (s *Server) handleMeUpdate(w http.ResponseWriter, r *http.Request, u troupe.User) error {
	var in struct {
		Name            *string `json:"name"`
		Locale          *string `json:"locale"`
		Discoverable    *bool   `json:"discoverable"`
		CommentMail     *string `json:"comment_mail"`
		CurrentPassword *string `json:"current_password"`
		NewPassword     *string `json:"new_password"`
	}
	if err := decode(w, r, &in); err != nil {
		return err
	}
	updated, secret, err := s.app.UpdateProfile(r.Context(), u, app.ProfileUpdate{Name: in.Name, Locale: in.Locale,
		Discoverable: in.Discoverable, CommentMail: in.CommentMail, CurrentPassword: in.CurrentPassword, NewPassword: in.NewPassword}, s.client(r))
	if err != nil {
		return err
	}
	if secret != "" {
		s.setSessionCookie(w, r, secret)
	}
	writeJSON(w, http.StatusOK, toMeJSON(updated))
	return nil
}

// userJSON is the API's User shape.
type userJSON struct {
	ID            string `json:"id"`
	Email         string `json:"email"`
	Name          string `json:"name"`
	EmailVerified bool   `json:"email_verified"`
}

// invitationSignupJSON is an account made from an invitation, with what
// became of the invitation.
type invitationSignupJSON struct {
	userJSON
	Invitation invitationOutcomeJSON `json:"invitation"`
}

type invitationOutcomeJSON struct {
	Result      string `json:"result"` // "joined" or "waiting_for_seat"
	WorkspaceID string `json:"workspace_id"`
}

// meJSON adds the caller's own settings to the User shape.
type meJSON struct {
	userJSON
	Locale       string `json:"locale"`
	Discoverable bool   `json:"discoverable"`
	// CommentMail is when the user gets mail about comments.
	CommentMail string `json:"comment_mail"`
	TwoFactor   bool   `json:"two_factor"`
}

func toUserJSON(u troupe.User) userJSON {
	return userJSON{ID: u.ID, Email: u.Email, Name: u.Name, EmailVerified: u.EmailVerified}
}

func toMeJSON(u troupe.User) meJSON {
	return meJSON{userJSON: toUserJSON(u), Locale: u.Locale, Discoverable: u.Discoverable, CommentMail: u.CommentMail,
		TwoFactor: u.TwoFactor}
}

func (s *Server) pageSignup(w http.ResponseWriter, r *http.Request) error {
	if u, _ := s.currentUser(r); u != nil {
		http.Redirect(w, r, paths.Home(), http.StatusSeeOther)
		return nil
	}
	v := s.newView(r)
	v.Form["email"] = r.URL.Query().Get("email")
	v.Form["next"] = nextParam(r.URL.Query().Get("next"))
	s.show(w, r, http.StatusOK, "signup", v)
	return nil
}

// nextParam is a local path to come back to, or empty.
func nextParam(next string) string {
	if next == "" || localPath(next) == "/" {
		return ""
	}
	return localPath(next)
}

func (s *Server) pageSignupPost(w http.ResponseWriter, r *http.Request) error {
	in := app.SignupInput{Name: r.PostForm.Get("name"), Email: r.PostForm.Get("email"), Password: r.PostForm.Get("password"),
		Next: nextParam(r.PostForm.Get("next"))}
	res, err := s.app.Signup(r.Context(), in, s.client(r))
	if err != nil {
		v := s.newView(r)
		v.Form["name"], v.Form["email"], v.Form["next"] = in.Name, in.Email, in.Next
		return s.showForm(w, r, "signup", v, err)
	}
	return s.signedUp(w, r, res, in.Next)
}

// signedUp lands a new account where sign-up was going (home by
// default), signed in; when the address already had an account, it says
// to check the mail sent to it instead.
func (s *Server) signedUp(w http.ResponseWriter, r *http.Request, res app.SignedUp, next string) error {
	if res.Session == "" {
		v := s.newView(r)
		show(s, w, r, http.StatusOK, "check_email", v, checkEmailPage{Email: res.User.Email})
		return nil
	}
	if err := s.signedIn(w, r, res.User, res.Session); err != nil {
		return err
	}
	if next == "" {
		next = paths.Home()
	}
	http.Redirect(w, r, next, http.StatusSeeOther)
	return nil
}

// checkEmailPage names the address a mail went to.
type checkEmailPage struct{ Email string }

// doneForm is the data of a form page that says in its place when it has
// done its work: verifying an address, sending a reset link.
type doneForm struct{ Done bool }

// The verification link opens a page with a button rather than verifying
// on GET, so mail scanners that prefetch links do not use it up.
func (s *Server) pageVerifyEmail(w http.ResponseWriter, r *http.Request) error {
	v := s.newView(r)
	v.Form["token"] = r.URL.Query().Get("token")
	v.Form["next"] = nextParam(r.URL.Query().Get("next"))
	show(s, w, r, http.StatusOK, "verify_email", v, doneForm{})
	return nil
}

// pageVerifyEmailPost verifies and, in the browser signed in to the
// account, goes straight back to where the person was. Elsewhere it says
// so and offers to continue through sign-in.
func (s *Server) pageVerifyEmailPost(w http.ResponseWriter, r *http.Request) error {
	v := s.newView(r)
	next := nextParam(r.PostForm.Get("next"))
	v.Form["next"] = next
	if next == "" {
		next = paths.Home()
	}
	verified, err := s.app.VerifyEmail(r.Context(), r.PostForm.Get("token"))
	if err != nil {
		return showForm(s, w, r, "verify_email", v, doneForm{}, err)
	}
	if v.User != nil && v.User.ID == verified.ID {
		s.flash(w, r, "flash.email_verified")
		http.Redirect(w, r, next, http.StatusSeeOther)
		return nil
	}
	if v.User == nil {
		next = paths.LoginThen(next)
	}
	v.Form["continue"] = next
	show(s, w, r, http.StatusOK, "verify_email", v, doneForm{Done: true})
	return nil
}

func (s *Server) pageLogin(w http.ResponseWriter, r *http.Request) error {
	v := s.newView(r)
	v.Form["next"] = localPath(r.URL.Query().Get("next"))
	v.Providers = s.ssoLinks(v.Form["next"])
	s.show(w, r, http.StatusOK, "login", v)
	return nil
}

func (s *Server) pageLoginPost(w http.ResponseWriter, r *http.Request) error {
	email, next := r.PostForm.Get("email"), localPath(r.PostForm.Get("next"))
	res, err := s.app.Login(r.Context(), email, r.PostForm.Get("password"), s.client(r))
	if err != nil {
		v := s.newView(r)
		v.Form["email"], v.Form["next"] = email, next
		v.Providers = s.ssoLinks(next)
		return s.showForm(w, r, "login", v, err)
	}
	if res.Pending != "" {
		s.setPendingCookie(w, r, res.Pending)
		http.Redirect(w, r, paths.LoginCode(next), http.StatusSeeOther)
		return nil
	}
	if err := s.signedIn(w, r, res.User, res.Session); err != nil {
		return err
	}
	http.Redirect(w, r, next, http.StatusSeeOther)
	return nil
}

func (s *Server) pageLogout(w http.ResponseWriter, r *http.Request) error {
	s.endCurrentSession(r)
	s.clearSessionCookie(w, r)
	s.flash(w, r, "flash.signed_out")
	http.Redirect(w, r, paths.Login(), http.StatusSeeOther)
	return nil
}

func (s *Server) pageForgot(w http.ResponseWriter, r *http.Request) error {
	show(s, w, r, http.StatusOK, "forgot_password", s.newView(r), doneForm{})
	return nil
}

func (s *Server) pageForgotPost(w http.ResponseWriter, r *http.Request) error {
	v := s.newView(r)
	email := r.PostForm.Get("email")
	v.Form["email"] = email
	if err := s.app.RequestPasswordReset(r.Context(), email, s.client(r)); err != nil {
		return showForm(s, w, r, "forgot_password", v, doneForm{}, err)
	}
	show(s, w, r, http.StatusOK, "forgot_password", v, doneForm{Done: true})
	return nil
}

func (s *Server) pageReset(w http.ResponseWriter, r *http.Request) error {
	v := s.newView(r)
	v.Form["token"] = r.URL.Query().Get("token")
	s.show(w, r, http.StatusOK, "reset_password", v)
	return nil
}

func (s *Server) pageResetPost(w http.ResponseWriter, r *http.Request) error {
	token := r.PostForm.Get("token")
	if err := s.app.ResetPassword(r.Context(), token, r.PostForm.Get("password"), s.client(r)); err != nil {
		v := s.newView(r)
		v.Form["token"] = token
		return s.showForm(w, r, "reset_password", v, err)
	}
	s.clearSessionCookie(w, r)
	s.flash(w, r, "flash.password_reset")
	http.Redirect(w, r, paths.Login(), http.StatusSeeOther)
	return nil
}

// accountView is the account page's view with the form filled from u.
func (s *Server) accountView(r *http.Request, u troupe.User) *view {
	v := s.newView(r)
	v.Form["name"], v.Form["locale"] = u.Name, u.Locale
	return v
}

func (s *Server) pageAccount(w http.ResponseWriter, r *http.Request, u troupe.User) error {
	data, err := s.accountData(r, u)
	if err != nil {
		return err
	}
	show(s, w, r, http.StatusOK, "account", s.accountView(r, u), data)
	return nil
}

// accountForm re-renders the account page with err explained.
func (s *Server) accountForm(w http.ResponseWriter, r *http.Request, u troupe.User, v *view, err error) error {
	data, derr := s.accountData(r, u)
	if derr != nil {
		return derr
	}
	return showForm(s, w, r, "account", v, data, err)
}

func (s *Server) pageAccountProfile(w http.ResponseWriter, r *http.Request, u troupe.User) error {
	name, locale := r.PostForm.Get("name"), r.PostForm.Get("locale")
	discoverable := r.PostForm.Get("discoverable") == "on"
	_, _, err := s.app.UpdateProfile(r.Context(), u, app.ProfileUpdate{Name: &name, Locale: &locale, Discoverable: &discoverable}, s.client(r))
	if err != nil {
		u.Name, u.Locale = name, locale
		return s.accountForm(w, r, u, s.accountView(r, u), err)
	}
	s.flash(w, r, "flash.profile_saved")
	http.Redirect(w, r, paths.Account(), http.StatusSeeOther)
	return nil
}

// pageAccountNotifications saves when to be mailed about comments.
func (s *Server) pageAccountNotifications(w http.ResponseWriter, r *http.Request, u troupe.User) error {
	pref := r.PostForm.Get("comment_mail")
	if _, _, err := s.app.UpdateProfile(r.Context(), u, app.ProfileUpdate{CommentMail: &pref}, s.client(r)); err != nil {
		return s.accountForm(w, r, u, s.accountView(r, u), err)
	}
	s.flash(w, r, "flash.comment_mail_saved")
	http.Redirect(w, r, paths.Account(), http.StatusSeeOther)
	return nil
}

func (s *Server) pageAccountPassword(w http.ResponseWriter, r *http.Request, u troupe.User) error {
	current, next := r.PostForm.Get("current_password"), r.PostForm.Get("new_password")
	_, secret, err := s.app.UpdateProfile(r.Context(), u, app.ProfileUpdate{CurrentPassword: &current, NewPassword: &next}, s.client(r))
	if err != nil {
		return s.accountForm(w, r, u, s.accountView(r, u), err)
	}
	s.setSessionCookie(w, r, secret)
	s.flash(w, r, "flash.password_changed")
	http.Redirect(w, r, paths.Account(), http.StatusSeeOther)
	return nil
}

// pageAccountResend mails a new verification link, which comes back to
// the page the banner was on.
func (s *Server) pageAccountResend(w http.ResponseWriter, r *http.Request, u troupe.User) error {
	next := nextParam(r.PostForm.Get("next"))
	if err := s.app.ResendVerification(r.Context(), u, next, s.client(r)); err != nil {
		return s.accountForm(w, r, u, s.accountView(r, u), err)
	}
	s.flash(w, r, "flash.verification_sent")
	if next == "" {
		next = paths.Account()
	}
	http.Redirect(w, r, next, http.StatusSeeOther)
	return nil
}

// pageChangeEmail shows the form that corrects an unverified address.
func (s *Server) pageChangeEmail(w http.ResponseWriter, r *http.Request, u troupe.User) error {
	if u.EmailVerified {
		http.Redirect(w, r, paths.Account(), http.StatusSeeOther)
		return nil
	}
	v := s.newView(r)
	v.Form["email"] = u.Email
	v.Form["next"] = nextParam(r.URL.Query().Get("next"))
	s.show(w, r, http.StatusOK, "change_email", v)
	return nil
}

func (s *Server) pageChangeEmailPost(w http.ResponseWriter, r *http.Request, u troupe.User) error {
	email, next := r.PostForm.Get("email"), nextParam(r.PostForm.Get("next"))
	if _, err := s.app.ChangeEmail(r.Context(), u, email, next, s.client(r)); err != nil {
		v := s.newView(r)
		v.Form["email"], v.Form["next"] = email, next
		return s.showForm(w, r, "change_email", v, err)
	}
	s.flash(w, r, "flash.email_changed")
	if next == "" {
		next = paths.Home()
	}
	http.Redirect(w, r, next, http.StatusSeeOther)
	return nil
}

// pageLanguage remembers a language choice for visitors who are not signed
// in (signed-in users choose theirs in account settings).
func (s *Server) pageLanguage(w http.ResponseWriter, r *http.Request) error {
	lang := r.PostForm.Get("lang")
	if !troupe.ValidLocale(lang) {
		lang = ""
	}
	s.setCookie(w, r, &http.Cookie{Name: langCookie, Value: lang, Path: "/", SameSite: http.SameSiteLaxMode,
		MaxAge: 365 * 24 * 3600})
	http.Redirect(w, r, localPath(r.PostForm.Get("back")), http.StatusSeeOther)
	return nil
}
