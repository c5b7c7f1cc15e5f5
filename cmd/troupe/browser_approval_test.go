package main

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"troupe/internal/testkit"
	"troupe/internal/troupe"
)

// The approval box, the publish button that waits for approval and
// Home's "Waiting for my review" fit a phone in both languages; a
// reviewer's decision goes through the plain form.
func TestBrowserApprovalJourney(t *testing.T) {
	cat, browser, s := journey(t)
	alice, _ := s.signedIn(t, "alice@acme.com")
	ws := alice.do("POST", "/api/v1/workspaces", map[string]string{"name": "Acme Studio"}).want(t, 201).json(t)["id"].(string)
	alice.do("PATCH", "/api/v1/workspaces/"+ws, map[string]any{"approval": "required", "publishing": "allowed"}).want(t, 200)
	carla, carlaID := s.member(t, alice, ws, "carla@acme.com", "creator")
	_, ritaID := s.member(t, alice, ws, "rita-with-a-rather-long-address@acme.com", "viewer")
	message := "Please check the intro and the closing titles " + strings.Repeat("carefully-", 12)
	items := map[string]string{}
	for _, lang := range troupe.Locales {
		draft := idOf(t, carla.do("POST", "/api/v1/workspaces/"+ws+"/drafts", map[string]any{"name": "Launch script for the autumn campaign " + lang}).want(t, 201))
		video := idOf(t, carla.upload(ws, "videos", map[string]string{"name": "Teaser " + lang}, "a.mp4", strings.NewReader(string(mp4Head))).want(t, 201))
		for _, id := range []string{draft, video} {
			carla.do("PUT", "/api/v1/items/"+id+"/sharing", map[string]any{"general_access": "restricted",
				"shares": []map[string]string{{"user_id": ritaID, "level": "comment"}}}).want(t, 200)
		}
		carla.do("POST", "/api/v1/items/"+draft+"/approval", map[string]any{"reviewers": []string{ritaID}, "message": message}).want(t, 201)
		items[lang+"draft"], items[lang+"video"] = draft, video
	}
	_ = carlaID
	for _, lang := range troupe.Locales {
		t.Run(lang, func(t *testing.T) {
			base := "/w/" + ws
			draft := base + "/items/" + items[lang+"draft"]
			rita := &browserPage{t: t, ctx: testkit.NewBrowserContext(t, browser), s: s, cat: cat, lang: lang}
			rita.signIn("rita-with-a-rather-long-address@acme.com", base)
			rita.waitTrue("waiting for my review", `!!document.querySelector("[data-awaiting-review]")`)
			rita.check("approval-home")
			rita.do(chromedp.Navigate(s.url + draft))
			rita.waitTrue("the approval box", `!!document.querySelector("#approval [data-approve]")`)
			rita.check("approval-reviewer")
			rita.do(chromedp.SendKeys(chromedp.CSS("#f-approval-comment"), "Shorter intro, please"),
				chromedp.Click(chromedp.CSS("#approval [data-request-changes]")))
			rita.waitTrue("changes requested", `document.querySelector("#approval")?.dataset.approval === "changes_requested"`)

			requester := &browserPage{t: t, ctx: testkit.NewBrowserContext(t, browser), s: s, cat: cat, lang: lang}
			requester.signIn("carla@acme.com", draft)
			requester.waitTrue("the reviewer's comment", `!!document.querySelector("[data-reviewer-comment]")`)
			requester.eval(`(() => { document.querySelector(".approval-request").open = true; return true; })()`)
			requester.check("approval-requester")
			requester.do(chromedp.Navigate(s.url + base + "/items/" + items[lang+"video"]))
			requester.waitTrue("publish waits for approval", `!!document.querySelector("button[data-publish][disabled]")`)
			requester.check("approval-publish")
		})
	}
}
