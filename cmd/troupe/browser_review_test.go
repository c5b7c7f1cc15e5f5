package main

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"troupe/internal/testkit"
)

// The review loop, each side in a browser of its own: in a workspace
// that asks for approval before publishing, a Creator asks a Viewer to
// approve a video; the Viewer comments at 0:03 (the marker appears on
// the Creator's timeline without reloading) and requests changes; the
// Creator replies, resolves the thread and asks again; the Viewer
// approves, and the Creator publishes. Until then, the publish button is
// disabled and says why.
func TestBrowserReviewLoopJourney(t *testing.T) {
	cat, browser, s := journey(t)
	const lang = "en"
	T := func(key string, args ...any) string { return cat.T(lang, key, args...) }

	admin, _ := s.signedIn(t, "admin@acme.com")
	ws := admin.do("POST", "/api/v1/workspaces", map[string]string{"name": "Acme Studio"}).want(t, 201).json(t)["id"].(string)
	admin.do("PATCH", "/api/v1/workspaces/"+ws, map[string]any{"approval": "required", "publishing": "allowed"}).want(t, 200)
	carlaAPI, _ := s.member(t, admin, ws, "carla@acme.com", "creator")
	_, veraID := s.member(t, admin, ws, "vera@acme.com", "viewer")
	id := idOf(t, carlaAPI.upload(ws, "videos", map[string]string{"name": "Launch teaser"}, "teaser.mp4", bytes.NewReader(testkit.VideoBytes(t, 10))).want(t, 201))
	carlaAPI.do("PUT", "/api/v1/items/"+id+"/sharing", map[string]any{"general_access": "restricted",
		"shares": []map[string]string{{"user_id": veraID, "level": "comment"}}}).want(t, 200)
	item := "/w/" + ws + "/items/" + id

	videoLoaded := `(() => { const v = document.querySelector(".media-card video"); return !!v && v.readyState >= 1 && v.duration > 9; })()`
	status := func(want string) string {
		return `(() => { const b = document.querySelector("#approval"); return !!b && b.dataset.approval === ` + jsString(want) + ` && b.querySelector("[data-approval-status]").textContent.trim() === ` + jsString(T("approval.status."+want)) + `; })()`
	}
	decision := func(want string) string {
		return `(() => { const d = document.querySelector('#approval [data-reviewer="vera"] [data-decision]'); return !!d && d.dataset.decision === ` + jsString(want) + `; })()`
	}
	gated := `(() => {
		const b = document.querySelector("#share button[data-publish]"), why = document.querySelector("#share [data-publish-why]");
		return !!b && b.disabled && !!why && b.getAttribute("aria-describedby") === why.id && why.textContent.trim() === ` + jsString(T("approval.publish_needed")) + `;
	})()`
	// askVera picks the Viewer in the approval box's request form and sends it.
	askVera := func(p *browserPage, message string) {
		p.t.Helper()
		p.eval(`(() => { const d = document.querySelector("#approval details.approval-request"); d.open = true; return true; })()`)
		p.eval(`(() => {
			const box = Array.from(document.querySelectorAll("#approval .reviewer-picker label.checkbox")).find(l => l.textContent.includes("vera@acme.com"));
			if (!box) return false;
			const input = box.querySelector("input[type=checkbox]");
			if (!input.checked) input.click();
			return input.checked;
		})()`)
		p.do(chromedp.SendKeys(chromedp.CSS("#f-approval-message"), message),
			chromedp.Click(chromedp.CSS("#approval [data-request-approval]")))
		p.waitText(".toast", T("flash.approval_requested"))
		p.waitTrue("the request is pending", status("pending"))
		p.waitTrue("Vera has not decided yet", decision("none"))
	}

	// The Creator's page: not requested yet, publishing waits for approval.
	carla := &browserPage{t: t, ctx: browser, s: s, cat: cat, lang: lang}
	carla.do(chromedp.EmulateViewport(1440, 900))
	carla.signIn("carla@acme.com", item)
	carla.waitText("h1", "Launch teaser")
	carla.waitTrue("no approval requested yet", status("none"))
	carla.waitTrue("publishing waits for approval, and says so", gated)
	carla.check("review-gate")

	// The Creator asks the Viewer.
	carla.do(chromedp.EmulateViewport(1440, 900))
	askVera(carla, "Ready for your eyes")
	carla.waitTrue("still gated while pending", gated)
	carla.waitWithin(30*time.Second, "the video is loaded", videoLoaded)
	carla.eval(`window.stayed = "here"; true`)

	// The Viewer, in a browser of their own, is asked to review.
	vera := &browserPage{t: t, ctx: testkit.NewBrowserContext(t, browser), s: s, cat: cat, lang: lang}
	vera.do(chromedp.EmulateViewport(1440, 900))
	vera.signIn("vera@acme.com", item)
	vera.waitText("h1", "Launch teaser")
	vera.waitTrue("the review is asked of the Viewer", status("pending")+` && !!document.querySelector("#approval [data-approve]") && !!document.querySelector("#approval [data-request-changes]")`)
	vera.waitText("#approval [data-approval-message]", "Ready for your eyes")
	vera.check("review-asked")

	// The Viewer comments at 0:03.
	vera.do(chromedp.EmulateViewport(1440, 900))
	vera.waitWithin(30*time.Second, "the video is loaded", videoLoaded)
	vera.eval(`(() => { const v = document.querySelector(".media-card video"); v.muted = true; v.pause(); v.currentTime = 3; return true; })()`)
	vera.waitTrue("seeked to 0:03", `(() => { const v = document.querySelector(".media-card video"); return !v.seeking && Math.abs(v.currentTime - 3) < 0.01; })()`)
	vera.waitText("[data-comment-at]", T("comment.at_button", "time", "0:03"))
	vera.do(chromedp.Click(chromedp.CSS("[data-comment-at]")))
	vera.waitTrue("the time is taken", `document.querySelector("#f-comment-at").value === "0:03"`)
	vera.do(chromedp.SendKeys(chromedp.CSS("#f-comment-body"), "The logo comes in too late here."),
		chromedp.Click(chromedp.CSS("[data-new-comment] button[type=submit]")))
	vera.waitTrue("the comment is listed at 0:03", `(() => {
		const c = document.querySelector("[data-comment-list] [data-comment]");
		return !!c && c.textContent.includes("The logo comes in too late here.") && c.dataset.atMs === "3000" && c.querySelector(".comment-time").textContent.trim() === "0:03";
	})()`)
	thread, err := chromedp.Run(vera.ctx, chromedp.Evaluate[string](`document.querySelector("[data-comment-list] [data-comment]").id`))
	if err != nil || !strings.HasPrefix(thread, "c-") {
		t.Fatalf("thread id %q (%v)", thread, err)
	}

	// The Creator sees the comment and its marker without reloading.
	carla.waitWithin(10*time.Second, "the comment arrives live", `(() => { const c = document.querySelector("#`+thread+`"); return !!c && c.textContent.includes("The logo comes in too late here."); })()`)
	carla.waitScript("a marker at 0:03 on the Creator's timeline", `(() => {
		const m = document.querySelector('[data-comment-markers] .comment-marker[data-marker="`+thread+`"]');
		if (!m) return "no marker";
		const bar = m.parentElement.getBoundingClientRect(), r = m.getBoundingClientRect();
		const at = (r.left + r.width / 2 - bar.left) / bar.width;
		if (Math.abs(at - 0.3) > 0.05) return "marker at " + at;
		return m.getAttribute("aria-label").includes("0:03") ? "" : "label " + m.getAttribute("aria-label");
	})()`)
	carla.eval(`window.stayed === "here"`)
	carla.check("review-comment-live")

	// The Viewer requests changes.
	vera.do(chromedp.SendKeys(chromedp.CSS("#f-approval-comment"), "See my comment at 0:03."),
		chromedp.Click(chromedp.CSS("#approval [data-request-changes]")))
	vera.waitText(".toast", T("flash.approval_decided"))
	vera.waitTrue("changes requested", status("changes_requested")+` && `+decision("request_changes"))
	vera.check("review-changes-requested")

	// The Creator finds it on the page, replies and resolves the thread,
	// once the list was fetched again as the live stream started (it is
	// replaced then).
	carla.do(chromedp.Navigate(s.url + item))
	carla.waitTrue("the list is live", `document.querySelector("[data-comments]").dataset.synced === "1"`)
	carla.waitTrue("changes requested", status("changes_requested")+` && `+decision("request_changes"))
	carla.waitText(`#approval [data-reviewer="vera"] [data-reviewer-comment]`, "See my comment at 0:03.")
	carla.waitTrue("still gated", gated)
	carla.do(chromedp.Click(chromedp.CSS("#"+thread+" .comment-reply-form summary")),
		chromedp.SendKeys(chromedp.CSS("#"+thread+" .comment-reply-form textarea"), "Moved it to 0:01."),
		chromedp.Click(chromedp.CSS("#"+thread+" .comment-reply-form button[type=submit]")))
	carla.waitTrue("the reply is listed", `(() => { const r = document.querySelector("#`+thread+` .comment-replies"); return !!r && r.textContent.includes("Moved it to 0:01."); })()`)
	vera.waitWithin(20*time.Second, "the reply arrives live", `(() => { const r = document.querySelector("#`+thread+` .comment-replies"); return !!r && r.textContent.includes("Moved it to 0:01."); })()`)
	carla.do(chromedp.Click(chromedp.CSS("#" + thread + ` > .comment .comment-actions form[action$="/resolve"] button`)))
	carla.waitText(".toast", T("flash.comment_resolved"))
	carla.waitTrue("the thread is resolved", `(() => { const c = document.querySelector("#`+thread+`"); return !c || c.classList.contains("resolved"); })()`)
	vera.waitWithin(20*time.Second, "the thread is resolved on the Viewer's side", `(() => { const c = document.querySelector("#`+thread+`"); return !c || c.classList.contains("resolved"); })()`)

	// The Creator asks again.
	askVera(carla, "Fixed, please look again")
	carla.waitTrue("still gated", gated)
	carla.check("review-asked-again")

	// The Viewer approves.
	vera.do(chromedp.Navigate(s.url + item))
	vera.waitTrue("pending again", status("pending")+` && `+decision("none"))
	vera.waitText("#approval [data-approval-message]", "Fixed, please look again")
	vera.do(chromedp.Click(chromedp.CSS("#approval [data-approve]")))
	vera.waitText(".toast", T("flash.approval_decided"))
	vera.waitTrue("approved", status("approved")+` && `+decision("approve"))
	vera.check("review-approved")

	// The Creator publishes.
	carla.do(chromedp.Navigate(s.url + item))
	carla.waitTrue("approved", status("approved")+` && `+decision("approve"))
	carla.waitTrue("the publish button is enabled", `(() => { const b = document.querySelector("#share button[data-publish]"); return !!b && !b.disabled && b.type === "submit" && !document.querySelector("#share [data-publish-why]"); })()`)
	carla.do(chromedp.Click(chromedp.CSS("#share button[data-publish]")))
	carla.waitText(".toast", T("flash.video_published"))
	carla.waitText("#share [data-published]", T("video.published"))
	publicURL, err := chromedp.Run(carla.ctx, chromedp.Evaluate[string](`document.querySelector("#f-public-url").value`))
	if err != nil || !strings.HasPrefix(publicURL, s.url+"/v/") {
		t.Fatalf("public URL %q (%v)", publicURL, err)
	}
	carla.check("review-published")
}
