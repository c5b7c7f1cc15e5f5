package app_test

import (
	"context"
	"log/slog"
	"sync"
	"testing"
	"time"

	"troupe/internal/app"
	"troupe/internal/blob"
	"troupe/internal/i18n"
	"troupe/internal/jobs"
	"troupe/internal/logging"
	"troupe/internal/mail"
	"troupe/internal/password"
	"troupe/internal/store"
	"troupe/internal/testkit"
	mediatools "troupe/internal/transcode"
	"troupe/internal/troupe"
)

// clock is a settable time source, so tests can expire links.
type clock struct {
	mu  sync.Mutex
	off time.Duration
	// step moves the clock on after each reading, so that a use case's
	// own steps happen at times a test chooses.
	step time.Duration
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	now := time.Now().Add(c.off)
	c.off += c.step
	return now
}

// Step makes each reading of the clock move it on by d (0 stops).
func (c *clock) Step(d time.Duration) {
	c.mu.Lock()
	c.step = d
	c.mu.Unlock()
}

// StartWindow moves the clock to just after the start of a rate-limit
// window of length d, so a test's attempts all fall in one window.
func (c *clock) StartWindow(d time.Duration) {
	now := c.Now()
	c.Advance(now.Truncate(d).Add(d).Add(time.Second).Sub(now))
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.off += d
	c.mu.Unlock()
}

// env is a complete set of use cases on one engine, with real mail
// delivered to an SMTP server inside the test.
type env struct {
	app   *app.App
	db    *store.DB
	media *blob.Store
	mail  *testkit.Mailbox
	clock *clock
	log   *logBuffer // what the use cases logged
	dns   *testkit.DNS
}

func newEnv(t *testing.T, e testkit.Engine) *env {
	t.Helper()
	return newEnvWith(t, e, app.Config{MediaTools: mediatools.Find()})
}

// newEnvWith is newEnv with the media settings of cfg (its tools and HLS
// threshold).
func newEnvWith(t testing.TB, e testkit.Engine, cfg app.Config) *env {
	t.Helper()
	ctx := context.Background()
	db, err := store.Open(ctx, e.URL)
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Migrate(ctx, jobs.Migrate(db)); err != nil {
		t.Fatal(err)
	}
	cat, err := i18n.Load()
	if err != nil {
		t.Fatal(err)
	}
	render, err := mail.NewRenderer(cat, "http://troupe.test")
	if err != nil {
		t.Fatal(err)
	}
	box := testkit.StartSMTP(t)
	sender, err := mail.NewSMTPSender(box.URL(), "Troupe <no-reply@troupe.test>")
	if err != nil {
		t.Fatal(err)
	}
	queue, err := jobs.New(db, sender, slog.New(slog.DiscardHandler), jobs.Config{PollInterval: 50 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		stopCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
		defer cancel()
		queue.Stop(stopCtx)
		db.Close()
	})
	c := &clock{}
	hasher := password.NewHasher(password.Params{Memory: 1024, Time: 1, Threads: 1}, 2)
	media, err := blob.Open(context.Background(), "file://"+t.TempDir(), blob.Credentials{})
	if err != nil {
		t.Fatal(err)
	}
	log := &logBuffer{}
	dnsServer := testkit.StartDNS(t)
	a := app.New(db, queue, media, render, hasher, cat, app.Config{Now: c.Now, UploadLimit: uploadLimits,
		Logger: slog.New(logging.NewHandler(slog.NewTextHandler(log, nil))), MediaTools: cfg.MediaTools,
		HLSMinDuration: cfg.HLSMinDuration, Webhooks: cfg.Webhooks, DNSResolver: dnsServer.Addr})
	if err := queue.Start(ctx); err != nil {
		t.Fatal(err)
	}
	return &env{app: a, db: db, media: media, mail: box, clock: c, log: log, dns: dnsServer}
}

// uploadLimits keep test uploads small.
var uploadLimits = map[troupe.Kind]int64{troupe.KindVideo: 1 << 20, troupe.KindAvatar: 64 << 10, troupe.KindVoice: 256 << 10}

var client = app.Client{IP: "192.0.2.1", UserAgent: "test", Lang: "en"}

// signup creates an account and returns the secret of its mailed
// verification link.
func (e *env) signup(t *testing.T, email string) (troupe.User, string) {
	t.Helper()
	res, err := e.app.Signup(context.Background(), app.SignupInput{Email: email, Password: "correct horse 1", Name: "Ada Lovelace"}, client)
	if err != nil {
		t.Fatalf("sign up %s: %v", email, err)
	}
	if res.Session == "" {
		t.Fatalf("sign up %s: not signed in", email)
	}
	m := e.mail.WaitFor(t, email, 10*time.Second)
	return res.User, testkit.TokenOf(t, m.Link(t, "/verify-email"))
}

func wantCode(t *testing.T, err error, code troupe.Code) {
	t.Helper()
	if got := troupe.ErrorCode(err); got != code {
		t.Fatalf("got error %v (code %q), want code %q", err, got, code)
	}
}

func forEngine(t *testing.T, fn func(t *testing.T, e *env)) {
	for _, engine := range testkit.Engines(t) {
		t.Run(engine.Name, func(t *testing.T) {
			fn(t, newEnv(t, engine))
		})
	}
}

// verifyDomain publishes the workspace's TXT record for domain on the
// test DNS server and verifies the domain as admin.
func (e *env) verifyDomain(t testing.TB, admin troupe.User, workspaceID, domain string) {
	t.Helper()
	ctx := context.Background()
	states, _, err := e.app.ListDomains(ctx, admin, workspaceID)
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range states {
		if d.Domain == domain {
			e.dns.AddTXT(domain, d.TXTRecord())
			got, err := e.app.VerifyDomain(ctx, admin, workspaceID, domain, client)
			if err != nil || !got.Verified() {
				t.Fatalf("verify %s: %+v, %v", domain, got, err)
			}
			return
		}
	}
	t.Fatalf("the workspace has no domain %s", domain)
}
