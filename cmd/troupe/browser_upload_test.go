package main

import (
	"bytes"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"troupe/internal/i18n"
	"troupe/internal/testkit"
)

// Journey: a Creator drops an HEVC .mkv from a phone, which Chromium does
// not play, anywhere on an empty folder. The tray shows it going up with
// its progress, the folder lists it without a reload, and its page
// follows the processing live until the H.264 rendition plays in place.
// The Creator picks the poster from the player's current frame. Once the
// video is published with captions, a visitor's browser plays the
// rendition on the share page, captions loaded.
func TestBrowserDropUploadJourney(t *testing.T) {
	cat, err := i18n.Load()
	if err != nil {
		t.Fatal(err)
	}
	browser := testkit.Browser(t)
	clip := filepath.Join(t.TempDir(), "phone.mkv")
	if err := os.WriteFile(clip, makeHEVC(t, "3"), 0o600); err != nil {
		t.Fatal(err)
	}
	s := startServerWith(t, testkit.Engines(t)[0], serverOptions{dataDir: t.TempDir(), hlsMin: time.Hour})
	const lang = "en"
	T := func(key string, args ...any) string { return cat.T(lang, key, args...) }

	admin, _ := s.signedIn(t, "admin@acme.com")
	base := admin.post("/workspaces", url.Values{"name": {"Acme Studio"}}, 303).where()
	ws := strings.TrimPrefix(base, "/w/")
	admin.do("PATCH", "/api/v1/workspaces/"+ws, map[string]string{"publishing": "allowed"}).want(t, 200)
	carlaAPI, _ := s.member(t, admin, ws, "carla@acme.com", "creator")
	folder := carlaAPI.do("POST", "/api/v1/workspaces/"+ws+"/folders", map[string]string{"name": "Phone clips"}).want(t, 201).json(t)["id"].(string)

	carla := &browserPage{t: t, ctx: browser, s: s, cat: cat, lang: lang}
	carla.signIn("carla@acme.com", base+"/folders/"+folder)
	carla.waitText("h1", "Phone clips")
	// The empty folder offers Upload first.
	carla.waitText("[data-empty] .btn-primary", T("upload.empty_cta"))
	carla.check("folder-empty-upload-first")

	// A file dragged over the page shows where it will go; dropped, it
	// goes up in the tray. The test's own file field holds the file the
	// drag carries, as a desktop's drag would.
	carla.eval(`(() => { window.stayed = true; window.seen = [];
		const input = document.createElement("input"); input.type = "file"; input.id = "drag-source"; input.hidden = true; input.setAttribute("aria-label", "drag source");
		document.body.appendChild(input);
		new MutationObserver(() => document.querySelectorAll(".upload-row progress").forEach(p => window.seen.push(p.value)))
			.observe(document.body, {subtree: true, childList: true, attributes: true, characterData: true});
		return true; })()`)
	carla.do(chromedp.SetUploadFiles(chromedp.CSS("#drag-source"), []string{clip}))
	carla.eval(`(() => { const dt = new DataTransfer(); dt.items.add(document.querySelector("#drag-source").files[0]);
		document.body.dispatchEvent(new DragEvent("dragenter", {dataTransfer: dt, bubbles: true}));
		window.overlayShown = !document.querySelector("[data-drop-overlay]").hidden;
		window.overlayText = document.querySelector("[data-drop-overlay]").textContent.trim();
		document.body.dispatchEvent(new DragEvent("dragover", {dataTransfer: dt, bubbles: true, cancelable: true}));
		document.body.dispatchEvent(new DragEvent("drop", {dataTransfer: dt, bubbles: true, cancelable: true}));
		return true; })()`)
	carla.waitTrue("the drop overlay named the folder", `window.overlayShown && window.overlayText === `+jsString(T("upload.drop_here", "place", "Phone clips")))
	carla.waitTrue("the upload finished in the tray", `!!document.querySelector("[data-upload-tray] .upload-row[data-state=done]")`)
	carla.waitTrue("the progress bar moved up to 100", `window.seen.length > 0 && Math.max(...window.seen) === 100`)
	carla.waitText("[data-upload-tray] [data-upload-summary]", T("upload.all_done_one"))
	carla.waitTrue("the folder lists the video without a reload", `window.stayed === true && document.querySelectorAll("[data-content-list] > li").length === 1`)
	carla.waitWithin(3*time.Minute, "the row shows the video's thumbnail and duration once it is ready, without a reload",
		`window.stayed === true && (() => { const img = document.querySelector("[data-content-list] li .thumb img"); const badge = document.querySelector("[data-content-list] li .thumb-badge");
			return !!img && img.complete && img.naturalWidth > 0 && !!badge && badge.textContent === "0:03"; })()`)
	carla.check("folder-after-drop")

	// Its page follows the processing until the rendition plays, in place.
	carla.do(chromedp.Click(chromedp.CSS("[data-upload-tray] .upload-row a")))
	carla.waitTrue("the video page", `!!document.querySelector(".media-card video")`)
	carla.eval(`(() => { window.stayed = true; return true; })()`)
	carla.waitWithin(3*time.Minute, "the rendition is in the player without a reload", `window.stayed === true && !document.querySelector("[data-processing]") && [...document.querySelectorAll(".media-card video source")].some(s => s.getAttribute("src").endsWith("/renditions/web"))`)
	carla.eval(`(() => { const v = document.querySelector(".media-card video"); v.muted = true; v.play(); return true; })()`)
	carla.waitTrue("the rendition plays", `document.querySelector(".media-card video").currentTime > 0.5 && document.querySelector(".media-card video").currentSrc.endsWith("/renditions/web")`)
	carla.eval(`(() => { const v = document.querySelector(".media-card video"); v.pause(); v.currentTime = 1.5; return true; })()`)
	carla.waitTrue("the player sits at 1.5 s", `Math.abs(document.querySelector(".media-card video").currentTime - 1.5) < 0.2 && document.querySelector(".media-card video").paused`)
	carla.check("video-ready")
	carla.do(chromedp.Click(chromedp.CSS("[data-poster-now]")))
	carla.waitText(".toast", T("flash.poster_chosen"))
	carla.waitTrue("the poster's time is the frame's", `Math.abs(Number(document.querySelector("[data-poster-form]").dataset.chosen) - 1500) < 200`)

	// Published with French captions, the share page plays the rendition.
	loc, err := chromedp.Run(carla.ctx, chromedp.Location())
	if err != nil {
		t.Fatal(err)
	}
	id := strings.TrimPrefix(loc, s.url+base+"/items/")
	carlaAPI.do("PUT", "/api/v1/videos/"+id+"/captions/fr?label=Fran%C3%A7ais", frenchSRT, "Content-Type", "application/x-subrip").want(t, 200)
	pub := carlaAPI.do("POST", "/api/v1/videos/"+id+"/publish", nil).want(t, 200).json(t)
	visitor := &browserPage{t: t, ctx: testkit.NewBrowserContext(t, browser), s: s, cat: cat, lang: lang}
	visitor.do(testkit.SetLanguage(lang), chromedp.Navigate(s.url+"/v/"+pub["slug"].(string)))
	visitor.waitTrue("the share page", `!!document.querySelector("video.public-player")`)
	visitor.eval(`(() => { const v = document.querySelector("video"); v.muted = true; v.play(); return true; })()`)
	visitor.waitTrue("the share page plays the rendition", `document.querySelector("video").currentTime > 0.5 && document.querySelector("video").currentSrc.endsWith("/renditions/web")`)
	visitor.waitTrue("the French captions are loaded", `Array.from(document.querySelector("video").textTracks).some(t => t.language === "fr" && t.cues && t.cues.length > 0)`)
	visitor.check("share-page-rendition")
}

