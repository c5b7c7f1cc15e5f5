package main

import (
	"bytes"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"troupe/internal/testkit"
)

// pathLog records the paths a server was asked for.
type pathLog struct {
	mu    sync.Mutex
	paths []string
}

func (l *pathLog) add(p string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.paths = append(l.paths, p)
}

func (l *pathLog) count(prefix string) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	n := 0
	for _, p := range l.paths {
		if strings.HasPrefix(p, prefix) {
			n++
		}
	}
	return n
}

// Journey: a Super Admin makes a share link in the Share tab that may be
// embedded on one partner's site only, copies its embed code, and sees it
// listed. The partner's page shows the player and the browser loads the
// video in it; another site's page with the same code gets a frame the
// browser refuses, which never asks for the video. Revoked, the link is
// gone from the list.
func TestBrowserShareLinksJourney(t *testing.T) {
	cat, browser, s := journey(t)
	const lang = "en"
	T := func(key string, args ...any) string { return cat.T(lang, key, args...) }

	admin, _ := s.signedIn(t, "admin@acme.com")
	base := admin.post("/workspaces", url.Values{"name": {"Acme Studio"}}, 303).where()
	ws := strings.TrimPrefix(base, "/w/")
	admin.do("PATCH", "/api/v1/workspaces/"+ws, map[string]string{"publishing": "allowed"}).want(t, 200)
	id := idOf(t, admin.upload(ws, "videos", map[string]string{"name": "Launch teaser"}, "clip.mp4", bytes.NewReader(testkit.VideoBytes(t, 2))).want(t, 201))

	// The player is reached through a front that notes what is asked of
	// it, as the partner's visitors would reach Troupe.
	var asked pathLog
	target, err := url.Parse(s.url)
	if err != nil {
		t.Fatal(err)
	}
	proxy := httputil.NewSingleHostReverseProxy(target)
	front := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		asked.add(r.URL.Path)
		proxy.ServeHTTP(w, r)
	}))
	t.Cleanup(front.Close)
	var embed atomic.Value // the iframe both sites paste
	embed.Store("")
	site := func() *httptest.Server {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			fmt.Fprintf(w, "<!doctype html><title>Partner</title><h1>Our launch</h1>%s", embed.Load())
		}))
		t.Cleanup(srv.Close)
		return srv
	}
	partner, other := site(), site()

	p := &browserPage{t: t, ctx: browser, s: s, cat: cat, lang: lang}
	p.signIn("admin@acme.com", base+"/items/"+id)
	p.waitText("h1", "Launch teaser")
	p.do(
		chromedp.Click(chromedp.CSS("details.link-new > summary")),
		chromedp.WaitVisible(chromedp.CSS("#f-link-label")),
		chromedp.SendKeys(chromedp.CSS("#f-link-label"), "Partner site"),
		chromedp.SetValue(chromedp.CSS("#f-link-embed"), "domains"),
		chromedp.SendKeys(chromedp.CSS("#f-link-domains"), partner.URL),
	)
	p.check("share-link-form")
	p.do(chromedp.Click(chromedp.CSS("[data-link-create]")))
	p.waitText(".toast", T("flash.share_link_created"))
	p.waitText(`[data-link] [data-link-label]`, "Partner site")
	p.waitText(`[data-link] [data-link-views]`, T("links.views_many", "count", 0))
	p.waitText(`[data-link] [data-link-embeddable]`, T("links.embed.domains"))
	p.check("share-links")
	code := p.value("#f-embed-0")
	slug := p.value("#f-link-0")
	slug = slug[strings.LastIndex(slug, "/")+1:]
	if !strings.Contains(code, `src="`+s.url+"/e/"+slug+`"`) || !strings.HasPrefix(code, "<div") {
		t.Fatalf("embed code %q", code)
	}
	// Pasted as given, pointed at the front.
	embed.Store(strings.Replace(code, s.url, front.URL, 1))

	// Another site: the browser refuses the frame, and never asks for the
	// video.
	media := "/v/" + slug + "/"
	p.do(chromedp.Navigate(other.URL))
	p.waitText("h1", "Our launch")
	time.Sleep(2 * time.Second)
	if n := asked.count("/e/" + slug); n != 1 {
		t.Fatalf("the other site's frame asked for the embed page %d times", n)
	}
	if n := asked.count(media); n != 0 {
		t.Fatalf("a refused frame loaded the video (%d requests)", n)
	}

	// The partner's site: the player is shown and loads the video.
	p.do(chromedp.Navigate(partner.URL))
	p.waitText("h1", "Our launch")
	deadline := time.Now().Add(15 * time.Second)
	for asked.count(media) == 0 {
		if time.Now().After(deadline) {
			t.Fatalf("the partner's frame never loaded the video; asked: %v", asked.paths)
		}
		time.Sleep(100 * time.Millisecond)
	}

	// Revoked: gone from the list, and the embed page is gone.
	p.do(chromedp.Navigate(s.url + base + "/items/" + id))
	p.do(chromedp.Click(chromedp.CSS("[data-link-revoke]")), chromedp.WaitVisible(chromedp.CSS("#confirm-dialog [data-confirm-ok]")))
	p.do(chromedp.Click(chromedp.CSS("#confirm-dialog [data-confirm-ok]")))
	p.waitText(".toast", T("flash.share_link_revoked"))
	p.waitTrue("the link is no longer listed", `document.querySelector("[data-link]") === null`)
	s.client(t).do("GET", "/e/"+slug, nil).want(t, 404)
}
