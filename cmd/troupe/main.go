// Command troupe runs the Troupe server: `troupe serve` starts it, `troupe
// version` prints the version.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"net"
	"net/http"
	"os"
	"os/signal"
	"runtime"
	"runtime/debug"
	"sync"
	"syscall"
	"time"

	"troupe/internal/app"
	"troupe/internal/blob"
	"troupe/internal/i18n"
	"troupe/internal/jobs"
	"troupe/internal/logging"
	"troupe/internal/mail"
	"troupe/internal/password"
	"troupe/internal/sso"
	"troupe/internal/store"
	"troupe/internal/transcode"
	"troupe/internal/troupe"
	"troupe/internal/upload"
	"troupe/internal/web"
)

// version is set at build time with -ldflags "-X main.version=…".
var version = ""

func main() {
	os.Exit(run(os.Args[1:], os.Getenv, os.Stdout, os.Stderr))
}

func run(args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	cmd := "serve"
	if len(args) > 0 {
		cmd, args = args[0], args[1:]
	}
	switch cmd {
	case "version", "--version", "-v":
		fmt.Fprintln(stdout, "troupe", versionString())
		return 0
	case "serve":
	case "generate":
		return runGenerate(args, getenv, stdout, stderr)
	case "help", "-h", "--help":
		fmt.Fprintln(stdout, "usage: troupe serve [flags] | troupe generate [flags] | troupe version\n\nRun 'troupe serve -h' or 'troupe generate -h' for the flags.")
		return 0
	default:
		fmt.Fprintf(stderr, "troupe: unknown command %q (try serve, generate or version)\n", cmd)
		return 2
	}
	cfg, err := LoadConfig(args, getenv, stderr)
	if err != nil {
		fmt.Fprintf(stderr, "troupe: invalid configuration:\n%v\n", err)
		return 2
	}
	m := NewMain(cfg, cfg.newLogger(stderr))
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := m.Run(ctx); err != nil {
		m.Logger.Error("start failed", "err", err)
		m.Close(context.Background())
		return 1
	}
	m.Logger.Info("Troupe is ready: open "+m.Config.BaseURL+" in your browser", "listening", m.Addr())
	<-ctx.Done()
	stop() // a second signal stops at once
	m.Logger.Info("shutting down")
	closeCtx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := m.Close(closeCtx); err != nil {
		m.Logger.Error("shutdown", "err", err)
		return 1
	}
	return 0
}

func versionString() string {
	if version != "" {
		return version
	}
	if info, ok := debug.ReadBuildInfo(); ok {
		for _, s := range info.Settings {
			if s.Key == "vcs.revision" && len(s.Value) >= 12 {
				return "dev-" + s.Value[:12]
			}
		}
	}
	return "dev"
}

// Main wires Troupe's parts together. Tests start it on 127.0.0.1:0 with a
// temporary data folder and drive it over HTTP.
type Main struct {
	Config Config
	Logger *slog.Logger
	// HashParams overrides the argon2id cost (tests use a cheaper one).
	HashParams *password.Params
	// Now overrides the clock of the use cases (tests move time forward).
	Now func() time.Time
	// PollInterval overrides how often the job queue polls.
	PollInterval time.Duration
	// UploadLimit overrides the largest upload per kind.
	UploadLimit map[troupe.Kind]int64
	// PoolWait overrides how long a request waits for a free database
	// connection before it is answered 503 (store.DefaultPoolWait).
	PoolWait time.Duration
	// HLSMinDuration overrides the shortest video given an HLS ladder
	// (tests use short clips).
	HLSMinDuration time.Duration
	// WebhookRetries overrides the delays between a webhook delivery's
	// attempts (tests make them short).
	WebhookRetries []time.Duration
	// WithoutMediaTools serves as a server without ffprobe and ffmpeg.
	WithoutMediaTools bool
	// ListenURL makes the PostgreSQL listener connect there (tests put a
	// proxy in its way to stall it).
	ListenURL string

	db     *store.DB
	app    *app.App
	media  *blob.Store
	queue  *jobs.Queue
	server *http.Server
	ln     net.Listener
	served chan error
	// The metrics listener, only when TROUPE_METRICS_ADDR is set.
	metricsServer *http.Server
	metricsLn     net.Listener
	metricsServed chan error

	closeOnce sync.Once
	closeErr  error
}

// NewMain returns a Main for cfg.
func NewMain(cfg Config, logger *slog.Logger) *Main {
	return &Main{Config: cfg, Logger: logger}
}

