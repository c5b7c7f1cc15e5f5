package web

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/netip"
	"runtime/debug"
	"strconv"
	"strings"
	"time"

	"troupe/internal/app"
	"troupe/internal/logging"
	"troupe/internal/troupe"
)

// reqState travels with a request: handlers fill it in, the outermost
// middleware reads it back for logs and metrics.
type reqState struct {
	id    string
	route string
	// addr is the client's address and https whether it came over TLS,
	// as the TCP peer or a trusted proxy in front says (see Proxies).
	addr    netip.Addr
	https   bool
	user    *troupe.User
	authed  bool
	authErr error
	// err is why the request failed on the server's side, for the log.
	err error
}

type ctxKey struct{}

func state(r *http.Request) *reqState {
	if st, ok := r.Context().Value(ctxKey{}).(*reqState); ok {
		return st
	}
	return &reqState{}
}

type statusWriter struct {
	http.ResponseWriter
	status int
	bytes  int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	n, err := w.ResponseWriter.Write(b)
	w.bytes += n
	return n, err
}

// ReadFrom lets a file be copied to the connection by the kernel
// (sendfile), as the plain ResponseWriter would.
func (w *statusWriter) ReadFrom(r io.Reader) (int64, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	n, err := io.Copy(w.ResponseWriter, r)
	w.bytes += int(n)
	return n, err
}

func (w *statusWriter) Flush() {
	if f, ok := w.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

func newRequestID() string {
	var b [8]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// observe gives each request an id (in its context, for every log line it
// causes), recovers panics, and logs and counts the request once it is
// done: the one place where requests are logged.
func (s *Server) observe(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		st := &reqState{id: newRequestID()}
		st.addr, st.https = s.cfg.Proxies.Client(r)
		ctx := logging.WithRequestID(context.WithValue(r.Context(), ctxKey{}, st), st.id)
		r = r.WithContext(ctx)
		w.Header().Set("X-Request-Id", st.id)
		sw := &statusWriter{ResponseWriter: w}
		defer func() {
			if p := recover(); p != nil {
				if p == http.ErrAbortHandler {
					panic(p)
				}
				s.log.ErrorContext(ctx, "panic", "request_id", st.id, "panic", fmt.Sprint(p), "stack", string(debug.Stack()))
				if sw.status == 0 {
					s.fail(sw, r, fmt.Errorf("panic: %v", p))
				}
			}
			route := st.route
			if route == "" {
				route = "unmatched"
			}
			d := time.Since(start)
			status := sw.status
			if status == 0 {
				status = http.StatusOK
			}
			s.metrics.requests.WithLabelValues(route, strconv.Itoa(status)).Inc()
			s.metrics.duration.WithLabelValues(route).Observe(d.Seconds())
			level := slog.LevelInfo
			if status >= 500 {
				level = slog.LevelError
			}
			if !s.log.Enabled(ctx, level) {
				return
			}
			// Paths that carry a secret (invitation and invite-link
			// tokens) are logged by their route only.
			path := r.URL.Path
			if strings.Contains(route, "{token}") {
				path = route
			}
			attrs := []any{"request_id", st.id, "client", st.addr.String(), "method", r.Method, "path", path, "route", route,
				"status", status, "bytes", sw.bytes, "duration_ms", float64(d.Microseconds()) / 1000}
			if st.user != nil {
				attrs = append(attrs, "user_id", st.user.ID)
			}
			if st.err != nil {
				attrs = append(attrs, "err", st.err)
			}
			s.log.Log(ctx, level, "request", attrs...)
		}()
		next.ServeHTTP(sw, r)
	})
}

// baseHeaders are set on every response. The value slices are shared
// by all responses: handlers replace them (Set) or append (Add), which
// copies, and never write into them.
var baseHeaders = http.Header{
	"Content-Security-Policy": {"default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
		"object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"},
	"X-Content-Type-Options":     {"nosniff"},
	"Referrer-Policy":            {"strict-origin-when-cross-origin"},
	"X-Frame-Options":            {"DENY"},
	"Cross-Origin-Opener-Policy": {"same-origin"},
}

var hsts = []string{"max-age=31536000"}

// securityHeaders sets the headers every response carries.
func (s *Server) securityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		for k, v := range s.headers {
			h[k] = v
		}
		if s.isSecure(r) {
			h["Strict-Transport-Security"] = hsts
		}
		next.ServeHTTP(w, r)
	})
}

