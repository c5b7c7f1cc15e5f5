package web

import (
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"troupe/internal/app"
	"troupe/internal/troupe"
)

// pageHandler renders a page; a returned error becomes an error page.
type pageHandler func(w http.ResponseWriter, r *http.Request) error

// maxFormBody bounds form posts.
const maxFormBody = 64 << 10

// routePages is the route table of the server-rendered pages. Pages that
// need a signed-in user send anonymous visitors to the sign-in page.
func (s *Server) routePages(mux *http.ServeMux) {
	open := func(pattern string, h pageHandler) {
		s.pageRoutes = append(s.pageRoutes, pattern)
		mux.Handle(pattern, s.page(pattern, h))
	}
	authed := func(pattern string, h func(http.ResponseWriter, *http.Request, troupe.User) error) {
		open(pattern, s.requirePageUser(h))
	}

	authed("GET /{$}", s.pageHome)
	open("GET /signup", s.pageSignup)
	open("POST /signup", s.pageSignupPost)
	open("GET /check-email", s.pageCheckEmail)
	open("GET /verify-email", s.pageVerifyEmail)
	open("POST /verify-email", s.pageVerifyEmailPost)
	open("GET /login", s.pageLogin)
	open("POST /login", s.pageLoginPost)
	open("POST /logout", s.pageLogout)
	open("GET /forgot-password", s.pageForgot)
	open("POST /forgot-password", s.pageForgotPost)
	open("GET /reset-password", s.pageReset)
	open("POST /reset-password", s.pageResetPost)
	authed("GET /account", s.pageAccount)
	authed("POST /account/profile", s.pageAccountProfile)
	authed("POST /account/password", s.pageAccountPassword)
	authed("POST /account/verify-email", s.pageAccountResend)
	open("POST /language", s.pageLanguage)
	s.routeWorkspacePages(open, authed)
	s.routeItemPages(mux, authed)
	s.routePublicPages(open)
	open("/", func(w http.ResponseWriter, r *http.Request) error {
		return troupe.Errorf(troupe.CodeNotFound, "This page does not exist.")
	})
}

// PageRoutes lists the pages' patterns as registered by Handler, for the
// tests that send every page bad input.
func (s *Server) PageRoutes() []string { return slices.Clone(s.pageRoutes) }

func (s *Server) page(pattern string, h pageHandler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		state(r).route = pattern
		if r.Method == http.MethodPost {
			r.Body = http.MaxBytesReader(w, r.Body, maxFormBody)
			if err := readForm(r); err != nil {
				s.fail(w, r, err)
				return
			}
		}
		if err := h(w, r); err != nil {
			s.fail(w, r, err)
		}
	})
}

// readForm parses a posted form, whose body the caller has bounded, and
// checks that every field is text: the one form reader of the pages.
func readForm(r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			return troupe.Errorf(troupe.CodeBodyTooLarge, "The form is too large.")
		}
		return troupe.Errorf(troupe.CodeMalformed, "The form could not be read.")
	}
	return checkValues("form field", r.PostForm)
}

