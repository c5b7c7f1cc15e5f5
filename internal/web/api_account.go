package web

import (
	"net/http"

	"troupe/internal/app"
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
		u, secret, err := s.app.SignupWithInvitation(r.Context(), app.SignupInput{Email: in.Email, Password: in.Password, Name: in.Name},
			in.InvitationToken, s.client(r))
		if err != nil {
			return err
		}
		s.setSessionCookie(w, r, secret)
		writeJSON(w, http.StatusCreated, toUserJSON(u))
		return nil
	}
	u, err := s.app.Signup(r.Context(), app.SignupInput{Email: in.Email, Password: in.Password, Name: in.Name}, s.client(r))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, toUserJSON(u))
	return nil
}

func (s *Server) handleLogin(w http.ResponseWriter, r *http.Request) error {
	var in struct {
		Email    string `json:"email"`
		Password string `json:"password"`
	}
	if err := decode(w, r, &in); err != nil {
		return err
	}
	u, secret, err := s.app.Login(r.Context(), in.Email, in.Password, s.client(r))
	if err != nil {
		return err
	}
	if err := s.signedIn(w, r, u, secret); err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, toUserJSON(u))
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
	if err := s.app.ResendVerification(r.Context(), u, s.client(r)); err != nil {
		return err
	}
	w.WriteHeader(http.StatusAccepted)
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
		CurrentPassword *string `json:"current_password"`
		NewPassword     *string `json:"new_password"`
	}
	if err := decode(w, r, &in); err != nil {
		return err
	}
	updated, secret, err := s.app.UpdateProfile(r.Context(), u, app.ProfileUpdate{Name: in.Name, Locale: in.Locale,
		Discoverable: in.Discoverable, CurrentPassword: in.CurrentPassword, NewPassword: in.NewPassword}, s.client(r))
	if err != nil {
		return err
	}
	if secret != "" {
		s.setSessionCookie(w, r, secret)
	}
	writeJSON(w, http.StatusOK, toMeJSON(updated))
	return nil
}
