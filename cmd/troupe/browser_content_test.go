package main

import (
	"context"
	"net/url"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"

	"troupe/internal/testkit"
)

// waitTrue polls until the script returns true (the page may still be
// loading, or a request still running).
func (p *browserPage) waitTrue(what, script string) {
	p.t.Helper()
	p.waitWithin(10*time.Second, what, script)
}

// waitWithin polls as waitTrue does, for as long as given: for work in
// the background, such as processing a video, on a busy machine.
func (p *browserPage) waitWithin(d time.Duration, what, script string) {
	p.t.Helper()
	deadline := time.Now().Add(d)
	for {
		ok, err := chromedp.Run(p.ctx, chromedp.Evaluate[bool](script))
		if err == nil && ok {
			return
		}
		if time.Now().After(deadline) {
			loc, _ := chromedp.Run(p.ctx, chromedp.Location())
			p.t.Fatalf("waiting for %s at %s: %v", what, loc, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// openNew opens the top bar's New menu and picks the entry that makes kind.
func (p *browserPage) openNew(kind, field string) {
	p.t.Helper()
	p.do(
		chromedp.Click(chromedp.CSS("details.new-menu > summary")),
		chromedp.Click(chromedp.CSS(`details.new-menu a[href*="kind=`+kind+`"]`)),
		chromedp.WaitVisible(chromedp.CSS("#page-dialog "+field)),
	)
}

// Journey: a Creator makes a folder and a draft inside it, shares the
// folder with a Viewer at edit through the Share dialog; the Viewer opens
// the draft read-only (and the API refuses their edit); the Creator opens
// the folder to everyone in the workspace at view, and a third member
// then sees it. On the way, a video is uploaded with the progress bar.
func TestBrowserContentSharingJourney(t *testing.T) {
	cat, browser, s := journey(t)
	const lang = "en"
	T := func(key string, args ...any) string { return cat.T(lang, key, args...) }

	admin, _ := s.signedIn(t, "admin@acme.com")
	base := admin.post("/workspaces", url.Values{"name": {"Acme Studio"}}, 303).where()
	ws := strings.TrimPrefix(base, "/w/")
	s.member(t, admin, ws, "carla@acme.com", "creator")
	vera, _ := s.member(t, admin, ws, "vera@acme.com", "viewer")
	dan, _ := s.member(t, admin, ws, "dan@acme.com", "creator")

	carla := &browserPage{t: t, ctx: browser, s: s, cat: cat, lang: lang}
	carla.signIn("carla@acme.com", base)
	carla.wantHeading("home.welcome", "name", "carla")
	carla.waitText("[data-empty] h2", T("content.home_empty"))
	carla.check("content-home-empty")

	// A folder from the New menu's dialog.
	carla.openNew("folder", "#f-new-name")
	carla.check("new-folder-dialog")
	carla.do(
		chromedp.SendKeys(chromedp.CSS("#f-new-name"), "Q3 Launch"),
		chromedp.Click(chromedp.CSS("#page-dialog button[type=submit]")),
	)
	carla.waitText(`li[data-item="Q3 Launch"] a.content-name`, "Q3 Launch")
	carla.waitText(".toast", T("flash.folder_created"))
	carla.check("content-home")
	carla.do(chromedp.Click(chromedp.CSS(`li[data-item="Q3 Launch"] a.content-name`)))
	carla.waitText("h1", "Q3 Launch")

	// A draft inside it; a broken JSON document is caught before sending.
	carla.openNew("draft", "#f-new-name")
	carla.do(
		chromedp.SendKeys(chromedp.CSS("#f-new-name"), "Intro"),
		chromedp.Click(chromedp.CSS("#page-dialog button[type=submit]")),
	)
	carla.waitText("h1", "Intro")
	draftURL, err := chromedp.Run(carla.ctx, chromedp.Location())
	if err != nil {
		t.Fatal(err)
	}
	draft := draftURL[strings.LastIndex(draftURL, "/")+1:]
	carla.do(
		chromedp.SendKeys(chromedp.CSS("#f-script"), "Hello, team."),
		chromedp.SetValue(chromedp.CSS("#f-document"), `{"scenes": [`),
		chromedp.Click(chromedp.CSS("form[data-draft] button[type=submit]")),
	)
	carla.waitText("#f-document-error", T("fielderr.document.invalid_json"))
	carla.do(
		chromedp.SetValue(chromedp.CSS("#f-document"), `{"scenes": []}`),
		// Leaving the field clears its message (and moves the button up).
		chromedp.Blur(chromedp.CSS("#f-document")),
		chromedp.WaitNotPresent(chromedp.CSS("#f-document-error")),
		chromedp.Click(chromedp.CSS("form[data-draft] button[type=submit]")),
	)
	carla.waitText(".toast", T("flash.item_saved"))
	carla.waitText("#f-script", "Hello, team.")
	carla.check("draft-editor")

	// Back in the folder, the Share dialog: Vera at edit.
	carla.do(chromedp.Click(chromedp.CSS("nav.crumbs li:last-child a")))
	carla.waitText("h1", "Q3 Launch")
	folderURL, _ := chromedp.Run(carla.ctx, chromedp.Location())
	folder := folderURL[strings.LastIndex(folderURL, "/")+1:]
	carla.do(
		chromedp.Click(chromedp.CSS("#share-button")),
		chromedp.WaitVisible(chromedp.CSS("#page-dialog #f-share-add")),
	)
	carla.waitText("#page-dialog #f-share-general option:checked", T("share.only_me"))
	carla.do(
		chromedp.SetValue(chromedp.CSS("#page-dialog [data-add-level]"), "edit"),
		chromedp.SendKeys(chromedp.CSS("#page-dialog #f-share-add"), "vera"),
		chromedp.WaitVisible(chromedp.CSS(`#share-suggest [role=option]`)),
	)
	carla.check("share-dialog-suggestions")
	carla.do(chromedp.Click(chromedp.CSS(`#share-suggest [role=option]`)))
	carla.waitTrue("Vera listed at edit", `(() => { const r = document.querySelector('#page-dialog [data-email="vera@acme.com"] select'); return !!r && r.value === "edit"; })()`)
	carla.waitText("#page-dialog #f-share-general option:checked", T("share.selected"))
	carla.check("share-dialog")
	carla.do(chromedp.Click(chromedp.CSS("#page-dialog [data-save]")))
	carla.waitText(".toast", T("flash.sharing_saved"))
	carla.waitTrue("the dialog closed and focus came back", `!document.getElementById("page-dialog").open && document.activeElement && document.activeElement.id === "share-button"`)
	sharing := admin.do("GET", "/api/v1/items/"+folder+"/sharing", nil).want(t, 200).json(t)
	if shares := sharing["shares"].([]any); len(shares) != 1 || shares[0].(map[string]any)["level"] != "edit" {
		t.Fatalf("sharing after the dialog: %v", sharing)
	}

	// Vera, in her own browser, opens the draft: read-only.
	verab := &browserPage{t: t, ctx: testkit.NewBrowserContext(t, browser), s: s, cat: cat, lang: lang}
	verab.signIn("vera@acme.com", base+"/items/"+draft)
	verab.waitText("h1", "Intro")
	verab.waitText("[data-read-only]", T("item.read_only_draft"))
	verab.waitTrue("no edit controls", `!document.querySelector("main textarea:not([data-mention]), main form[data-draft], #share-button, details.new-menu") && document.querySelector("pre.script-view").textContent === "Hello, team."`)
	verab.check("draft-read-only")
	vera.do("PATCH", "/api/v1/items/"+draft, map[string]any{"name": "Mine"}).want(t, 403, "forbidden")
	verab.do(chromedp.Navigate(s.url + base + "/shared"))
	verab.waitText(`li[data-item="Q3 Launch"] a.content-name`, "Q3 Launch")
	verab.check("shared-with-me")

	// Dan sees nothing until the folder is open to the workspace.
	dan.do("GET", "/api/v1/items/"+folder, nil).want(t, 404, "not_found")
	carla.do(
		chromedp.Click(chromedp.CSS("#share-button")),
		chromedp.WaitVisible(chromedp.CSS("#page-dialog #f-share-general")),
		chromedp.SetValue(chromedp.CSS("#page-dialog #f-share-general"), "workspace"),
	)
	carla.eval(`(() => { document.querySelector("#page-dialog #f-share-general").dispatchEvent(new Event("change", {bubbles: true})); return true; })()`)
	carla.waitTrue("the level select shows", `!document.querySelector("#page-dialog #f-share-level").hidden`)
	carla.do(
		chromedp.SetValue(chromedp.CSS("#page-dialog #f-share-level"), "view"),
		chromedp.Click(chromedp.CSS("#page-dialog [data-save]")),
	)
	carla.waitTrue("the dialog closed", `!document.getElementById("page-dialog").open`)
	danb := &browserPage{t: t, ctx: testkit.NewBrowserContext(t, browser), s: s, cat: cat, lang: lang}
	danb.signIn("dan@acme.com", base)
	danb.waitText(`li[data-item="Q3 Launch"] a.content-name`, "Q3 Launch")
	danb.do(chromedp.Click(chromedp.CSS(`li[data-item="Q3 Launch"] a.content-name`)))
	danb.waitText(`li[data-item="Intro"] a.content-name`, "Intro")
	danb.do(chromedp.Click(chromedp.CSS(`li[data-item="Intro"] a.content-name`)))
	danb.waitText("[data-read-only]", T("item.read_only_draft"))
	danb.do(chromedp.Navigate(s.url + base + "/items/" + draft + "/access"))
	danb.waitText("#h-mine", T("access.yours", "level", T("level.view")))
	danb.check("who-has-access")

	// Carla uploads a video into the folder: the progress bar runs.
	video := filepath.Join(t.TempDir(), "teaser.mp4")
	if out, err := exec.Command("ffmpeg", "-v", "error", "-f", "lavfi", "-i", "testsrc=duration=1:size=160x120:rate=10",
		"-pix_fmt", "yuv420p", video).CombinedOutput(); err != nil {
		t.Fatalf("ffmpeg: %v: %s", err, out)
	}
	carla.openNew("video", "#f-up-file")
	carla.check("upload-dialog")
	// Keep what the progress bar said, across the page change that follows.
	carla.eval(`(() => { const send = XMLHttpRequest.prototype.send; XMLHttpRequest.prototype.send = function (b) {
		this.upload.addEventListener("progress", () => { const row = document.querySelector("#page-dialog .upload-row"); if (row) sessionStorage.setItem("progress", row.querySelector("progress").value + "|" + row.querySelector(".upload-status").textContent); });
		return send.call(this, b); }; return true; })()`)
	carla.do(
		chromedp.SendKeys(chromedp.CSS("#f-up-name"), "Teaser"),
		chromedp.SetUploadFiles(chromedp.CSS("#f-up-file"), []string{video}),
		chromedp.Click(chromedp.CSS("#page-dialog button[type=submit]")),
	)
	carla.waitText("h1", "Teaser")
	carla.waitText(".toast", T("flash.uploaded"))
	seen, err := chromedp.Run(carla.ctx, chromedp.Evaluate[string](`sessionStorage.getItem("progress") || ""`))
	if err != nil || !strings.HasPrefix(seen, "100|"+T("upload.finishing")) {
		t.Fatalf("progress bar read %q (%v)", seen, err)
	}
	carla.waitTrue("the player", `!!document.querySelector("video[controls]") && [...document.querySelectorAll("video source")].some(s => s.getAttribute("src").endsWith("/media"))`)
	carla.check("video")

	// An avatar that is not an image is refused, in words.
	carla.openNew("avatar", "#f-up-file")
	carla.do(
		chromedp.SetUploadFiles(chromedp.CSS("#f-up-file"), []string{video}),
		chromedp.Click(chromedp.CSS("#page-dialog button[type=submit]")),
	)
	carla.waitText("#page-dialog [data-upload-error]", T("error.unsupported_media_type"))
	carla.do(chromedp.KeyEvent("\x1b"))
	carla.waitTrue("Escape closed the dialog", `!document.getElementById("page-dialog").open`)

	// Recent, search and trash.
	carla.do(chromedp.Navigate(s.url + base + "/recent"))
	carla.waitText(`li[data-item="Teaser"] a.content-name`, "Teaser")
	carla.check("recent")
	carla.do(chromedp.Navigate(s.url + base + "/recent?view=grid"))
	carla.waitText(`ul.content-grid li[data-item="Teaser"] a.content-name`, "Teaser")
	carla.check("recent-grid")
	carla.do(chromedp.Navigate(s.url + base + "/recent?view=list"))
	// The dark theme, from the same custom properties.
	carla.do(darkTheme(true), chromedp.Navigate(s.url+base+"/items/"+draft))
	carla.waitText("h1", "Intro")
	carla.check("draft-editor-dark")
	carla.do(darkTheme(false))
	carla.do(chromedp.Navigate(s.url + base + "/search?q=intro"))
	carla.waitText(`li[data-item="Intro"] a.content-name`, "Intro")
	carla.check("search")
	carla.do(chromedp.Navigate(s.url + base + "/trash"))
	carla.waitText("[data-empty] h2", T("content.trash_empty"))
	carla.check("trash-empty")
}

// darkTheme makes the tab prefer a dark colour scheme, or no longer.
func darkTheme(on bool) chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		p := emulation.SetEmulatedMediaParams{}
		if on {
			p.Features = []*emulation.MediaFeature{{Name: "prefers-color-scheme", Value: "dark"}}
		}
		_, err := cdp.Call(ctx, t, emulation.SetEmulatedMedia, p)
		return err
	})
}