// cuttingProxy stands between a browser and the server: it passes
// uploads' PATCH bodies on slowly, cuts the connection of the first one
// after cutAt bytes as a dropped network would, and counts the PATCH
// bytes the server received.
type cuttingProxy struct {
	cutAt     int64
	cut       atomic.Bool
	forwarded atomic.Int64
	patches   atomic.Int64
	wasCut    atomic.Bool
}

// slowBody passes a body on in small pieces, counting them, and fails
// after limit bytes when limit > 0.
type slowBody struct {
	r     io.ReadCloser
	p     *cuttingProxy
	limit int64
	read  int64
}

var errCut = errors.New("connection cut")

func (b *slowBody) Read(buf []byte) (int, error) {
	if b.limit > 0 && b.read >= b.limit {
		b.p.wasCut.Store(true)
		return 0, errCut
	}
	if len(buf) > 8<<10 {
		buf = buf[:8<<10]
	}
	if b.limit > 0 && int64(len(buf)) > b.limit-b.read {
		buf = buf[:b.limit-b.read]
	}
	time.Sleep(10 * time.Millisecond)
	n, err := b.r.Read(buf)
	b.read += int64(n)
	b.p.forwarded.Add(int64(n))
	return n, err
}

func (b *slowBody) Close() error { return b.r.Close() }

