package testkit

import (
	"context"
	"database/sql"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	gomail "github.com/wneessen/go-mail"
	_ "modernc.org/sqlite" // registers the "sqlite" driver
)

// send delivers one message to mb the way the product does, with go-mail.
// It reports errors instead of failing, as it also runs off the test
// goroutine.
func send(mb *Mailbox, build func(*gomail.Msg)) error {
	c, err := gomail.NewClient("127.0.0.1",
		gomail.WithTLSPortPolicy(gomail.NoTLS),
		gomail.WithPort(mb.Port()),
		gomail.WithTimeout(10*time.Second),
	)
	if err != nil {
		return err
	}
	m := gomail.NewMsg()
	if err := m.From("Troupe <noreply@troupe.example>"); err != nil {
		return err
	}
	build(m)
	return c.DialAndSend(m)
}

func TestSMTP(t *testing.T) {
	mb := StartSMTP(t)
	if want := fmt.Sprintf("smtp://127.0.0.1:%d?tls=none", mb.Port()); mb.URL() != want {
		t.Errorf("URL() = %q, want %q", mb.URL(), want)
	}

	err := send(mb, func(m *gomail.Msg) {
		if err := m.To("Alice@Example.com"); err != nil {
			t.Fatal(err)
		}
		m.Subject("Vérifiez votre adresse – Troupe")
		m.SetBodyString(gomail.TypeTextPlain, "Bonjour Élodie,\n\nCliquez : https://troupe.example/verify/abc123?x=1.\nAide : https://troupe.example/help\n")
		m.AddAlternativeString(gomail.TypeTextHTML, `<p>Bonjour Élodie, <a href="https://troupe.example/verify/abc123?x=1">vérifier</a></p>`)
	})
	if err != nil {
		t.Fatalf("send: %v", err)
	}

	got := mb.WaitFor(t, "alice@example.com", 5*time.Second)
	if got.Subject != "Vérifiez votre adresse – Troupe" {
		t.Errorf("Subject = %q", got.Subject)
	}
	if !strings.Contains(got.Text, "Bonjour Élodie,") || strings.Contains(got.Text, "<p>") {
		t.Errorf("Text = %q", got.Text)
	}
	if !strings.Contains(got.HTML, `<p>Bonjour Élodie, <a href="https://troupe.example/verify/abc123?x=1">`) {
		t.Errorf("HTML = %q", got.HTML)
	}
	if got.From != "noreply@troupe.example" || len(got.To) != 1 || got.To[0] != "Alice@Example.com" {
		t.Errorf("envelope = %q → %q", got.From, got.To)
	}
	if h := got.Header.Get("From"); !strings.Contains(h, "noreply@troupe.example") {
		t.Errorf("From header = %q", h)
	}
	if link := got.Link(t, "/verify/"); link != "https://troupe.example/verify/abc123?x=1" {
		t.Errorf("Link(/verify/) = %q", link)
	}
	if link := got.Link(t, "/help"); link != "https://troupe.example/help" {
		t.Errorf("Link(/help) = %q", link)
	}
	if n := mb.Count("ALICE@example.com"); n != 1 {
		t.Errorf("Count = %d, want 1", n)
	}

	t.Run("WaitFor returns each message once", func(t *testing.T) {
		f := runFake(t, func(tb testing.TB) { mb.WaitFor(tb, "alice@example.com", 50*time.Millisecond) })
		if !strings.Contains(f.fatal, "no new mail to alice@example.com") || !strings.Contains(f.fatal, "Vérifiez") {
			t.Errorf("fatal = %q", f.fatal)
		}
	})

	t.Run("WaitFor waits for a late message", func(t *testing.T) {
		sent := make(chan error, 1)
		go func() {
			time.Sleep(200 * time.Millisecond)
			sent <- send(mb, func(m *gomail.Msg) {
				_ = m.To("bob@example.com")
				m.Subject("later")
				m.SetBodyString(gomail.TypeTextPlain, "hi\nthere")
			})
		}()
		if got := mb.WaitFor(t, "bob@example.com", 5*time.Second); got.Subject != "later" || strings.TrimSpace(got.Text) != "hi\nthere" {
			t.Errorf("got %q / %q", got.Subject, got.Text)
		}
		if err := <-sent; err != nil {
			t.Errorf("send: %v", err)
		}
	})

	t.Run("FailNext", func(t *testing.T) {
		mb.FailNext(1)
		msg := func(m *gomail.Msg) {
			_ = m.To("carol@example.com")
			m.Subject("retry me")
			m.SetBodyString(gomail.TypeTextPlain, "x")
		}
		if err := send(mb, msg); err == nil || !strings.Contains(err.Error(), "451") {
			t.Fatalf("first send: err = %v, want a 451 error", err)
		}
		if n := mb.Count("carol@example.com"); n != 0 {
			t.Fatalf("refused message was stored (Count = %d)", n)
		}
		if err := send(mb, msg); err != nil {
			t.Fatalf("second send: %v", err)
		}
		mb.WaitFor(t, "carol@example.com", 5*time.Second)
	})

	if n := len(mb.All()); n != 3 {
		t.Errorf("All() has %d messages, want 3", n)
	}
}

