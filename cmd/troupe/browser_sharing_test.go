package main

import (
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"troupe/internal/testkit"
)

// memberNamed signs up email under name and makes it a member of ws with
// role, invited by admin.
func (s *testServer) memberNamed(t *testing.T, admin *apiClient, ws, email, name, role string) *apiClient {
	t.Helper()
	s.signupVerified(t, email, name, "correct horse 1")
	c := s.login(t, email)
	res := admin.do("POST", "/api/v1/workspaces/"+ws+"/invitations", map[string]any{"emails": []string{email}, "role": role}).want(t, 200).json(t)
	if r := res["results"].([]any)[0].(map[string]any); r["result"] != "invited" {
		t.Fatalf("invite %s: %v", email, r)
	}
	link := s.mail.WaitFor(t, email, 10*time.Second).Link(t, "/invitations/")
	c.do("POST", "/api/v1/invitations/"+link[strings.LastIndex(link, "/")+1:]+"/accept", nil).want(t, 200)
	return c
}

// checkSummary screenshots the page at 1440×900 and 390×844 and fails
// when the page scrolls sideways or an access summary on it overflows.
func (p *browserPage) checkSummary(name string) {
	p.t.Helper()
	for _, size := range screenSizes {
		p.do(chromedp.EmulateViewport(size.w, size.h))
		p.waitScript(name+" at "+size.label, `(() => {
			const problems = [];
			if (document.documentElement.scrollWidth > window.innerWidth) problems.push("page is " + document.documentElement.scrollWidth + "px wide");
			document.querySelectorAll("[data-access-summary], .access-tag").forEach(el => {
				const r = el.getBoundingClientRect();
				if (r.width > 0 && (el.scrollWidth > el.clientWidth + 1 || r.right > window.innerWidth + 1)) problems.push("summary overflows: " + el.textContent.trim());
			});
			return problems.join("; ");
		})()`)
		testkit.Screenshot(p.t, p.ctx, p.lang+"-"+name+"-"+size.label)
	}
	p.do(chromedp.EmulateViewport(1440, 900))
}

