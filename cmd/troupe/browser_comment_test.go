package main

import (
	"bytes"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"troupe/internal/testkit"
)

// Comments on a video: its owner seeks to 0:03, presses "Comment at
// 0:03" (which pauses the player and takes the time), mentions a
// colleague through the autocomplete (arrows and Enter) and posts; a
// marker appears on the timeline at that time, and the colleague, whose
// page is open in another browser, sees the comment appear without
// reloading. The page has no horizontal scrollbar on a phone.
func TestBrowserCommentJourney(t *testing.T) {
	cat, browser, s := journey(t)
	const lang = "en"
	admin, _ := s.signedIn(t, "admin@acme.com")
	ws := admin.do("POST", "/api/v1/workspaces", map[string]string{"name": "Acme"}).want(t, 201).json(t)["id"].(string)
	_, boID := s.member(t, admin, ws, "bo@acme.com", "creator")
	id := idOf(t, admin.upload(ws, "videos", map[string]string{"name": "Launch teaser"}, "clip.mp4", bytes.NewReader(testkit.VideoBytes(t, 10))).want(t, 201))
	admin.do("PUT", "/api/v1/items/"+id+"/sharing", map[string]any{"general_access": "restricted",
		"shares": []map[string]string{{"user_id": boID, "level": "comment"}}}).want(t, 200)
	item := "/w/" + ws + "/items/" + id

	// The colleague's page, open first.
	other := &browserPage{t: t, ctx: testkit.Browser(t), s: s, cat: cat, lang: lang}
	other.signIn("bo@acme.com", item)
	other.waitTrue("the colleague's page", `!!document.querySelector("[data-comments]")`)
	other.eval(`window.stayed = "here"; true`)

	p := &browserPage{t: t, ctx: browser, s: s, cat: cat, lang: lang}
	p.do(chromedp.EmulateViewport(1440, 900))
	p.signIn("admin@acme.com", item)
	p.waitWithin(30*time.Second, "the video is loaded", `(() => { const v = document.querySelector(".media-card video"); return !!v && v.readyState >= 1 && v.duration > 9; })()`)
	p.waitScript("the panel beside the player", `(() => {
		const v = document.querySelector(".media-card").getBoundingClientRect(), c = document.querySelector("[data-comments]").getBoundingClientRect();
		return v.right <= c.left ? "" : "player ends at " + v.right + ", comments start at " + c.left;
	})()`)

	// Comment at 0:03.
	p.eval(`(() => { const v = document.querySelector(".media-card video"); v.muted = true; v.currentTime = 3; v.play(); return true; })()`)
	p.waitTrue("the button says the time", `/0:0[3-9]/.test(document.querySelector("[data-comment-at]").textContent)`)
	p.eval(`(() => { const v = document.querySelector(".media-card video"); v.pause(); v.currentTime = 3; return true; })()`)
	p.waitTrue("seeked", `document.querySelector("[data-comment-at]").textContent.includes("0:03")`)
	p.do(chromedp.Click(chromedp.CSS("[data-comment-at]")))
	p.waitTrue("the time is taken and the player paused", `document.querySelector("#f-comment-at").value === "0:03" && document.querySelector(".media-card video").paused`)

	// A mention, completed from the members.
	p.do(chromedp.SendKeys(chromedp.CSS("#f-comment-body"), "Cut here, @b"))
	p.waitTrue("the members are offered", `(() => { const l = document.querySelector(".mention-list"); return !!l && !l.hidden && l.textContent.includes("bo@acme.com"); })()`)
	p.waitScript("the list is labelled and navigable", `(() => {
		const a = document.querySelector("#f-comment-body"), l = document.querySelector(".mention-list");
		if (a.getAttribute("aria-expanded") !== "true" || a.getAttribute("aria-controls") !== l.id) return "combobox not wired";
		if (!l.getAttribute("aria-label")) return "list without a label";
		return l.querySelector("[role=option][aria-selected=true]") ? "" : "no option selected";
	})()`)
	// Arrow down wraps round the one option; Enter takes it.
	p.do(chromedp.KeyEvent(kb.ArrowDown), chromedp.KeyEvent(kb.Enter))
	p.waitScript("the address is written", `(() => { const v = document.querySelector("#f-comment-body").value; return v === "Cut here, @bo@acme.com " ? "" : JSON.stringify(v); })()`)
	p.do(chromedp.SendKeys(chromedp.CSS("#f-comment-body"), "what do you think?"))
	p.do(chromedp.Click(chromedp.CSS("[data-new-comment] button[type=submit]")))

	p.waitTrue("the comment is listed", `(() => { const c = document.querySelector("[data-comment-list] [data-comment]"); return !!c && c.textContent.includes("what do you think?") && c.textContent.includes("@bo"); })()`)
	p.waitScript("a marker at 0:03", `(() => {
		const m = document.querySelector("[data-comment-markers] .comment-marker");
		if (!m) return "no marker";
		const bar = m.parentElement.getBoundingClientRect(), r = m.getBoundingClientRect();
		const at = (r.left + r.width / 2 - bar.left) / bar.width;
		if (Math.abs(at - 0.3) > 0.05) return "marker at " + at;
		return m.getAttribute("aria-label").includes("0:03") ? "" : "label " + m.getAttribute("aria-label");
	})()`)
	// Hovering shows the comment; a click seeks there, once the player
	// knows the video's length (a loaded test run can take a while).
	p.waitWithin(30*time.Second, "the video is loaded", `document.querySelector(".media-card video").readyState >= 1`)
	p.eval(`(() => { document.querySelector(".media-card video").currentTime = 8; return true; })()`)
	p.do(chromedp.Click(chromedp.CSS("[data-comment-markers] .comment-marker")))
	p.waitTrue("the marker seeks", `Math.abs(document.querySelector(".media-card video").currentTime - 3) < 0.5`)
	p.waitTrue("the comment at the time is marked", `!!document.querySelector("[data-comment-list] [data-comment].current")`)

	// The colleague sees it without reloading.
	other.waitWithin(15*time.Second, "the comment arrives live", `(() => { const c = document.querySelector("[data-comment-list] [data-comment]"); return !!c && c.textContent.includes("what do you think?"); })()`)
	other.eval(`window.stayed === "here"`)
	other.waitTrue("a marker on the colleague's timeline too", `(() => { const v = document.querySelector(".media-card video"); return !(v && v.readyState >= 1) || !!document.querySelector("[data-comment-markers] .comment-marker"); })()`)

	// The colleague replies; the owner sees the reply live.
	other.do(chromedp.Click(chromedp.CSS(".comment-reply-form summary")))
	other.do(chromedp.SendKeys(chromedp.CSS(".comment-reply-form textarea"), "Agreed."))
	other.do(chromedp.Click(chromedp.CSS(".comment-reply-form button[type=submit]")))
	p.waitWithin(15*time.Second, "the reply arrives live", `(() => { const r = document.querySelector(".comment-replies"); return !!r && r.textContent.includes("Agreed."); })()`)

	p.check("comments")
	other.check("comments-colleague")
}