func TestParseMailNested(t *testing.T) {
	raw := strings.ReplaceAll(`From: a@example.com
To: b@example.com
Subject: =?utf-8?b?VsOpcmlmaWV6?= =?iso-8859-1?q?_=E7a?=
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary="outer"

--outer
Content-Type: multipart/alternative; boundary="inner"

--inner
Content-Type: text/plain; charset=utf-8
Content-Transfer-Encoding: quoted-printable

Voil=C3=A0 le lien : https://x.example/reset/t0k3n=
 (valable 1 h)
--inner
Content-Type: text/html; charset=utf-8
Content-Transfer-Encoding: base64

PHA+Vm9pbMOgPC9wPg==
--inner--
--outer
Content-Type: text/plain; charset=utf-8
Content-Disposition: attachment; filename="notes.txt"

not the body
--outer--
`, "\n", "\r\n")
	m, err := parseMail([]byte(raw))
	if err != nil {
		t.Fatal(err)
	}
	if m.Subject != "Vérifiez ça" {
		t.Errorf("Subject = %q", m.Subject)
	}
	if m.Text != "Voilà le lien : https://x.example/reset/t0k3n (valable 1 h)" {
		t.Errorf("Text = %q", m.Text)
	}
	if m.HTML != "<p>Voilà</p>" {
		t.Errorf("HTML = %q", m.HTML)
	}
	if l := m.Link(t, "/reset/"); l != "https://x.example/reset/t0k3n" {
		t.Errorf("Link = %q", l)
	}
	f := runFake(t, func(tb testing.TB) { m.Link(tb, "/nope/") })
	if !strings.Contains(f.fatal, `no link with path prefix "/nope/"`) {
		t.Errorf("Link fatal = %q", f.fatal)
	}
}

func TestEngines(t *testing.T) {
	var engines []Engine
	t.Run("use", func(t *testing.T) {
		engines = Engines(t)
		if engines[0].Name != "sqlite" {
			t.Fatalf("first engine = %q, want sqlite", engines[0].Name)
		}
		for _, e := range engines {
			driver := map[string]string{"sqlite": "sqlite", "postgres": "pgx"}[e.Name]
			selectOne(t, driver, e.URL)
		}
		if os.Getenv(EnvDatabaseURL) != "" && len(engines) != 2 {
			t.Fatalf("got %d engines with %s set, want 2", len(engines), EnvDatabaseURL)
		}
		if again := Engines(t); again[0].URL == engines[0].URL || (len(again) > 1 && again[1].URL == engines[1].URL) {
			t.Errorf("two calls share a database: %v, %v", engines, again)
		}
	})
	// The subtest's cleanups have run: its databases must be gone.
	if _, err := os.Stat(engines[0].URL); !os.IsNotExist(err) {
		t.Errorf("SQLite file %s still there (err %v)", engines[0].URL, err)
	}
	if len(engines) > 1 {
		assertNoDatabase(t, engines[1].URL)
	}
}

func TestPostgresURL(t *testing.T) {
	if os.Getenv(EnvDatabaseURL) == "" {
		t.Skip(EnvDatabaseURL + " is not set")
	}
	var u string
	t.Run("use", func(t *testing.T) {
		u = PostgresURL(t)
		admin, _ := url.Parse(os.Getenv(EnvDatabaseURL))
		got, _ := url.Parse(u)
		if !strings.HasPrefix(got.Path, "/troupe_test_") || len(got.Path) != len("/troupe_test_")+12 {
			t.Errorf("path = %q", got.Path)
		}
		if got.RawQuery != admin.RawQuery || got.Host != admin.Host || got.User.String() != admin.User.String() {
			t.Errorf("URL %q does not keep the rest of %q", u, admin)
		}
		selectOne(t, "pgx", u)
	})
	assertNoDatabase(t, u)
}

