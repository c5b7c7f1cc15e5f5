// Package app holds Troupe's use cases: one method per user action. Each
// takes the actor, checks the rule, runs one transaction (enqueueing mail
// and other jobs inside it) and returns domain values or a *troupe.Error.
package app

import (
	"context"
	"encoding/json"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/google/uuid"

	"troupe/internal/blob"
	"troupe/internal/i18n"
	"troupe/internal/logging"
	"troupe/internal/mail"
	"troupe/internal/password"
	"troupe/internal/store"
	"troupe/internal/transcode"
	"troupe/internal/troupe"
)

// Queue takes background work inside a transaction: mail to send, and
// tasks the use cases defer.
type Queue interface {
	EnqueueMail(ctx context.Context, tx *store.Tx, m mail.Message) error
	EnqueueMails(ctx context.Context, tx *store.Tx, ms []mail.Message) error
	EnqueueTask(ctx context.Context, tx *store.Tx, name string, payload any) error
	// EnqueueTaskAt is EnqueueTask for a task that may not run before at.
	EnqueueTaskAt(ctx context.Context, tx *store.Tx, name string, payload any, at time.Time) error
	Handle(name string, fn func(ctx context.Context, payload json.RawMessage) error)
	// HandleLong is Handle for tasks that may run up to timeout, one at a
	// time, such as video encodes.
	HandleLong(name string, timeout time.Duration, fn func(ctx context.Context, payload json.RawMessage) error)
	// Every runs the task named name periodically.
	Every(name string, interval time.Duration)
}

// Config holds the settings the use cases need.
type Config struct {
	// SessionIdle is how long a session lives without use.
	SessionIdle time.Duration
	// Now returns the current time; tests move it to expire things.
	Now func() time.Time
	// UploadLimit overrides the largest upload per kind (tests make it small).
	UploadLimit map[troupe.Kind]int64
	// Logger receives what the use cases log; nil logs nothing.
	Logger *slog.Logger
	// MediaTools read uploaded videos' and voices' facts and make videos'
	// stills and renditions; nil leaves uploads as they are.
	MediaTools transcode.Tools
	// HLSMinDuration is the shortest video that gets an HLS ladder
	// (DefaultHLSMinDuration when 0); HLSLadder its rungs (nil for
	// transcode.DefaultLadder).
	HLSMinDuration time.Duration
	HLSLadder      []transcode.Rung
	// MediaRedirect, when positive and media is on S3, answers requests
	// for a video's or voice's bytes, once access is decided, with a
	// redirect to a URL of object storage signed for that long, instead
	// of passing the bytes through the server.
	MediaRedirect time.Duration
	// Webhooks sets which endpoints webhooks may reach and how often a
	// delivery is tried.
	Webhooks WebhookConfig
	// DNSResolver is the DNS server (host:port) that checks company
	// domains' TXT records; empty, the system's.
	DNSResolver string
	// SSOProviders are the identity providers configured on the server,
	// which workspaces may choose for single sign-on.
	SSOProviders []ProviderInfo
}

// App runs the use cases.
type App struct {
	db     *store.DB
	queue  Queue
	render *mail.Renderer
	hasher *password.Hasher
	cat    *i18n.Catalog
	media  *blob.Store
	cfg    Config
	log    *slog.Logger
	live   live
	// commentLive wakes the comment streams open on an item.
	commentLive live
	keyState
	refused refusals
	// views gathers the share pages' beacons; beacons limits them per
	// address.
	views   viewBuffer
	beacons tokenBuckets
	// hooks sends webhook deliveries.
	hooks *http.Client
	// resolver looks up company domains' TXT records.
	resolver *net.Resolver
}

// New returns an App and registers its background tasks with queue.
func New(db *store.DB, queue Queue, media *blob.Store, render *mail.Renderer, hasher *password.Hasher, cat *i18n.Catalog, cfg Config) *App {
	if cfg.SessionIdle <= 0 {
		cfg.SessionIdle = 30 * 24 * time.Hour
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	a := &App{db: db, queue: queue, media: media, render: render, hasher: hasher, cat: cat, cfg: cfg, log: logging.OrDiscard(cfg.Logger),
		resolver: newResolver(cfg.DNSResolver)}
	db.WatchNotifications(a.live.signal)
	db.WatchComments(a.commentLive.signal)
	queue.Handle(taskPasswordReset, a.runPasswordReset)
	queue.HandleLong(taskProcessMedia, processingTimeout, a.runProcessMedia)
	queue.HandleLong(taskProbeMedia, processingTimeout, a.runProcessMedia)
	queue.HandleLong(taskMakePoster, processingTimeout, a.runMakePoster)
	queue.Handle(taskDeleteMedia, a.runDeleteMedia)
	queue.Handle(taskPurgeTrash, a.runPurgeTrash)
	queue.Every(taskPurgeTrash, time.Hour)
	a.startWebhooks()
	queue.Handle(taskCheckDomains, a.runCheckDomains)
	// Hourly, each verified domain being checked once its last check is a
	// day old.
	queue.Every(taskCheckDomains, time.Hour)
	return a
}

func (a *App) now() time.Time { return a.cfg.Now().UTC() }

// Now is the time on the app's clock, for the pages to say what has
// expired as the app decides it.
func (a *App) Now() time.Time { return a.now() }

// Ready reports whether requests can be served: the database answers and
// has room for writes, and so has the media store. Its error says which
// is not ready.
func (a *App) Ready(ctx context.Context) error {
	if err := a.db.Ready(ctx); err != nil {
		return err
	}
	return a.media.Ready(ctx)
}

// Client describes where a request comes from.
type Client struct {
	IP        string
	UserAgent string
	// Lang is the language of the request, used for mail to people who
	// have not chosen one.
	Lang string
	// Device is the device token the browser holds ("" for none).
	Device string
}

// address is what rate limits count the client by.
func (c Client) address() string { return addressKey(c.IP) }

// newID returns a fresh, time-ordered, opaque id.
func newID() string { return uuid.Must(uuid.NewV7()).String() }

// sendMail renders e and enqueues it in tx.
func (a *App) sendMail(ctx context.Context, tx *store.Tx, e mail.Email) error {
	m, err := a.render.Render(e)
	if err != nil {
		return err
	}
	return a.queue.EnqueueMail(ctx, tx, m)
}

// mailMember sends e to a member, and only once their address is
// verified: these mails carry what others chose (names, workspace names),
// and an address that has not proven itself gets none of that. The
// notification panel still tells the member.
func (a *App) mailMember(ctx context.Context, tx *store.Tx, to troupe.User, e mail.Email) error {
	if !to.EmailVerified {
		return nil
	}
	e.To = to.Email
	return a.sendMail(ctx, tx, e)
}

// mailLang is the language for mail to u: their setting, else the
// request's.
func mailLang(locale string, c Client) string {
	if locale != "" {
		return locale
	}
	if c.Lang != "" {
		return c.Lang
	}
	return i18n.Default
}