// Run opens the database, applies migrations, starts the job queue and
// starts serving HTTP; it returns once the server listens.
func (m *Main) Run(ctx context.Context) error {
	cfg := m.Config
	// Every line a request causes, in any layer, carries its id.
	m.Logger = slog.New(logging.NewHandler(m.Logger.Handler()))
	for _, dir := range []string{cfg.DataDir, cfg.mediaDir()} {
		if dir == "" {
			continue
		}
		if err := os.MkdirAll(dir, 0o750); err != nil {
			return fmt.Errorf("create %s: %w", dir, err)
		}
	}
	db, err := store.OpenWith(ctx, cfg.DatabaseURL, store.Options{ListenURL: m.ListenURL, Logger: m.Logger.With("component", "store")})
	if err != nil {
		return err
	}
	m.db = db
	db.SetPoolWait(m.PoolWait)
	if err := db.ClaimServing(); err != nil {
		return err
	}
	if err := db.Migrate(ctx, jobs.Migrate(db)); err != nil {
		return err
	}
	db.ReadAccessEarly()
	cat, err := i18n.Load()
	if err != nil {
		return err
	}
	render, err := mail.NewRenderer(cat, cfg.BaseURL)
	if err != nil {
		return err
	}
	var sender mail.Sender
	if cfg.SMTPURL != "" {
		if sender, err = mail.NewSMTPSender(cfg.SMTPURL, cfg.MailFrom); err != nil {
			return err
		}
	} else if sender, err = mail.NewLogSender(cfg.MailFrom, cfg.MailDir, m.Logger.With("component", "mail")); err != nil {
		return err
	}
	if m.queue, err = jobs.New(db, sender, m.Logger, jobs.Config{PollInterval: m.PollInterval, Now: m.Now}); err != nil {
		return err
	}
	params := password.DefaultParams
	if m.HashParams != nil {
		params = *m.HashParams
	}
	// Leave a core free for everything else while passwords hash.
	hasher := password.NewHasher(params, max(1, runtime.GOMAXPROCS(0)/2))
	tools := transcode.Find() // none when ffprobe is not installed
	if m.WithoutMediaTools {
		tools = nil
	}
	media, err := blob.Open(ctx, cfg.BlobURL, cfg.S3)
	if err != nil {
		return err
	}
	m.media = media
	if err := checkMedia(ctx, media); err != nil {
		return err
	}
	if media.Local() != "" && db.Dialect() == store.Postgres {
		// Nothing else would tell: each instance would serve only the
		// files uploaded through it.
		m.Logger.Warn("media is kept in a local folder: if several instances serve this database, they must share this folder, or use S3 (TROUPE_BLOB_URL=s3://…)",
			"folder", media.Local())
	}
	limits := map[troupe.Kind]int64{troupe.KindVideo: cfg.VideoUploadLimit}
	maps.Copy(limits, m.UploadLimit)
	a := app.New(db, m.queue, media, render, hasher, cat, app.Config{Now: m.Now, UploadLimit: limits,
		Logger: m.Logger.With("component", "app"), MediaTools: tools, HLSMinDuration: m.HLSMinDuration, MediaRedirect: cfg.MediaRedirect,
		Webhooks:    app.WebhookConfig{AllowHTTP: cfg.WebhooksAllowHTTP, AllowPrivate: cfg.WebhooksAllowPrivate, Retries: m.WebhookRetries},
		DNSResolver: cfg.DNSResolver, SSOProviders: providerInfos(cfg.Providers)})
	m.app = a
	uploads, err := m.openUploads(a, media, cfg.UploadExpiry)
	if err != nil {
		return err
	}
	// Start working jobs once the use cases registered their tasks.
	if err := m.queue.Start(context.WithoutCancel(ctx)); err != nil {
		return fmt.Errorf("start queue: %w", err)
	}
	var providers *sso.Providers
	if len(cfg.Providers) > 0 {
		providers = sso.New(cfg.Providers, cfg.BaseURL, &http.Client{Timeout: 10 * time.Second})
	}
	mediaOrigin := ""
	if cfg.MediaRedirect > 0 {
		mediaOrigin = media.SignedOrigin()
	}
	srv, err := web.NewServer(a, cat, m.Logger, web.Config{BaseURL: cfg.BaseURL, Version: versionString(), Proxies: cfg.Proxies,
		Uploads: uploads, SSO: providers, MediaOrigin: mediaOrigin})
	if err != nil {
		return err
	}
	if err := m.Listen(); err != nil {
		return err
	}
	m.server = &http.Server{
		Handler:           srv.Handler(),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       time.Minute,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(m.Logger.Handler(), slog.LevelWarn),
	}
	m.server.RegisterOnShutdown(srv.CloseStreams)
	if cfg.MetricsAddr != "" {
		if m.metricsLn, err = net.Listen("tcp", cfg.MetricsAddr); err != nil {
			return fmt.Errorf("listen for metrics on %s: %w", cfg.MetricsAddr, err)
		}
		m.metricsServer = &http.Server{Handler: srv.MetricsHandler(), ReadHeaderTimeout: 10 * time.Second,
			ErrorLog: slog.NewLogLogger(m.Logger.Handler(), slog.LevelWarn)}
		m.metricsServed = make(chan error, 1)
		go func() { m.metricsServed <- m.metricsServer.Serve(m.metricsLn) }()
		m.Logger.Info("serving metrics", "addr", m.metricsLn.Addr().String())
	}
	m.served = make(chan error, 1)
	go func() { m.served <- m.server.Serve(m.ln) }()
	m.Logger.Info("listening", "addr", m.ln.Addr().String(), "database", string(db.Dialect()), "version", versionString())
	return nil
}

