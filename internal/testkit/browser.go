package testkit

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
)

// Environment variables of the browser helpers.
const (
	// EnvBrowser is the path of the Chromium (or Chrome) binary.
	EnvBrowser = "TROUPE_TEST_BROWSER"
	// EnvArtifacts is the directory screenshots are written to; it
	// defaults to <os.TempDir()>/troupe-artifacts.
	EnvArtifacts = "TROUPE_TEST_ARTIFACTS"
)

// browserTimeout bounds all the browser work of one test (or of one
// NewBrowserContext), so a page that never loads fails instead of hanging
// until the go test deadline.
const browserTimeout = 3 * time.Minute

// untimedKey holds, in the contexts the kit returns, the same chromedp
// context without the timeout, so a screenshot can still be taken after the
// timeout that failed the test.
type untimedKey struct{}

// Browser starts a headless Chromium for the test and returns the context
// of its first tab, limited to 60 seconds. Run actions with chromedp.Run or
// chromedp.Do on it. The browser stops when the test ends; if the test
// failed, a screenshot of the tab is saved first (see Screenshot).
//
// It skips the test when TROUPE_TEST_BROWSER is unset (fails it under
// TROUPE_TEST_STRICT=1).
func Browser(t testing.TB) context.Context {
	t.Helper()
	path := os.Getenv(EnvBrowser)
	if path == "" {
		unmet(t, lackBrowser, "set "+EnvBrowser+"=/path/to/chromium for browser tests")
	}

	// Start from chromedp's defaults (notably disable-dev-shm-usage, which
	// containers with a small /dev/shm need) and pin what the tests rely on:
	// no sandbox (root in CI), no background traffic that could reach the
	// network, and a fixed window so layouts and screenshots are stable.
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-quic", true),
		chromedp.UserDataDir(t.TempDir()), // removed after the browser stops: cleanups run last-in first-out
		chromedp.WindowSize(1280, 800),
	)
	// Background, not t.Context(): the latter ends before cleanups run,
	// which would kill the browser before the failure screenshot.
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelTab := chromedp.NewContext(allocCtx)
	// The first Run binds the browser's lifetime to its context, so it
	// must get the context without a timeout.
	if err := chromedp.Do(ctx); err != nil {
		cancelTab()
		cancelAlloc()
		t.Fatalf("start %s: %v", path, err)
	}
	tctx, cancelTimeout := context.WithTimeout(ctx, browserTimeout)
	t.Cleanup(func() {
		if t.Failed() {
			saveFailureScreenshot(t, ctx, "failure")
		}
		cancelTimeout()
		cancelTab()
		cancelAlloc()
	})
	return context.WithValue(tctx, untimedKey{}, ctx)
}

// NewBrowserContext opens a tab in a new, isolated browser context (its own
// cookies, storage and cache: a second user) in the browser of parent, which
// must come from Browser. The tab has its own 60-second limit and is closed
// when the test ends, after a screenshot if the test failed.
func NewBrowserContext(t testing.TB, parent context.Context) context.Context {
	t.Helper()
	// Derive from the untimed tab so this one does not inherit a deadline
	// the parent may already have used up.
	base, ok := parent.Value(untimedKey{}).(context.Context)
	if !ok {
		base = parent
	}
	if c := chromedp.FromContext(base); c == nil || c.Browser == nil {
		t.Fatal("NewBrowserContext: parent is not a context from testkit.Browser")
	}
	ctx, cancel := chromedp.NewContext(base, chromedp.WithNewBrowserContext())
	// Open the tab now, untimed, for the same lifetime reason as in Browser.
	if err := chromedp.Do(ctx); err != nil {
		cancel()
		t.Fatalf("open isolated browser context: %v", err)
	}
	tctx, cancelTimeout := context.WithTimeout(ctx, browserTimeout)
	t.Cleanup(func() {
		if t.Failed() {
			name := "failure"
			if c := chromedp.FromContext(ctx); c != nil && c.Target != nil {
				// Tells the tabs of one test apart.
				name += "-" + strings.ToLower(string(c.Target.TargetID))[:min(8, len(c.Target.TargetID))]
			}
			saveFailureScreenshot(t, ctx, name)
		}
		cancelTimeout()
		cancel()
	})
	return context.WithValue(tctx, untimedKey{}, ctx)
}

// Screenshot saves a full-page PNG of the tab of ctx as
// <artifacts dir>/<test name>-<name>.png and logs its path. It works even
// after the tab's 60-second limit has passed.
func Screenshot(t testing.TB, ctx context.Context, name string) {
	t.Helper()
	path, err := screenshot(t, ctx, name)
	if err != nil {
		t.Errorf("screenshot %q: %v", name, err)
		return
	}
	t.Logf("screenshot: %s", path)
}

// saveFailureScreenshot is Screenshot for cleanups: a failed capture is
// only logged, as the test has already failed for a better reason.
func saveFailureScreenshot(t testing.TB, ctx context.Context, name string) {
	path, err := screenshot(t, ctx, name)
	if err != nil {
		t.Logf("failure screenshot not saved: %v", err)
		return
	}
	t.Logf("failure screenshot: %s", path)
}

func screenshot(t testing.TB, ctx context.Context, name string) (string, error) {
	if u, ok := ctx.Value(untimedKey{}).(context.Context); ok {
		ctx = u
	}
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100)) // quality 100 means PNG
	if err != nil {
		return "", err
	}
	dir := os.Getenv(EnvArtifacts)
	if dir == "" {
		dir = filepath.Join(os.TempDir(), "troupe-artifacts")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	path := filepath.Join(dir, sanitize(t.Name())+"-"+sanitize(name)+".png")
	return path, os.WriteFile(path, png, 0o644)
}

// sanitize makes s safe as part of a file name ("TestX/sub case" →
// "TestX_sub_case").
func sanitize(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '-', r == '.':
			return r
		}
		return '_'
	}, s)
}

// SetLanguage returns an action that makes every later request of the tab
// send "Accept-Language: lang" (e.g. "fr" or "fr-FR,fr;q=0.9"), so a test
// can browse the product as a user of that language. Run it before
// navigating:
//
//	chromedp.Do(ctx, testkit.SetLanguage("fr"), chromedp.Navigate(url))
//
// It replaces any extra headers set earlier on the tab.
func SetLanguage(lang string) chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		// chromedp has already enabled the Network domain on the tab,
		// which the extra headers need.
		_, err := cdp.Call(ctx, t, network.SetExtraHTTPHeaders, network.SetExtraHTTPHeadersParams{
			Headers: network.Headers{"Accept-Language": lang},
		})
		return err
	})
}
