package main

import (
	"bytes"
	"fmt"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"troupe/internal/testkit"
)

// pageProblems is a script listing what is wrong with the page's layout
// at the current size: a horizontal scrollbar, an image without
// alternative text, a field without a label.
const pageProblems = `(() => {
	const problems = [];
	if (document.documentElement.scrollWidth > window.innerWidth) problems.push("horizontal scrollbar (" + document.documentElement.scrollWidth + "px wide)");
	document.querySelectorAll("img:not([alt])").forEach(i => problems.push("image without alt: " + i.src));
	document.querySelectorAll("input:not([type=hidden]), select, textarea").forEach(el => {
		if (!(el.labels && el.labels.length) && !el.getAttribute("aria-label") && !el.getAttribute("aria-labelledby")) problems.push("field without label: " + (el.name || el.id));
	});
	return problems.join("; ");
})()`

// cueRow selects the n-th row (from 1) of the cue editor.
func cueRow(n int, rest string) string {
	return fmt.Sprintf(`[data-cue-list] [data-cue]:nth-child(%d) %s`, n, rest)
}

// Journey 14 (point 9): the cue editor beside the player. An editor of
// a video with 32 short cues plays it: the cue being played is marked and
// the list scrolls to keep it in view. A click on a cue seeks the player
// to its start; Set start and the Alt+O shortcut take the player's time
// into the selected cue; a time typed wrong is explained under its row
// while still being typed; Save applies in place, without leaving the
// page, and the cues are stored. At desktop size the player sits beside
// the list, on a phone above it, with no horizontal scrollbar.
func TestBrowserCueEditorJourney(t *testing.T) {
	cat, browser, s := journey(t)
	const lang = "en"
	T := func(key string, args ...any) string { return cat.T(lang, key, args...) }

	admin, _ := s.signedIn(t, "admin@acme.com")
	ws := admin.do("POST", "/api/v1/workspaces", map[string]string{"name": "Acme"}).want(t, 201).json(t)["id"].(string)
	id := idOf(t, admin.upload(ws, "videos", map[string]string{"name": "Launch teaser"}, "clip.mp4", bytes.NewReader(testkit.VideoBytes(t, 10))).want(t, 201))
	var cues []map[string]any
	for i := range 32 {
		cues = append(cues, map[string]any{"start_ms": i * 250, "end_ms": i*250 + 240, "text": fmt.Sprintf("Line %d", i+1)})
	}
	admin.do("PUT", "/api/v1/videos/"+id+"/captions/en", map[string]any{"label": "English", "cues": cues}).want(t, 200)
	editor := "/w/" + ws + "/items/" + id + "/captions/en"

	p := &browserPage{t: t, ctx: browser, s: s, cat: cat, lang: lang}
	p.do(chromedp.EmulateViewport(1440, 900))
	p.signIn("admin@acme.com", editor)
	p.wantHeading("captions.editor_title", "label", "English")
	p.waitTrue("the video is loaded", `document.querySelector("[data-cue-video]").readyState >= 1`)
	p.waitScript("the player beside the list", `(() => {
		const v = document.querySelector("[data-cue-player]").getBoundingClientRect(), l = document.querySelector("[data-cue-list]").getBoundingClientRect();
		if (v.right > l.left) return "player ends at " + v.right + ", list starts at " + l.left;
		if (l.bottom > window.innerHeight + 1) return "the list runs below the window: " + l.bottom;
		return "";
	})()`)
	// A page that is never left keeps this.
	p.eval(`window.stayed = "here"; true`)

	// Playing: the cue being played is marked and kept in view.
	p.eval(`(() => { const v = document.querySelector("[data-cue-video]"); v.muted = true; v.play(); return true; })()`)
	p.waitScript("the list follows playback", `(() => {
		const v = document.querySelector("[data-cue-video]"), list = document.querySelector("[data-cue-list]");
		const row = list.querySelector("[data-cue].is-playing");
		if (!row) return "no cue marked at " + v.currentTime;
		const n = Number(row.querySelector("[data-cue-n]").textContent);
		if (n < 14) return "cue " + n + " at " + v.currentTime;
		const l = list.getBoundingClientRect(), r = row.getBoundingClientRect();
		if (r.top < l.top - 1 || r.bottom > l.bottom + 1) return "cue " + n + " out of view";
		return list.scrollTop > 0 ? "" : "the list did not scroll";
	})()`)
	p.eval(`document.querySelector("[data-cue-video]").pause(); true`)

	// A click on a cue plays from its start, and scrolls back to it.
	p.do(chromedp.Click(chromedp.CSS(cueRow(3, "[data-seek-cue]"))))
	p.waitTrue("the player is at cue 3", `Math.abs(document.querySelector("[data-cue-video]").currentTime - 0.5) < 0.001`)
	p.waitScript("cue 3 marked and in view", `(() => {
		const list = document.querySelector("[data-cue-list]"), row = document.querySelector(`+jsString(cueRow(3, ""))+`);
		if (!row.classList.contains("is-playing") || !row.classList.contains("is-selected")) return "classes: " + row.className;
		const l = list.getBoundingClientRect(), r = row.getBoundingClientRect();
		return r.top >= l.top - 1 && r.bottom <= l.bottom + 1 ? "" : "cue 3 out of view";
	})()`)
	if got := p.text("[data-cue-clock]"); got != "00:00.500" {
		t.Fatalf("the clock reads %q", got)
	}

	// Set start from the player, into the selected cue (the fifth).
	p.do(chromedp.Click(chromedp.CSS(cueRow(5, "textarea"))))
	p.eval(`document.querySelector("[data-cue-video]").currentTime = 1.1; true`)
	p.waitTrue("the player at 1.1 s", `document.querySelector("[data-cue-clock]").value === "00:01.100"`)
	p.do(chromedp.Click(chromedp.CSS(`[data-cue-set="start"]`)))
	p.waitTrue("cue 5 starts at the player's time", `document.querySelector(`+jsString(cueRow(5, "[name=start]"))+`).value === "00:01.100"`)
	// And its end, by the shortcut typed in the cue's text.
	p.eval(`document.querySelector("[data-cue-video]").currentTime = 1.35; true`)
	p.waitTrue("the player at 1.35 s", `document.querySelector("[data-cue-clock]").value === "00:01.350"`)
	p.do(chromedp.Focus(chromedp.CSS(cueRow(5, "textarea"))), chromedp.KeyEvent("o", chromedp.KeyModifiers(chromedp.ModifierAlt)))
	p.waitTrue("cue 5 ends at the player's time", `document.querySelector(`+jsString(cueRow(5, "[name=end]"))+`).value === "00:01.350" && document.querySelector(`+jsString(cueRow(5, "textarea"))+`).value === "Line 5"`)
	// The shortcuts are written on the page.
	p.do(chromedp.Click(chromedp.CSS("[data-cue-shortcuts] summary")))
	p.waitTrue("the shortcuts are listed", `document.querySelector("[data-cue-shortcuts]").open && document.querySelector("[data-cue-shortcuts]").textContent.includes(`+jsString(T("captions.key_mark"))+`)`)

	// A wrong time is explained while it is typed, and cleared once right.
	p.do(chromedp.Click(chromedp.CSS(cueRow(6, "[name=start]"))))
	p.eval(`(() => { const el = document.querySelector(` + jsString(cueRow(6, "[name=start]")) + `); el.select(); return true; })()`)
	p.do(chromedp.SendKeys(chromedp.CSS(cueRow(6, "[name=start]")), "1:7x"))
	p.waitText(cueRow(6, "[data-cue-error]"), T("captions.cue.bad_format"))
	p.waitTrue("still typing in the field", `document.activeElement === document.querySelector(`+jsString(cueRow(6, "[name=start]"))+`) && document.activeElement.getAttribute("aria-invalid") === "true"`)
	// A time after the cue's end is said too, then right, cleared.
	retype := func(value string) {
		p.eval(`(() => { const el = document.querySelector(` + jsString(cueRow(6, "[name=start]")) + `); el.focus(); el.select(); return true; })()`)
		p.do(chromedp.SendKeys(chromedp.CSS(cueRow(6, "[name=start]")), value))
	}
	retype("00:01.600")
	p.waitText(cueRow(6, "[data-cue-error]"), T("captions.cue.reversed_times"))
	retype("00:01.360")
	p.waitTrue("the error is gone", `document.querySelector(`+jsString(cueRow(6, "[data-cue-error]"))+`).hidden && !document.querySelector(`+jsString(cueRow(6, "[name=start]"))+`).hasAttribute("aria-invalid")`)

	// Screenshots at both sizes: beside on a desktop, stacked on a phone.
	for _, size := range screenSizes {
		p.do(chromedp.EmulateViewport(size.w, size.h))
		p.waitScript("layout at "+size.label, pageProblems)
		if size.label == "phone" {
			p.waitScript("the player above the list", `(() => {
				const v = document.querySelector("[data-cue-player]").getBoundingClientRect(), l = document.querySelector("[data-cue-list]").getBoundingClientRect();
				return v.bottom <= l.top ? "" : "player ends at " + v.bottom + ", list starts at " + l.top;
			})()`)
		}
		testkit.Screenshot(t, p.ctx, lang+"-cue-editor-"+size.label)
	}
	p.do(chromedp.EmulateViewport(1440, 900))

	// Save applies in place.
	p.do(chromedp.Click(chromedp.CSS("[data-save-cues]")))
	p.waitText(".toast", T("captions.saved_many", "label", "English", "count", 32))
	p.waitTrue("the page was not left", `window.stayed === "here" && location.pathname === `+jsString(editor))
	got := admin.do("GET", "/api/v1/videos/"+id+"/captions/en", nil).want(t, 200).json(t)["cues"].([]any)
	fifth, sixth := got[4].(map[string]any), got[5].(map[string]any)
	if fifth["start_ms"] != 1100.0 || fifth["end_ms"] != 1350.0 || sixth["start_ms"] != 1360.0 {
		t.Fatalf("stored cues 5 and 6: %v, %v", fifth, sixth)
	}

	// A problem only the server sees (a cue without text) comes back
	// next to its row, and nothing is saved.
	p.eval(`(() => { const row = document.querySelector(` + jsString(cueRow(7, "")) + `); row.querySelector("textarea").value = "` + strings.Repeat("x", 1001) + `"; return true; })()`)
	p.do(chromedp.Click(chromedp.CSS("[data-save-cues]")))
	p.waitText(cueRow(7, "[data-cue-error]"), T("captions.cue.text_too_long"))
	p.waitTrue("the summary is shown and the page not left", `!document.querySelector("[data-cue-problems]").hidden && window.stayed === "here"`)
	if got := admin.do("GET", "/api/v1/videos/"+id+"/captions/en", nil).want(t, 200).json(t)["cues"].([]any); got[6].(map[string]any)["text"] != "Line 7" {
		t.Fatalf("cue 7 was saved: %v", got[6])
	}
}