// taskCleanUploads removes the unfinished resumable uploads that expired.
const taskCleanUploads = "clean_uploads"

// openUploads takes resumable uploads into the media store, decided by
// the app, and removes expired unfinished ones every hour.
func (m *Main) openUploads(a *app.App, media *blob.Store, expiry time.Duration) (*upload.Handler, error) {
	hooks := web.UploadHooks{App: a}
	log := m.Logger.With("component", "upload")
	uploads, err := upload.New(upload.Config{Media: media, Expiry: expiry, Authorize: hooks.Authorize, Complete: hooks.Complete,
		Owner: hooks.Owner, StatusOf: web.StatusOf, Logger: log, Now: m.Now})
	if err != nil {
		return nil, err
	}
	m.queue.Handle(taskCleanUploads, func(ctx context.Context, _ json.RawMessage) error {
		n, err := uploads.Cleanup(ctx, expiry)
		if n > 0 {
			log.InfoContext(ctx, "removed expired uploads", "count", n)
		}
		return err
	})
	m.queue.Every(taskCleanUploads, time.Hour)
	return uploads, nil
}

// checkMedia stops the start when the media store cannot be reached: a
// wrong bucket, endpoint or key is a configuration mistake to name now.
func checkMedia(ctx context.Context, media *blob.Store) error {
	if media.Local() != "" {
		return nil // a full disk is an outage /readyz reports, not a mistake
	}
	ctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	if err := media.Ready(ctx); err != nil {
		return fmt.Errorf("TROUPE_BLOB_URL: the media store is not usable: %w", err)
	}
	return nil
}

// Listen opens the listening socket, once; Run calls it when the caller
// has not.
func (m *Main) Listen() error {
	if m.ln != nil {
		return nil
	}
	ln, err := net.Listen("tcp", m.Config.Addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", m.Config.Addr, err)
	}
	m.ln = ln
	return nil
}

// Addr returns the address the server listens on.
func (m *Main) Addr() string { return m.ln.Addr().String() }

// MetricsAddr returns the address serving metrics, or "" when there is none.
func (m *Main) MetricsAddr() string {
	if m.metricsLn == nil {
		return ""
	}
	return m.metricsLn.Addr().String()
}

// Close stops accepting requests, lets in-flight ones and running jobs
// finish (until ctx ends) and closes the database.
func (m *Main) Close(ctx context.Context) error {
	m.closeOnce.Do(func() { m.closeErr = m.close(ctx) })
	return m.closeErr
}

func (m *Main) close(ctx context.Context) error {
	var errs []error
	if m.server == nil && m.ln != nil {
		m.ln.Close()
	}
	if m.server != nil {
		if err := m.server.Shutdown(ctx); err != nil {
			errs = append(errs, fmt.Errorf("http shutdown: %w", err))
		}
		if err := <-m.served; err != nil && !errors.Is(err, http.ErrServerClosed) {
			errs = append(errs, err)
		}
	}
	if m.metricsServer != nil {
		if err := m.metricsServer.Shutdown(ctx); err != nil {
			errs = append(errs, fmt.Errorf("metrics shutdown: %w", err))
		}
		if err := <-m.metricsServed; err != nil && !errors.Is(err, http.ErrServerClosed) {
			errs = append(errs, err)
		}
	}
	if m.app != nil {
		// The views still in memory, once no beacon can come.
		if err := m.app.Close(ctx); err != nil {
			errs = append(errs, fmt.Errorf("write views: %w", err))
		}
	}
	if m.queue != nil {
		if err := m.queue.Stop(ctx); err != nil {
			errs = append(errs, fmt.Errorf("queue stop: %w", err))
		}
	}
	if m.db != nil {
		if err := m.db.Close(); err != nil {
			errs = append(errs, err)
		}
	}
	if m.media != nil {
		if err := m.media.Close(); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// providerInfos names the configured identity providers for the app.
func providerInfos(cfgs []sso.Config) []app.ProviderInfo {
	out := make([]app.ProviderInfo, len(cfgs))
	for i, c := range cfgs {
		out[i] = app.ProviderInfo{ID: c.ID, Name: c.Name}
	}
	return out
}