func (s *Server) requirePageUser(h func(http.ResponseWriter, *http.Request, troupe.User) error) pageHandler {
	return func(w http.ResponseWriter, r *http.Request) error {
		u, err := s.currentUser(r)
		if err != nil {
			return err
		}
		if u == nil {
			http.Redirect(w, r, "/login?next="+url.QueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
			return nil
		}
		return h(w, r, *u)
	}
}

const flashCookie = "troupe_flash"

// flash leaves a one-time message (a catalog key) for the next page.
func (s *Server) flash(w http.ResponseWriter, r *http.Request, key string) {
	s.setCookie(w, r, &http.Cookie{Name: flashCookie, Value: key, Path: "/", HttpOnly: true,
		SameSite: http.SameSiteLaxMode, MaxAge: 60})
}

// show renders page id, consuming any flash message.
func (s *Server) show(w http.ResponseWriter, r *http.Request, status int, id string, v *view) {
	if c, err := r.Cookie(flashCookie); err == nil {
		if strings.HasPrefix(c.Value, "flash.") && s.cat.Has(c.Value) {
			v.Flash = v.T(c.Value)
		}
		s.setCookie(w, r, &http.Cookie{Name: flashCookie, Path: "/", MaxAge: -1})
	}
	s.pages.render(w, status, id, v)
}

// showForm re-renders a form page with err explained, or fails the
// request when err is not about the input.
func (s *Server) showForm(w http.ResponseWriter, r *http.Request, id string, v *view, err error) error {
	switch troupe.ErrorCode(err) {
	case troupe.CodeInternal, troupe.CodeUnavailable:
		return err
	}
	setRetryAfter(w, err)
	v.setError(err)
	s.show(w, r, httpStatus(troupe.ErrorCode(err)), id, v)
	return nil
}

// localPath returns next when it is a path on this site, else "/".
func localPath(next string) string {
	// Browsers drop tabs and newlines and read "\\" as "/", so any of them
	// could turn a path into another site's address.
	if strings.ContainsFunc(next, func(r rune) bool { return r < 0x20 || r == 0x7f || r == '\\' }) {
		return "/"
	}
	u, err := url.Parse(next)
	if err != nil || u.Scheme != "" || u.Host != "" || u.Opaque != "" || u.User != nil ||
		!strings.HasPrefix(u.Path, "/") || strings.HasPrefix(u.Path, "//") {
		return "/"
	}
	return u.RequestURI()
}

// pageHome opens the current workspace or, for someone in none yet, offers
// to create one.
func (s *Server) pageHome(w http.ResponseWriter, r *http.Request, u troupe.User) error {
	v := s.newView(r)
	if v.Workspace != nil {
		http.Redirect(w, r, wsPath(v.Workspace.ID, ""), http.StatusSeeOther)
		return nil
	}
	return s.showHome(w, r, u, v)
}

func (s *Server) pageSignup(w http.ResponseWriter, r *http.Request) error {
	if u, _ := s.currentUser(r); u != nil {
		http.Redirect(w, r, "/", http.StatusSeeOther)
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
	if _, err := s.app.Signup(r.Context(), in, s.client(r)); err != nil {
		v := s.newView(r)
		v.Form["name"], v.Form["email"], v.Form["next"] = in.Name, in.Email, in.Next
		return s.showForm(w, r, "signup", v, err)
	}
	http.Redirect(w, r, "/check-email", http.StatusSeeOther)
	return nil
}

func (s *Server) pageCheckEmail(w http.ResponseWriter, r *http.Request) error {
	s.show(w, r, http.StatusOK, "check_email", s.newView(r))
	return nil
}

// The verification link opens a page with a button rather than verifying
// on GET, so mail scanners that prefetch links do not use it up.
func (s *Server) pageVerifyEmail(w http.ResponseWriter, r *http.Request) error {
	v := s.newView(r)
	v.Form["token"] = r.URL.Query().Get("token")
	v.Form["next"] = nextParam(r.URL.Query().Get("next"))
	s.show(w, r, http.StatusOK, "verify_email", v)
	return nil
}

// pageVerifyEmailPost verifies, then offers to continue where sign-up
// started (through sign-in when needed).
func (s *Server) pageVerifyEmailPost(w http.ResponseWriter, r *http.Request) error {
	v := s.newView(r)
	next := nextParam(r.PostForm.Get("next"))
	v.Form["next"] = next
	if next == "" {
		next = "/"
	}
	if v.User == nil {
		next = "/login?next=" + url.QueryEscape(next)
	}
	v.Form["continue"] = next
	if _, err := s.app.VerifyEmail(r.Context(), r.PostForm.Get("token")); err != nil {
		return s.showForm(w, r, "verify_email", v, err)
	}
	v.Data = true
	s.show(w, r, http.StatusOK, "verify_email", v)
	return nil
}

func (s *Server) pageLogin(w http.ResponseWriter, r *http.Request) error {
	v := s.newView(r)
	v.Form["next"] = localPath(r.URL.Query().Get("next"))
	s.show(w, r, http.StatusOK, "login", v)
	return nil
}

func (s *Server) pageLoginPost(w http.ResponseWriter, r *http.Request) error {
	email, next := r.PostForm.Get("email"), localPath(r.PostForm.Get("next"))
	u, secret, err := s.app.Login(r.Context(), email, r.PostForm.Get("password"), s.client(r))
	if err != nil {
		v := s.newView(r)
		v.Form["email"], v.Form["next"] = email, next
		return s.showForm(w, r, "login", v, err)
	}
	if err := s.signedIn(w, r, u, secret); err != nil {
		return err
	}
	http.Redirect(w, r, next, http.StatusSeeOther)
	return nil
}

func (s *Server) pageLogout(w http.ResponseWriter, r *http.Request) error {
	s.endCurrentSession(r)
	s.clearSessionCookie(w, r)
	s.flash(w, r, "flash.signed_out")
	http.Redirect(w, r, "/login", http.StatusSeeOther)
	return nil
}

func (s *Server) pageForgot(w http.ResponseWriter, r *http.Request) error {
	s.show(w, r, http.StatusOK, "forgot_password", s.newView(r))
	return nil
}

func (s *Server) pageForgotPost(w http.ResponseWriter, r *http.Request) error {
	v := s.newView(r)
	email := r.PostForm.Get("email")
	v.Form["email"] = email
	if err := s.app.RequestPasswordReset(r.Context(), email, s.client(r)); err != nil {
		return s.showForm(w, r, "forgot_password", v, err)
	}
	v.Data = true
	s.show(w, r, http.StatusOK, "forgot_password", v)
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
	http.Redirect(w, r, "/login", http.StatusSeeOther)
	return nil
}

// accountView is the account page's view with the form filled from u.
func (s *Server) accountView(r *http.Request, u troupe.User) *view {
	v := s.newView(r)
	v.Form["name"], v.Form["locale"] = u.Name, u.Locale
	return v
}

func (s *Server) pageAccount(w http.ResponseWriter, r *http.Request, u troupe.User) error {
	s.show(w, r, http.StatusOK, "account", s.accountView(r, u))
	return nil
}

func (s *Server) pageAccountProfile(w http.ResponseWriter, r *http.Request, u troupe.User) error {
	name, locale := r.PostForm.Get("name"), r.PostForm.Get("locale")
	discoverable := r.PostForm.Get("discoverable") == "on"
	_, _, err := s.app.UpdateProfile(r.Context(), u, app.ProfileUpdate{Name: &name, Locale: &locale, Discoverable: &discoverable}, s.client(r))
	if err != nil {
		u.Name, u.Locale = name, locale
		return s.showForm(w, r, "account", s.accountView(r, u), err)
	}
	s.flash(w, r, "flash.profile_saved")
	http.Redirect(w, r, "/account", http.StatusSeeOther)
	return nil
}

func (s *Server) pageAccountPassword(w http.ResponseWriter, r *http.Request, u troupe.User) error {
	current, next := r.PostForm.Get("current_password"), r.PostForm.Get("new_password")
	_, secret, err := s.app.UpdateProfile(r.Context(), u, app.ProfileUpdate{CurrentPassword: &current, NewPassword: &next}, s.client(r))
	if err != nil {
		return s.showForm(w, r, "account", s.accountView(r, u), err)
	}
	s.setSessionCookie(w, r, secret)
	s.flash(w, r, "flash.password_changed")
	http.Redirect(w, r, "/account", http.StatusSeeOther)
	return nil
}

func (s *Server) pageAccountResend(w http.ResponseWriter, r *http.Request, u troupe.User) error {
	if err := s.app.ResendVerification(r.Context(), u, s.client(r)); err != nil {
		return s.showForm(w, r, "account", s.accountView(r, u), err)
	}
	s.flash(w, r, "flash.verification_sent")
	http.Redirect(w, r, "/account", http.StatusSeeOther)
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
