package main

import (
	"bytes"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"troupe/internal/testkit"
)

// Journey 14 (point 7): small actions apply in place. A Super Admin
// changes Bob's role on the members page: the page stays (a value the
// page holds survives), a toast says "Bob Reed is now Creator." and its
// Undo puts the role back, said by a toast too. A refused change leaves
// the select as it was, with the reason in a toast. The content defaults
// of the workspace's settings save in place the same way, naming the
// setting changed, with an Undo.
func TestBrowserInPlaceJourney(t *testing.T) {
	cat, browser, s := journey(t)
	video := testkit.VideoBytes(t, 2)
	for _, lang := range []string{"en", "fr"} {
		t.Run(lang, func(t *testing.T) {
			T := func(key string, args ...any) string { return cat.T(lang, key, args...) }
			admin := "admin-" + lang + "@acme.com"
			bob := "bob-" + lang + "@acme.com"
			s.signupVerified(t, admin, "Maya Chen", "correct horse 1")
			api := s.login(t, admin)
			base := api.post("/workspaces", url.Values{"name": {"Acme Studio"}}, 303).where()
			ws := strings.TrimPrefix(base, "/w/")
			s.signupVerified(t, bob, "Bob Reed", "correct horse 1")
			res := api.do("POST", "/api/v1/workspaces/"+ws+"/invitations", map[string]any{"emails": []string{bob}, "role": "viewer"}).want(t, 200).json(t)
			if r := res["results"].([]any)[0].(map[string]any); r["result"] != "invited" {
				t.Fatalf("invite: %v", r)
			}
			link := s.mail.WaitFor(t, bob, 10*time.Second).Link(t, "/invitations/")
			s.login(t, bob).do("POST", "/api/v1/invitations/"+link[strings.LastIndex(link, "/")+1:]+"/accept", nil).want(t, 200)
			roleOf := func() string {
				for _, m := range api.do("GET", "/api/v1/workspaces/"+ws+"/members", nil).want(t, 200).json(t)["items"].([]any) {
					if m := m.(map[string]any); m["email"] == bob {
						return m["role"].(string)
					}
				}
				return ""
			}

			p := &browserPage{t: t, ctx: testkit.NewBrowserContext(t, browser), s: s, cat: cat, lang: lang}
			p.do(chromedp.EmulateViewport(1440, 900))
			p.signIn(admin, base+"/members")
			p.wantHeading("members.title")
			row := `.members-table tr[data-email="` + bob + `"]`
			p.eval(`window.stayed = "here"; true`)

			// Change the role: Save appears, applies in place.
			p.do(chromedp.SetValue(chromedp.CSS(row+" select[name=role]"), "creator"))
			p.eval(`(() => { document.querySelector(` + jsString(row+" select[name=role]") + `).dispatchEvent(new Event("change", {bubbles: true})); return true; })()`)
			p.do(chromedp.Click(chromedp.CSS(row + " .role-save")))
			p.waitText(".toast span", T("members.role_now", "name", "Bob Reed", "role", T("role.creator")))
			if got := roleOf(); got != "creator" {
				t.Fatalf("role %q after the change", got)
			}
			p.waitTrue("the page stayed, Save hidden again", `window.stayed === "here" && !document.querySelector(`+jsString(row+" .role-form")+`).classList.contains("dirty")`)
			for _, size := range screenSizes {
				p.do(chromedp.EmulateViewport(size.w, size.h))
				p.waitScript("layout at "+size.label, pageProblems)
				testkit.Screenshot(t, p.ctx, lang+"-role-toast-"+size.label)
			}
			p.do(chromedp.EmulateViewport(1440, 900))

			// Undo puts the role back.
			p.do(chromedp.Click(chromedp.CSS(".toast [data-undo]")))
			p.waitText(".toast span", T("members.role_now", "name", "Bob Reed", "role", T("role.viewer")))
			p.waitTrue("the select is back, the page stayed", `document.querySelector(`+jsString(row+" select[name=role]")+`).value === "viewer" && window.stayed === "here"`)
			if got := roleOf(); got != "viewer" {
				t.Fatalf("role %q after Undo", got)
			}

			// A refusal: Bob is no longer a member when the change is sent.
			api.do("DELETE", "/api/v1/workspaces/"+ws+"/members/"+bobUserID(t, api, ws, bob), nil).want(t, 204)
			p.eval(`document.querySelectorAll(".toast").forEach(t => t.remove()); true`)
			p.do(chromedp.SetValue(chromedp.CSS(row+" select[name=role]"), "developer"))
			p.eval(`(() => { document.querySelector(` + jsString(row+" select[name=role]") + `).dispatchEvent(new Event("change", {bubbles: true})); return true; })()`)
			p.do(chromedp.Click(chromedp.CSS(row + " .role-save")))
			p.waitTrue("an error toast, the select as it was", `(() => {
				const t = document.querySelector(".toast.toast-error");
				return !!t && t.textContent.trim() !== "" && document.querySelector(`+jsString(row+" select[name=role]")+`).value === "viewer" && window.stayed === "here";
			})()`)

			// The content defaults save in place, with an Undo.
			p.do(chromedp.Navigate(s.url + base + "/settings"))
			p.wantHeading("settings.title")
			p.eval(`window.stayed = "settings"; true`)
			p.do(chromedp.SetValue(chromedp.CSS("#f-downloads"), "off"),
				chromedp.Click(chromedp.CSS("#content-defaults button[type=submit]")))
			p.waitText(".toast span", T("settings.saved_changes", "changes", T("settings.downloads")+": "+T("settings.downloads.off")))
			downloads := func() any { return api.do("GET", "/api/v1/workspaces/"+ws, nil).want(t, 200).json(t)["downloads"] }
			if got := downloads(); got != "off" {
				t.Fatalf("downloads %v", got)
			}
			p.do(chromedp.Click(chromedp.CSS(".toast [data-undo]")))
			p.waitTrue("the setting is back, the page stayed", `document.querySelector("#f-downloads").value === "allowed" && window.stayed === "settings" && document.querySelector(".toast span") !== null`)
			p.waitText(".toast span", T("settings.saved_changes", "changes", T("settings.downloads")+": "+T("settings.downloads.allowed")))
			if got := downloads(); got != "allowed" {
				t.Fatalf("downloads %v after Undo", got)
			}

			// A video's downloads switch applies as it is clicked, again
			// and again, and Undo puts it back.
			id := idOf(t, api.upload(ws, "videos", map[string]string{"name": "Teaser"}, "clip.mp4", bytes.NewReader(video)).want(t, 201))
			allowed := func() any { return api.do("GET", "/api/v1/items/"+id, nil).want(t, 200).json(t)["allow_download"] }
			p.do(chromedp.Navigate(s.url + base + "/items/" + id))
			p.waitText("h1", "Teaser")
			p.eval(`window.stayed = "video"; true`)
			box := `form.download-form input[name=allowed]`
			if got := allowed(); got != true {
				t.Fatalf("a new video's allow_download is %v", got)
			}
			p.do(chromedp.Click(chromedp.CSS(box)))
			p.waitText(".toast:last-child span", T("flash.video_downloads_off_named", "name", "Teaser"))
			p.do(chromedp.Click(chromedp.CSS(box)))
			p.waitText(".toast:last-child span", T("flash.video_downloads_on_named", "name", "Teaser"))
			if got := allowed(); got != true {
				t.Fatalf("allow_download %v", got)
			}
			// Only the newest toast stays, so the next one is Undo's.
			p.eval(`(() => { const all = document.querySelectorAll(".toast"); all.forEach((t, i) => { if (i < all.length - 1) t.remove(); }); return true; })()`)
			p.do(chromedp.Click(chromedp.CSS(".toast:last-child [data-undo]")))
			p.waitTrue("the switch is back off, the page stayed", `!document.querySelector(`+jsString(box)+`).checked && window.stayed === "video"`)
			p.waitText(".toast:last-child span", T("flash.video_downloads_off_named", "name", "Teaser"))
			if got := allowed(); got != false {
				t.Fatalf("allow_download %v after Undo", got)
			}
		})
	}
}

// bobUserID finds the user id of the member with the address email.
func bobUserID(t *testing.T, api *apiClient, ws, email string) string {
	t.Helper()
	for _, m := range api.do("GET", "/api/v1/workspaces/"+ws+"/members", nil).want(t, 200).json(t)["items"].([]any) {
		if m := m.(map[string]any); m["email"] == email {
			return m["user"].(map[string]any)["id"].(string)
		}
	}
	t.Fatalf("%s is not a member", email)
	return ""
}