// Journey (issue 14, point 5): Alice shares a folder with the whole
// workspace through the Share dialog; the folder's header follows at
// once; a draft inside it, opened by Alice and then by Bob, says in its
// header, its Share dialog and the folder's rows that everyone in the
// workspace can view it, from the folder; Bob is offered nothing he
// cannot do, and a refusal tells him whom to ask.
func TestBrowserSharingTruthJourney(t *testing.T) {
	cat, browser, s := journey(t)
	const lang = "en"
	T := func(key string, args ...any) string { return cat.T(lang, key, args...) }

	admin, _ := s.signedIn(t, "admin@acme.com")
	base := admin.post("/workspaces", url.Values{"name": {"Acme Studio"}}, 303).where()
	ws := strings.TrimPrefix(base, "/w/")
	alice := s.memberNamed(t, admin, ws, "alice@acme.com", "Alice Martin", "creator")
	s.memberNamed(t, admin, ws, "bob@acme.com", "Bob Stone", "creator")
	folder := idOf(t, alice.do("POST", "/api/v1/workspaces/"+ws+"/folders", map[string]any{"name": "Q3 Launch"}).want(t, 201))
	draft := idOf(t, alice.do("POST", "/api/v1/workspaces/"+ws+"/drafts", map[string]any{"name": "Launch teaser script", "parent_id": folder}).want(t, 201))
	folderPath, draftPath := base+"/folders/"+folder, base+"/items/"+draft
	inherited := T("access.summary.workspace_view", "workspace", "Acme Studio") + " · " + T("share.from_folder", "folder", "Q3 Launch")

	a := &browserPage{t: t, ctx: browser, s: s, cat: cat, lang: lang}
	a.signIn("alice@acme.com", draftPath)
	a.waitText("h1", "Launch teaser script")
	a.waitText("main .page-header [data-access-line]", T("access.summary.only_me"))

	// The folder, shared with everyone through the dialog.
	a.do(chromedp.Navigate(s.url + folderPath))
	a.waitText("h1", "Q3 Launch")
	a.do(
		chromedp.Click(chromedp.CSS("#share-button")),
		chromedp.WaitVisible(chromedp.CSS("#page-dialog #f-share-general")),
		chromedp.SetValue(chromedp.CSS("#page-dialog #f-share-general"), "workspace"),
	)
	a.eval(`(() => { document.querySelector("#page-dialog #f-share-general").dispatchEvent(new Event("change", {bubbles: true})); return true; })()`)
	a.do(
		chromedp.SetValue(chromedp.CSS("#page-dialog #f-share-level"), "view"),
		chromedp.Click(chromedp.CSS("#page-dialog [data-save]")),
	)
	a.waitText(".toast", T("flash.sharing_saved"))
	// The header follows without a reload; so does the row of the draft
	// once the list is fetched again.
	a.waitText("main .page-header [data-access-line]", T("access.summary.workspace_view", "workspace", "Acme Studio"))
	a.do(chromedp.Navigate(s.url + folderPath))
	a.waitTrue("the draft's row is marked shared, from the folder", `(() => {
		const tag = document.querySelector('li[data-item="Launch teaser script"] .access-tag');
		return !!tag && tag.dataset.accessScope === "workspace" && tag.title === `+jsString(inherited)+` && !tag.hasAttribute("data-access-public");
	})()`)
	a.checkSummary("sharing-folder")

	// The draft itself: its header and its Share dialog.
	a.do(chromedp.Click(chromedp.CSS(`li[data-item="Launch teaser script"] a.content-name`)))
	a.waitText("h1", "Launch teaser script")
	a.waitText("main .page-header [data-access-line]", inherited)
	a.checkSummary("sharing-draft-owner")
	a.do(
		chromedp.Click(chromedp.CSS("#share-button")),
		chromedp.WaitVisible(chromedp.CSS("#page-dialog #f-share-general")),
	)
	a.waitText("#page-dialog [data-access-line]", inherited)
	a.waitText("#page-dialog #f-share-general option:checked", T("share.restricted_inherited"))
	a.waitTrue("no globe in the dialog: nothing is on the web", `!document.querySelector("#page-dialog [data-access-public]")`)
	a.checkSummary("sharing-draft-dialog")
	a.do(chromedp.KeyEvent("\x1b"))
	a.waitTrue("the dialog closed", `!document.getElementById("page-dialog").open`)

	// Bob, in his own browser, reads the same truth and is offered no
	// control he could not use.
	b := &browserPage{t: t, ctx: testkit.NewBrowserContext(t, browser), s: s, cat: cat, lang: lang}
	b.signIn("bob@acme.com", draftPath)
	b.waitText("h1", "Launch teaser script")
	b.waitText("main .page-header [data-access-line]", inherited)
	b.waitText("[data-read-only]", T("item.read_only_draft"))
	b.waitText("[data-ask]", T("item.ask_edit", "name", "Alice Martin"))
	b.waitTrue("no controls Bob cannot use", `!document.querySelector("#share-button, main form[data-draft], main textarea") &&
		![...document.querySelectorAll("main .page-header .menu-panel a")].some(a => /\/(rename|move|share)\b/.test(a.getAttribute("href")))`)
	b.checkSummary("sharing-draft-member")
	b.do(chromedp.Navigate(s.url + draftPath + "/share"))
	b.waitText("[data-access-line]", inherited)
	b.waitTrue("the share page has no form for Bob", `!document.querySelector("form.share-form, select[name=general], [data-save]")`)
	b.checkSummary("sharing-draft-member-share")
	b.do(chromedp.Navigate(s.url + draftPath + "/rename"))
	b.wantHeading("errorpage.forbidden")
	b.waitText(".lead", T("error.forbidden_edit", "name", "Alice Martin"))
	b.checkSummary("sharing-refusal")
}