// TestMissingServices checks the skip / strict behaviour when nothing is
// configured.
func TestMissingServices(t *testing.T) {
	t.Setenv(EnvDatabaseURL, "")
	t.Setenv(EnvBrowser, "")

	t.Setenv(EnvStrict, "")
	f := runFake(t, func(tb testing.TB) {
		if e := Engines(tb); len(e) != 1 || e[0].Name != "sqlite" {
			t.Errorf("Engines = %v, want only sqlite", e)
		}
	})
	if f.fatal != "" || !strings.Contains(strings.Join(f.logs, "\n"), "PostgreSQL tests skipped: set TROUPE_TEST_DATABASE_URL=postgres://") {
		t.Errorf("Engines non-strict: fatal %q, logs %q", f.fatal, f.logs)
	}
	if f := runFake(t, func(tb testing.TB) { PostgresURL(tb) }); f.skip == "" || f.fatal != "" {
		t.Errorf("PostgresURL non-strict: skip %q, fatal %q", f.skip, f.fatal)
	}
	if f := runFake(t, func(tb testing.TB) { Browser(tb) }); !strings.Contains(f.skip, EnvBrowser) || f.fatal != "" {
		t.Errorf("Browser non-strict: skip %q, fatal %q", f.skip, f.fatal)
	}

	t.Setenv(EnvStrict, "1")
	if f := runFake(t, func(tb testing.TB) { Engines(tb) }); f.fatal != "TROUPE_TEST_DATABASE_URL is not set: PostgreSQL tests cannot run" {
		t.Errorf("Engines strict: fatal %q", f.fatal)
	}
	if f := runFake(t, func(tb testing.TB) { PostgresURL(tb) }); f.fatal == "" || f.skip != "" {
		t.Errorf("PostgresURL strict: skip %q, fatal %q", f.skip, f.fatal)
	}
	if f := runFake(t, func(tb testing.TB) { Browser(tb) }); f.fatal == "" || f.skip != "" {
		t.Errorf("Browser strict: skip %q, fatal %q", f.skip, f.fatal)
	}
}

func TestBrowser(t *testing.T) {
	artifacts := t.TempDir()
	t.Setenv(EnvArtifacts, artifacts)
	ctx := Browser(t)

	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/login" {
			http.SetCookie(w, &http.Cookie{Name: "session", Value: "s1", Path: "/"})
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_, _ = fmt.Fprintf(w, `<!doctype html><title>Troupe test</title><p id="lang">%s</p><p id="cookie">%s</p>`,
			r.Header.Get("Accept-Language"), r.Header.Get("Cookie"))
	}))
	t.Cleanup(srv.Close)

	if err := chromedp.Do(ctx, chromedp.Navigate(srv.URL+"/login")); err != nil {
		t.Fatal(err)
	}
	title, err := chromedp.Run(ctx, chromedp.Title())
	if err != nil || title != "Troupe test" {
		t.Fatalf("title = %q, %v", title, err)
	}

	if err := chromedp.Do(ctx, SetLanguage("fr-FR,fr;q=0.9"), chromedp.Navigate(srv.URL+"/")); err != nil {
		t.Fatal(err)
	}
	if lang := text(t, ctx, "#lang"); lang != "fr-FR,fr;q=0.9" {
		t.Errorf("Accept-Language seen by the server = %q", lang)
	}
	if c := text(t, ctx, "#cookie"); c != "session=s1" {
		t.Errorf("cookie in the first tab = %q, want session=s1", c)
	}

	other := NewBrowserContext(t, ctx)
	if err := chromedp.Do(other, chromedp.Navigate(srv.URL+"/")); err != nil {
		t.Fatal(err)
	}
	if c := text(t, other, "#cookie"); c != "" {
		t.Errorf("isolated context sees cookie %q", c)
	}

	Screenshot(t, ctx, "home page")
	png := filepath.Join(artifacts, "TestBrowser-home_page.png")
	if b, err := os.ReadFile(png); err != nil || !strings.HasPrefix(string(b), "\x89PNG") {
		t.Errorf("screenshot %s: err %v", png, err)
	}
}