const sessionCookie = "troupe_session"

// currentUser resolves the session cookie once per request.
func (s *Server) currentUser(r *http.Request) (*troupe.User, error) {
	st := state(r)
	if st.authed {
		return st.user, st.authErr
	}
	st.authed = true
	var u troupe.User
	var err error
	if h := r.Header.Get("Authorization"); h != "" {
		// A bearer token stands for its owner in its workspace; a bad one
		// is an error even if a cookie came too.
		token, ok := strings.CutPrefix(h, "Bearer ")
		if !ok {
			st.authErr = troupe.Errorf(troupe.CodeUnauthenticated, "Send Authorization: Bearer <token>.")
			return nil, st.authErr
		}
		u, err = s.app.AuthenticateToken(r.Context(), strings.TrimSpace(token))
		if err != nil {
			st.authErr = err
			return nil, err
		}
		st.user = &u
		return st.user, nil
	}
	c, err := r.Cookie(sessionCookie)
	if err != nil {
		return nil, nil
	}
	u, err = s.app.Authenticate(r.Context(), c.Value)
	switch {
	case troupe.ErrorCode(err) == troupe.CodeUnauthenticated:
		return nil, nil
	case err != nil:
		st.authErr = err
		return nil, err
	}
	st.user = &u
	return st.user, nil
}

// setSessionCookie hands the browser its session. The cookie outlives any
// session (400 days, the most browsers keep): the server decides when a
// session ends, sliding it with use.
func (s *Server) setSessionCookie(w http.ResponseWriter, r *http.Request, secret string) {
	s.setCookie(w, r, &http.Cookie{Name: sessionCookie, Value: secret, Path: "/", HttpOnly: true,
		SameSite: http.SameSiteLaxMode, MaxAge: 400 * 24 * 3600})
}

func (s *Server) clearSessionCookie(w http.ResponseWriter, r *http.Request) {
	s.setCookie(w, r, &http.Cookie{Name: sessionCookie, Value: "", Path: "/", HttpOnly: true,
		SameSite: http.SameSiteLaxMode, MaxAge: -1})
}

// client describes the request's origin for the use cases: its address,
// read once per request (see observe), is the one every rate limit and the
// audit log see.
func (s *Server) client(r *http.Request) app.Client {
	ip := ""
	if a := state(r).addr; a.IsValid() {
		ip = a.String()
	} else if a, _ := s.cfg.Proxies.Client(r); a.IsValid() {
		ip = a.String() // a request that did not pass through observe (tests)
	}
	c := app.Client{IP: ip, UserAgent: r.UserAgent(), Lang: s.lang(r)}
	if d, err := r.Cookie(deviceCookie); err == nil {
		c.Device = d.Value
	}
	return c
}

// isSecure tells whether cookies must be Secure and HSTS sent: always when
// the public address is https, and for a request that came over https.
func (s *Server) isSecure(r *http.Request) bool { return s.secure || state(r).https }

// setCookie sets c, Secure whenever the request or the public address is
// https: the one place cookies are written.
func (s *Server) setCookie(w http.ResponseWriter, r *http.Request, c *http.Cookie) {
	c.Secure = s.isSecure(r)
	http.SetCookie(w, c)
}

// deviceCookie holds the device token of a browser that signed in: its
// failed sign-ins then count against it alone, not against the account.
const deviceCookie = "troupe_device"

// signedIn opens the session of a successful sign-in in the browser and
// keeps (or renews) its device token.
func (s *Server) signedIn(w http.ResponseWriter, r *http.Request, u troupe.User, secret string) error {
	device, err := s.app.DeviceToken(r.Context(), u.ID, s.client(r))
	if err != nil {
		return err
	}
	s.endCurrentSession(r)
	s.setSessionCookie(w, r, secret)
	s.setCookie(w, r, &http.Cookie{Name: deviceCookie, Value: device, Path: "/", HttpOnly: true,
		SameSite: http.SameSiteLaxMode, MaxAge: int(app.DeviceAge.Seconds())})
	return nil
}

// lang picks the language of the response.
func (s *Server) lang(r *http.Request) string {
	setting := ""
	if u, _ := s.currentUser(r); u != nil {
		setting = u.Locale
	}
	if setting == "" {
		if c, err := r.Cookie(langCookie); err == nil {
			setting = c.Value
		}
	}
	return s.cat.Match(setting, r.Header.Get("Accept-Language"))
}

const langCookie = "troupe_lang"
