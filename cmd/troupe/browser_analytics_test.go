package main

import (
	"bytes"
	"net/url"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"troupe/internal/testkit"
)

// Journey: a Super Admin publishes a video; a visitor with no account
// plays it on the share page for a few seconds and pauses; the Super
// Admin opens the video's Analytics tab and finds the view counted, on
// the link too.
func TestBrowserAnalyticsJourney(t *testing.T) {
	cat, browser, s := journey(t)
	const lang = "en"

	admin, _ := s.signedIn(t, "admin@acme.com")
	base := admin.post("/workspaces", url.Values{"name": {"Acme Studio"}}, 303).where()
	ws := strings.TrimPrefix(base, "/w/")
	id := idOf(t, admin.upload(ws, "videos", map[string]string{"name": "Launch teaser"}, "clip.mp4", bytes.NewReader(testkit.VideoBytes(t, 6))).want(t, 201))
	pub := admin.do("POST", "/api/v1/videos/"+id+"/publish", nil).want(t, 200).json(t)
	publicURL := pub["url"].(string)

	visitor := &browserPage{t: t, ctx: testkit.NewBrowserContext(t, browser), s: s, cat: cat, lang: lang}
	visitor.do(testkit.SetLanguage(lang), chromedp.Navigate(publicURL))
	visitor.waitText("h1", "Launch teaser")
	visitor.waitTrue("the beacon script is on", `document.querySelector("video").dataset.beaconOn === "1"`)
	visitor.eval(`(() => { const v = document.querySelector("video"); v.muted = true; v.play(); return true; })()`)
	visitor.waitTrue("the video played past 3.5 s", `document.querySelector("video").currentTime > 3.5`)
	visitor.eval(`(() => { document.querySelector("video").pause(); return true; })()`)

	owner := &browserPage{t: t, ctx: browser, s: s, cat: cat, lang: lang}
	owner.signIn("admin@acme.com", base+"/items/"+id)
	owner.waitText("h1", "Launch teaser")
	// The beacon may still be on its way: the page is read again until
	// the view shows.
	owner.waitTrue("the view is counted", `(() => {
		const x = new XMLHttpRequest();
		x.open("GET", location.pathname, false);
		x.send();
		return /data-stat-views>1</.test(x.responseText);
	})()`)
	owner.do(chromedp.Reload())
	owner.waitText("h1", "Launch teaser")
	owner.do(chromedp.Click(chromedp.CSS("#tab-analytics")))
	owner.waitTrue("the Analytics tab is open", `document.querySelector("#tab-analytics").getAttribute("aria-selected") === "true" && !document.querySelector("#analytics").hidden && document.querySelector("#share").hidden`)
	owner.waitText("[data-stat-views]", "1")
	owner.waitTrue("the charts are drawn", `document.querySelectorAll("[data-views-chart] rect.chart-bar").length === 30 && document.querySelector("[data-retention-chart] polyline") !== null`)
	owner.waitTrue("the link counts the view", `document.querySelector("[data-views-by-link] tbody td.num").textContent.trim() === "1"`)
	owner.check("video-page-analytics")

	links := admin.do("GET", "/api/v1/videos/"+id+"/analytics", nil).want(t, 200).json(t)
	if links["views"] != 1.0 || len(links["retention"].([]any)) != 101 {
		t.Fatalf("analytics: %v", links)
	}
}