func (p *cuttingProxy) start(t *testing.T, target string) string {
	to, err := url.Parse(target)
	if err != nil {
		t.Fatal(err)
	}
	rp := httputil.NewSingleHostReverseProxy(to)
	rp.ErrorHandler = func(w http.ResponseWriter, r *http.Request, err error) {
		// The browser sees its connection drop, not an answer.
		if conn, _, herr := http.NewResponseController(w).Hijack(); herr == nil {
			conn.Close()
			return
		}
		w.WriteHeader(http.StatusBadGateway)
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPatch {
			p.patches.Add(1)
			body := &slowBody{r: r.Body, p: p}
			if p.cut.CompareAndSwap(false, true) {
				body.limit = p.cutAt
			}
			r.Body = body
		}
		rp.ServeHTTP(w, r)
	}))
	t.Cleanup(func() { srv.CloseClientConnections(); srv.Close() })
	return srv.URL
}

// Journey: an upload whose connection drops carries on by itself from
// where the server stopped, sending almost nothing twice; Pause stops it
// and Resume finishes it.
func TestBrowserUploadResumesAfterCut(t *testing.T) {
	cat, err := i18n.Load()
	if err != nil {
		t.Fatal(err)
	}
	browser := testkit.Browser(t)
	const size = 3 << 20
	content := append(testkit.VideoBytes(t, 1)[:64], bytes.Repeat([]byte("frames "), size)[:size-64]...)
	file := filepath.Join(t.TempDir(), "long take.mp4")
	if err := os.WriteFile(file, content, 0o600); err != nil {
		t.Fatal(err)
	}
	s := startServer(t, testkit.Engines(t)[0])
	admin, _ := s.signedIn(t, "admin@acme.com")
	base := admin.post("/workspaces", url.Values{"name": {"Acme Studio"}}, 303).where()

	proxy := &cuttingProxy{cutAt: 1 << 20}
	viaProxy := &testServer{main: s.main, url: proxy.start(t, s.url), mail: s.mail}
	p := &browserPage{t: t, ctx: browser, s: viaProxy, cat: cat, lang: "en"}
	p.signIn("admin@acme.com", base)
	p.wantHeading("home.welcome", "name", "admin")
	p.eval(`(() => { window.states = [];
		new MutationObserver(ms => ms.forEach(m => window.states.push(m.target.dataset.state + "<" + m.oldValue)))
			.observe(document.body, {subtree: true, attributes: true, attributeOldValue: true, attributeFilter: ["data-state"]});
		return true; })()`)
	p.do(chromedp.SetUploadFiles(chromedp.CSS("[data-drop-picker]"), []string{file}))
	// After the cut the page asks the server where it stands and goes on
	// (the browser may first send the cut request again by itself, which
	// the server refuses for its offset): a PATCH after the cut one.
	for deadline := time.Now().Add(time.Minute); !proxy.wasCut.Load() || proxy.patches.Load() < 2; time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("no PATCH after the cut (cut %v, %d PATCHes)", proxy.wasCut.Load(), proxy.patches.Load())
		}
	}
	p.waitTrue("the upload runs again", `document.querySelector(".upload-row").dataset.state === "running"`)
	p.do(chromedp.Click(chromedp.CSS(".upload-row [data-pause]")))
	p.waitTrue("the upload is paused", `document.querySelector(".upload-row").dataset.state === "paused" && document.querySelector(".upload-row [data-pause]").textContent === `+jsString(cat.T("en", "upload.resume")))
	// Bytes already in the sockets still drain to the server; the page
	// sends nothing more and its bar stands still.
	patches := proxy.patches.Load()
	p.eval(`(() => { window.pausedAt = document.querySelector(".upload-row progress").value; return true; })()`)
	time.Sleep(time.Second)
	p.waitTrue("the bar stood still while paused", `document.querySelector(".upload-row progress").value === window.pausedAt && document.querySelector(".upload-row").dataset.state === "paused"`)
	if n := proxy.patches.Load(); n != patches {
		t.Fatalf("%d PATCH requests started while paused", n-patches)
	}
	p.do(chromedp.Click(chromedp.CSS(".upload-row [data-pause]")))
	p.waitWithin(time.Minute, "the upload finished", `document.querySelector(".upload-row").dataset.state === "done"`)
	if n := proxy.patches.Load(); n < 3 || !proxy.wasCut.Load() {
		states, _ := chromedp.Run(p.ctx, chromedp.Evaluate[[]string](`window.states`))
		t.Fatalf("%d PATCH requests: want the cut one, the one resuming it and the one after Pause (states %q)", n, states)
	}
	if resent := proxy.forwarded.Load() - size; resent < 0 || resent > size/100 {
		t.Fatalf("the server received %d bytes for a %d-byte file: %d sent twice", proxy.forwarded.Load(), size, resent)
	}
	p.check("upload-resumed")
}
