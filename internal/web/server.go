// Package web serves Troupe over HTTP: the JSON API under /api/v1, the
// server-rendered pages, static assets and operational endpoints. Handlers
// decode input, ask internal/app, and render the answer; they decide no
// rule themselves.
package web

import (
	"context"
	_ "embed"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"troupe/internal/app"
	"troupe/internal/i18n"
	"troupe/internal/sso"
	"troupe/internal/troupe"
)

// Config holds what the web layer needs to know about its deployment.
type Config struct {
	// BaseURL is the public address, used to decide cookie security.
	BaseURL string
	// Version is shown by the version endpoint and in metrics.
	Version string
	// Proxies are the peers believed about the client's address and
	// scheme; none by default.
	Proxies Proxies
	// Uploads takes resumable uploads; nil answers their routes 404.
	Uploads Uploads
	// SSO are the identity providers people may sign in with; nil for
	// none.
	SSO *sso.Providers
	// MediaOrigin is where media requests may be redirected to (the
	// bucket's origin, with app.Config.MediaRedirect): pages may play
	// media from there. Empty, only from their own origin.
	MediaOrigin string
}

// Server holds the handlers' dependencies.
type Server struct {
	app     *app.App
	cat     *i18n.Catalog
	log     *slog.Logger
	cfg     Config
	pages   *pages
	static  *static
	metrics *metrics
	secure  bool
	// headers are set on every response: baseHeaders, with MediaOrigin.
	headers http.Header
	// apiRoutes lists the API's patterns as registered, for the test that
	// holds the OpenAPI document to them.
	apiRoutes []string
	// apiScopes is the token scope each signed-in API route needs, for the
	// test that holds the OpenAPI document to it.
	apiScopes map[string]troupe.TokenScope
	// pageRoutes lists the pages' patterns, for the tests that walk them.
	pageRoutes []string
	// streams ends with the server, closing event streams that would
	// otherwise hold a graceful shutdown open.
	streams     context.Context
	stopStreams context.CancelFunc
}

// NewServer prepares templates and assets; a broken template fails here,
// at start, not on the tenth request.
func NewServer(a *app.App, cat *i18n.Catalog, log *slog.Logger, cfg Config) (*Server, error) {
	st, err := newStatic()
	if err != nil {
		return nil, err
	}
	base, err := url.Parse(cfg.BaseURL)
	if err != nil {
		return nil, fmt.Errorf("base url: %w", err)
	}
	s := &Server{app: a, cat: cat, log: log, cfg: cfg, static: st, secure: base.Scheme == "https", headers: baseHeaders}
	if cfg.MediaOrigin != "" {
		s.headers = baseHeaders.Clone()
		s.headers.Set("Content-Security-Policy", s.headers.Get("Content-Security-Policy")+"; media-src 'self' "+cfg.MediaOrigin)
	}
	if s.pages, err = newPages(cat, st); err != nil {
		return nil, err
	}
	s.metrics = newMetrics(cfg.Version)
	s.streams, s.stopStreams = context.WithCancel(context.Background())
	return s, nil
}

// MetricsHandler serves the Prometheus metrics. It is not part of Handler:
// metrics belong on a separate, private address.
func (s *Server) MetricsHandler() http.Handler {
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", promhttp.HandlerFor(s.metrics.reg, promhttp.HandlerOpts{}))
	return mux
}

// CloseStreams ends every open event stream; call it when shutting down.
func (s *Server) CloseStreams() { s.stopStreams() }

// Handler returns the whole HTTP surface with its middleware.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	s.routeOps(mux)
	s.routeAPI(mux)
	s.routePages(mux)

	csrf := http.NewCrossOriginProtection()
	csrf.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.fail(w, r, troupe.Errorf(troupe.CodeForbidden, "This request came from another site and was refused."))
	}))
	var h http.Handler = mux
	h = csrf.Handler(h)
	h = s.checkInput(h)
	h = s.securityHeaders(h)
	h = s.observe(h)
	return h
}

type metrics struct {
	reg      *prometheus.Registry
	requests *prometheus.CounterVec
	duration *prometheus.HistogramVec
}

func newMetrics(version string) *metrics {
	reg := prometheus.NewRegistry()
	m := &metrics{
		reg: reg,
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "troupe_http_requests_total", Help: "HTTP requests by route and status.",
		}, []string{"route", "code"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "troupe_http_request_duration_seconds", Help: "HTTP request latency by route.",
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5},
		}, []string{"route"}),
	}
	build := prometheus.NewGauge(prometheus.GaugeOpts{
		Name: "troupe_build_info", Help: "Build information.", ConstLabels: prometheus.Labels{"version": version},
	})
	build.Set(1)
	reg.MustRegister(m.requests, m.duration, build,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// handleHealth answers that the process is alive.
func (s *Server) handleHealth(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Write([]byte("ok\n"))
}

// handleReady answers whether the server can take requests now, as the
// app sees it.
func (s *Server) handleReady(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	if err := s.app.Ready(ctx); err != nil {
		state(r).err = err // for the request's log line
		setRetryAfter(w, err)
		w.WriteHeader(http.StatusServiceUnavailable)
		w.Write([]byte("not ready: " + troupe.ErrorMessage(err) + "\n"))
		return
	}
	w.Write([]byte("ready\n"))
}

func (s *Server) handleFavicon(w http.ResponseWriter, r *http.Request) {
	http.Redirect(w, r, s.static.url("favicon.svg"), http.StatusMovedPermanently)
}

// openAPI describes the API; a test keeps it in step with the routes.
//
//go:embed openapi.json
var openAPI []byte

func (s *Server) handleOpenAPI(w http.ResponseWriter, r *http.Request) error {
	w.Header().Set("Content-Type", "application/json")
	w.Write(openAPI)
	return nil
}

func (s *Server) handleNoAPIRoute(w http.ResponseWriter, r *http.Request) error {
	return troupe.Errorf(troupe.CodeNotFound, "There is no API route %s %s.", r.Method, r.URL.Path)
}

func (s *Server) pageNotFound(w http.ResponseWriter, r *http.Request) error {
	return troupe.Errorf(troupe.CodeNotFound, "This page does not exist.")
}
