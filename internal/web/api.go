package web

import (
	_ "embed"
	"net/http"

	"troupe/internal/troupe"
)

// apiHandler is an API handler; a returned error becomes problem+json.
type apiHandler func(w http.ResponseWriter, r *http.Request) error

// authedHandler is an API handler that needs a signed-in user.
type authedHandler func(w http.ResponseWriter, r *http.Request, u troupe.User) error

// routeAPI is the API's route table. Each line states whether the route
// needs a signed-in caller.
func (s *Server) routeAPI(mux *http.ServeMux) {
	open := func(pattern string, h apiHandler) {
		s.apiRoutes = append(s.apiRoutes, pattern)
		mux.Handle(pattern, s.api(pattern, h))
	}
	authed := func(pattern string, h authedHandler) { open(pattern, s.requireUser(h)) }

	open("POST /api/v1/auth/signup", s.handleSignup)
	open("POST /api/v1/auth/login", s.handleLogin)
	open("POST /api/v1/auth/logout", s.handleLogout)
	open("POST /api/v1/auth/verify-email", s.handleVerifyEmail)
	authed("POST /api/v1/auth/verify-email/resend", s.handleResendVerification)
	open("POST /api/v1/auth/password-reset", s.handlePasswordReset)
	open("POST /api/v1/auth/password-reset/confirm", s.handlePasswordResetConfirm)
	authed("GET /api/v1/me", s.handleMe)
	authed("PATCH /api/v1/me", s.handleMeUpdate)
	s.routeWorkspaceAPI(authed)
	s.routeMembershipAPI(authed)
	s.routeNotificationAPI(authed)
	s.routeItemAPI(authed)

	mux.Handle("GET /api/v1/openapi.json", s.api("GET /api/v1/openapi.json", func(w http.ResponseWriter, r *http.Request) error {
		w.Header().Set("Content-Type", "application/json")
		w.Write(openAPI)
		return nil
	}))
	mux.Handle("/api/", s.api("/api/", func(w http.ResponseWriter, r *http.Request) error {
		return troupe.Errorf(troupe.CodeNotFound, "There is no API route %s %s.", r.Method, r.URL.Path)
	}))
}

// openAPI describes the API; a test keeps it in step with the routes.
//
//go:embed openapi.json
var openAPI []byte

func (s *Server) api(pattern string, h apiHandler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		state(r).route = pattern
		if err := h(w, r); err != nil {
			s.fail(w, r, err)
		}
	})
}

func (s *Server) requireUser(h authedHandler) apiHandler {
	return func(w http.ResponseWriter, r *http.Request) error {
		u, err := s.currentUser(r)
		if err != nil {
			return err
		}
		if u == nil {
			return troupe.Errorf(troupe.CodeUnauthenticated, "Sign in, or send a valid session cookie.")
		}
		return h(w, r, *u)
	}
}

// userJSON is the API's User shape.
type userJSON struct {
	ID            string `json:"id"`
	Email         string `json:"email"`
	Name          string `json:"name"`
	EmailVerified bool   `json:"email_verified"`
}

// meJSON adds the caller's own settings to the User shape.
type meJSON struct {
	userJSON
	Locale       string `json:"locale"`
	Discoverable bool   `json:"discoverable"`
}

func toUserJSON(u troupe.User) userJSON {
	return userJSON{ID: u.ID, Email: u.Email, Name: u.Name, EmailVerified: u.EmailVerified}
}

func toMeJSON(u troupe.User) meJSON {
	return meJSON{userJSON: toUserJSON(u), Locale: u.Locale, Discoverable: u.Discoverable}
}