func text(t *testing.T, ctx context.Context, sel string) string {
	t.Helper()
	s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(sel)))
	if err != nil {
		t.Fatalf("text of %s: %v", sel, err)
	}
	return s
}

func selectOne(t *testing.T, driver, dsn string) {
	t.Helper()
	db, err := sql.Open(driver, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var one int
	if err := db.QueryRow("SELECT 1").Scan(&one); err != nil || one != 1 {
		t.Fatalf("%s %s: SELECT 1 = %d, %v", driver, dsn, one, err)
	}
}

// assertNoDatabase checks that the database of u no longer exists.
func assertNoDatabase(t *testing.T, u string) {
	t.Helper()
	parsed, err := url.Parse(u)
	if err != nil {
		t.Fatal(err)
	}
	db, err := sql.Open("pgx", os.Getenv(EnvDatabaseURL))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var n int
	if err := db.QueryRow("SELECT count(*) FROM pg_database WHERE datname = $1", strings.TrimPrefix(parsed.Path, "/")).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 0 {
		t.Errorf("database %s still exists after cleanup", parsed.Path)
	}
}

// fakeTB records Fatal, Skip and Log instead of acting on them, so the
// failure paths of the kit can be tested. Everything else (TempDir,
// Cleanup, Name…) goes to the real test.
type fakeTB struct {
	testing.TB
	fatal, skip string
	logs        []string
}

func (f *fakeTB) Helper()         {}
func (f *fakeTB) Log(args ...any) { f.logs = append(f.logs, fmt.Sprint(args...)) }
func (f *fakeTB) Logf(format string, args ...any) {
	f.logs = append(f.logs, fmt.Sprintf(format, args...))
}
func (f *fakeTB) Fatal(args ...any) { f.fatal = fmt.Sprint(args...); runtime.Goexit() }
func (f *fakeTB) Fatalf(format string, args ...any) {
	f.fatal = fmt.Sprintf(format, args...)
	runtime.Goexit()
}
func (f *fakeTB) Skip(args ...any) { f.skip = fmt.Sprint(args...); runtime.Goexit() }
func (f *fakeTB) Skipf(format string, args ...any) {
	f.skip = fmt.Sprintf(format, args...)
	runtime.Goexit()
}

// runFake runs fn with a fakeTB on its own goroutine, because Fatal and
// Skip end the goroutine like the real ones do.
func runFake(t *testing.T, fn func(testing.TB)) *fakeTB {
	f := &fakeTB{TB: t}
	done := make(chan struct{})
	go func() {
		defer close(done)
		fn(f)
	}()
	<-done
	return f
}

// TestSkipSummary checks that skips are counted once per test and
// summed up with how to run what was skipped.
func TestSkipSummary(t *testing.T) {
	t.Setenv(EnvDatabaseURL, "")
	t.Setenv(EnvBrowser, "")
	t.Setenv(EnvStrict, "")
	skips.Lock()
	saved := skips.names
	skips.names = map[string]map[string]bool{}
	skips.Unlock()
	t.Cleanup(func() { skips.Lock(); skips.names = saved; skips.Unlock() })

	if got := skipSummary("internal/x", skipCounts()); got != "" {
		t.Errorf("nothing skipped: summary %q, want none", got)
	}
	runFake(t, func(tb testing.TB) { Browser(tb) })
	runFake(t, func(tb testing.TB) { Browser(tb) })
	runFake(t, func(tb testing.TB) { Engines(tb) })
	counts := skipCounts()
	if counts[lackBrowser] != 1 || counts[lackPostgres] != 1 {
		t.Fatalf("counts = %v, want one browser and one PostgreSQL test", counts)
	}
	counts[lackBrowser] = 3
	got := skipSummary("internal/x", counts)
	for _, want := range []string{"internal/x skipped 3 browser tests, PostgreSQL in 1 test.", EnvBrowser + "=/path/to/chromium", EnvDatabaseURL + "=postgres://"} {
		if !strings.Contains(got, want) {
			t.Errorf("summary %q lacks %q", got, want)
		}
	}
}
