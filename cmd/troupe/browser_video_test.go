package main

import (
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"troupe/internal/testkit"
)

// Journey: a Creator, in a workspace whose Super Admin allows publishing,
// uploads a video, adds French captions from an SRT file in the Captions
// tab, tries the cue editor, then publishes the video with a password in
// the Share tab. A visitor with no account, in a browser of their own,
// finds the password form, is told a wrong password is wrong, enters the
// right one and watches the video with its French captions. Once the
// Creator unpublishes it, the same address is a 404.
func TestBrowserVideoShareJourney(t *testing.T) {
	cat, browser, s := journey(t)
	const lang = "en"
	T := func(key string, args ...any) string { return cat.T(lang, key, args...) }

	dir := t.TempDir()
	clip := filepath.Join(dir, "teaser.mp4")
	testkit.MakeVideo(t, clip, 3)
	srt := filepath.Join(dir, "teaser.fr.srt")
	if err := os.WriteFile(srt, []byte(frenchSRT), 0o600); err != nil {
		t.Fatal(err)
	}

	admin, _ := s.signedIn(t, "admin@acme.com")
	base := admin.post("/workspaces", url.Values{"name": {"Acme Studio"}}, 303).where()
	ws := strings.TrimPrefix(base, "/w/")
	admin.do("PATCH", "/api/v1/workspaces/"+ws, map[string]string{"publishing": "allowed"}).want(t, 200)
	s.member(t, admin, ws, "carla@acme.com", "creator")

	carla := &browserPage{t: t, ctx: browser, s: s, cat: cat, lang: lang}
	carla.signIn("carla@acme.com", base)
	carla.wantHeading("home.welcome", "name", "carla")

	// The upload form of the New menu.
	carla.openNew("video", "#f-up-file")
	carla.do(
		chromedp.SendKeys(chromedp.CSS("#f-up-name"), "Launch teaser"),
		chromedp.SetUploadFiles(chromedp.CSS("#f-up-file"), []string{clip}),
		chromedp.Click(chromedp.CSS("#page-dialog button[type=submit]")),
	)
	carla.waitText("h1", "Launch teaser")
	carla.waitTrue("the Share tab is open", `document.querySelector("#tab-share").getAttribute("aria-selected") === "true" && !document.querySelector("#share").hidden && document.querySelector("#captions").hidden`)
	carla.check("video-page-share")

	// Captions tab: a French SRT file.
	carla.do(chromedp.Click(chromedp.CSS("#tab-captions")))
	carla.waitTrue("the Captions tab is open", `document.querySelector("#tab-captions").getAttribute("aria-selected") === "true" && !document.querySelector("#captions").hidden && document.querySelector("#share").hidden`)
	carla.check("video-page-captions-empty")
	carla.do(
		chromedp.SendKeys(chromedp.CSS("#f-cap-lang"), "fr"),
		chromedp.SendKeys(chromedp.CSS("#f-cap-label"), "Français"),
		chromedp.SetUploadFiles(chromedp.CSS("#f-cap-file"), []string{srt}),
		chromedp.Click(chromedp.CSS("form.caption-upload button[type=submit]")),
	)
	carla.waitText(".toast", T("flash.captions_saved"))
	carla.waitText(`li[data-lang="fr"] .caption-label`, "Français")
	carla.waitTrue("the Captions tab is open again, with the track in the player", `!document.querySelector("#captions").hidden && document.querySelector("video track[srclang=fr]") !== null`)
	carla.check("video-page-captions")

	// The cue editor checks times before sending them.
	carla.do(chromedp.Click(chromedp.CSS(`li[data-lang="fr"] a[href$="/captions/fr"]`)))
	carla.wantHeading("captions.editor_title", "label", "Français")
	carla.waitTrue("the cues are listed", `document.querySelectorAll("[data-cue-list] [data-cue]").length === 5 && document.querySelector("[data-cue] textarea").value === "Bonjour à tous"`)
	carla.do(
		chromedp.SetValue(chromedp.CSS(`[data-cue-list] [data-cue]:nth-child(2) [name=end]`), "00:01.000"),
		chromedp.Click(chromedp.CSS("[data-save-cues]")),
	)
	carla.waitText(`[data-cue-list] [data-cue]:nth-child(2) [data-cue-error]`, T("captions.cue.reversed_times"))
	carla.do(chromedp.Click(chromedp.CSS("[data-add-cue]")))
	carla.waitTrue("a row was added and numbered", `document.querySelectorAll("[data-cue-list] [data-cue]").length === 6 && document.activeElement.name === "start" && document.querySelector("[data-cue-list] [data-cue]:last-child [data-cue-n]").textContent === "6"`)
	carla.check("cue-editor")
	carla.do(
		chromedp.SetValue(chromedp.CSS(`[data-cue-list] [data-cue]:nth-child(2) [name=end]`), "00:02.900"),
		chromedp.Click(chromedp.CSS("[data-save-cues]")),
	)
	// Saved in place, beside the player; then back to the video.
	carla.waitText(".toast", T("captions.saved_many", "label", "Français", "count", 2))
	carla.do(chromedp.Click(chromedp.CSS(".page-actions a.btn")))
	carla.waitText("h1", "Launch teaser")

	// Share tab: the general access comes from the Share dialog, and the
	// summary follows once it closes.
	carla.do(chromedp.Click(chromedp.CSS("#tab-share")))
	carla.waitText("#share .general-label", T("access.summary.only_me"))
	carla.do(
		chromedp.Click(chromedp.CSS("[data-share-summary]")),
		chromedp.WaitVisible(chromedp.CSS("#page-dialog #f-share-general")),
		chromedp.SetValue(chromedp.CSS("#page-dialog #f-share-general"), "workspace"),
	)
	carla.eval(`(() => { document.querySelector("#page-dialog #f-share-general").dispatchEvent(new Event("change", {bubbles: true})); return true; })()`)
	carla.do(chromedp.Click(chromedp.CSS("#page-dialog [data-save]")))
	carla.waitTrue("the dialog closed", `!document.getElementById("page-dialog").open`)
	carla.waitText("#share .general-label", T("access.summary.workspace_view", "workspace", "Acme Studio"))
	carla.waitText("main .page-header [data-access-line]", T("access.summary.workspace_view", "workspace", "Acme Studio"))

	// Publish, then a password (too short first: said at once).
	carla.do(chromedp.Click(chromedp.CSS("[data-publish]")))
	carla.waitText(".toast", T("flash.video_published"))
	// Published: the header says it is on the web, with the globe.
	carla.waitText("main .page-header [data-access-public]", T("access.summary.public"))
	publicURL, err := chromedp.Run(carla.ctx, chromedp.Evaluate[string](`document.querySelector("#f-public-url").value`))
	if err != nil || !strings.HasPrefix(publicURL, s.url+"/v/") {
		t.Fatalf("public URL %q (%v)", publicURL, err)
	}
	carla.do(
		chromedp.SendKeys(chromedp.CSS("#f-video-password"), "short"),
		chromedp.Click(chromedp.CSS("form.password-form button[type=submit]")),
	)
	carla.waitText("#f-video-password-error", T("fielderr.password.invalid_length"))
	carla.eval(`(() => { document.querySelector("#f-video-password").value = ""; return true; })()`)
	carla.do(
		chromedp.SendKeys(chromedp.CSS("#f-video-password"), "open sesame 42"),
		chromedp.Click(chromedp.CSS("form.password-form button[type=submit]")),
	)
	carla.waitText(".toast", T("flash.video_password_set"))
	carla.waitText("[data-password-set]", T("video.password_set"))
	carla.waitTrue("the password is not in the page", `!document.documentElement.outerHTML.includes("open sesame") && document.querySelector("#f-video-password").value === ""`)
	carla.check("video-page-share-published")

	// A visitor, in a browser of their own with no session.
	visitor := &browserPage{t: t, ctx: testkit.NewBrowserContext(t, browser), s: s, cat: cat, lang: lang}
	visitor.do(testkit.SetLanguage(lang), chromedp.Navigate(publicURL))
	visitor.wantHeading("public.locked_title")
	visitor.check("public-locked")
	visitor.do(
		chromedp.SendKeys(chromedp.CSS("#f-password"), "open sesame"),
		chromedp.Click(chromedp.CSS("button[type=submit]")),
	)
	visitor.waitText("#form-error", T("error.wrong_password"))
	// The answer is a new page: type only once it has settled.
	visitor.waitTrue("the answer has loaded", `document.readyState === "complete"`)
	visitor.do(
		chromedp.SendKeys(chromedp.CSS("#f-password"), "open sesame 42"),
		chromedp.Click(chromedp.CSS("button[type=submit]")),
	)
	visitor.waitText("h1", "Launch teaser")
	visitor.eval(`(() => { const v = document.querySelector("video"); v.muted = true; v.play(); return true; })()`)
	visitor.waitTrue("the video plays", `document.querySelector("video").currentTime > 0.3`)
	visitor.waitTrue("the French captions are loaded", `Array.from(document.querySelector("video").textTracks).some(t => t.language === "fr" && t.cues && t.cues.length === 2)`)
	visitor.check("public-playing")

	// Unpublished: the same address is gone at once.
	carla.do(chromedp.Click(chromedp.CSS("[data-unpublish]")), chromedp.WaitVisible(chromedp.CSS("#confirm-dialog [data-confirm-ok]")))
	carla.do(chromedp.Click(chromedp.CSS("#confirm-dialog [data-confirm-ok]")))
	carla.waitText(".toast", T("flash.video_unpublished"))
	status, err := chromedp.Run(visitor.ctx, chromedp.Evaluate[int](`fetch(`+jsString(publicURL)+`).then(r => r.status)`, chromedp.EvalAwaitPromise))
	if err != nil || status != 404 {
		t.Fatalf("the unpublished page answers %d (%v)", status, err)
	}
	visitor.do(chromedp.Navigate(publicURL))
	visitor.wantHeading("errorpage.not_found")
}
