package main

import (
	"net/url"
	"strings"
	"testing"

	cdpbrowser "github.com/chromedp/cdproto/browser"
	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/chromedp"

	"troupe/internal/testkit"
)

// Journey for issue 14, point 2: the Super Admin copies the invite link
// from the members page — on a desktop and on a phone, on any later
// visit, not only when it was made — and someone opens it in a browser
// of their own and joins.
func TestBrowserInviteLinkCopyJourney(t *testing.T) {
	cat, browser, s := journey(t)
	const lang = "en"

	s.signupVerified(t, "admin@acme.com", "Maya Chen", "correct horse 1")
	api := s.login(t, "admin@acme.com")
	base := api.post("/workspaces", url.Values{"name": {"Acme Studio"}}, 303).where()
	ws := strings.TrimPrefix(base, "/w/")
	api.post(base+"/invite-link", url.Values{"role": {"creator"}}, 303)
	want := api.do("GET", "/api/v1/workspaces/"+ws+"/invite-link", nil).want(t, 200).json(t)["url"].(string)

	admin := &browserPage{t: t, ctx: browser, s: s, cat: cat, lang: lang}
	// The test reads back what Copy wrote, which pages may not do unasked.
	c := chromedp.FromContext(browser)
	if _, err := cdp.Call(browser, c.Browser, cdpbrowser.SetPermission, cdpbrowser.SetPermissionParams{
		Permission: &cdpbrowser.PermissionDescriptor{Name: "clipboard-read"}, Setting: cdpbrowser.PermissionSettingGranted,
		Origin: s.url, BrowserContextID: c.BrowserContextID,
	}); err != nil {
		t.Fatalf("clipboard permission: %v", err)
	}
	admin.signIn("admin@acme.com", base+"/members")
	admin.wantHeading("members.title")

	for _, size := range []struct {
		label, email, name string
		w, h               int64
	}{{"desktop", "dana@elsewhere.org", "Dana Ruiz", 1440, 900}, {"phone", "femi@elsewhere.org", "Femi Ade", 390, 844}} {
		t.Run(size.label, func(t *testing.T) {
			p := *admin
			p.t = t
			p.do(chromedp.EmulateViewport(size.w, size.h), chromedp.Navigate(s.url+base+"/members"))
			p.wantHeading("members.title")
			p.eval(`document.querySelector("#f-link-url").scrollIntoView({block: "center"}); true`)
			if got := p.value("#f-link-url"); got != want {
				t.Fatalf("the panel shows %q, want %q", got, want)
			}
			p.waitScript("the link and its Copy button in view", `(() => {
				const field = document.querySelector("#f-link-url"), button = document.querySelector('[data-copy="f-link-url"]');
				for (const el of [field, button]) {
					const r = el.getBoundingClientRect();
					if (r.width === 0 || r.left < 0 || r.right > window.innerWidth) return el.tagName + " not in view: " + JSON.stringify(r);
				}
				if (document.documentElement.scrollWidth > window.innerWidth) return "page is " + document.documentElement.scrollWidth + "px wide";
				return "";
			})()`)
			p.do(chromedp.Click(chromedp.CSS(`[data-copy="f-link-url"]`)))
			p.waitText(`[data-copy="f-link-url"] span`, cat.T(lang, "copy.copied"))
			copied, err := chromedp.Run(p.ctx, chromedp.Evaluate[string](`navigator.clipboard.readText()`, chromedp.EvalAwaitPromise))
			if err != nil || copied != want {
				t.Fatalf("the clipboard holds %q (%v), want %q", copied, err, want)
			}
			testkit.Screenshot(t, p.ctx, "invite-link-copied-"+size.label)

			// Someone else, in a browser of their own, opens what was copied.
			s.signupVerified(t, size.email, size.name, "correct horse 1")
			guest := &browserPage{t: t, ctx: testkit.NewBrowserContext(t, browser), s: s, cat: cat, lang: lang}
			guest.do(chromedp.EmulateViewport(size.w, size.h), testkit.SetLanguage(lang), chromedp.Navigate(copied))
			guest.wantHeading("join.title")
			joinPath := strings.TrimPrefix(copied, s.url)
			guest.signIn(size.email, joinPath)
			guest.wantHeading("join.title")
			testkit.Screenshot(t, guest.ctx, "invite-link-join-"+size.label)
			guest.do(chromedp.Click(chromedp.CSS(`form[action="` + joinPath + `"] button[type=submit]`)))
			guest.waitText(".toast", cat.T(lang, "flash.joined"))
			if loc, _ := chromedp.Run(guest.ctx, chromedp.Location()); !strings.HasSuffix(loc, base) {
				t.Fatalf("after joining the guest is at %s", loc)
			}
		})
	}

	// The invite form grows one row per address, each with its role, and
	// a pending invitation's role changes in place.
	t.Run("invitations with a role each", func(t *testing.T) {
		p := *admin
		p.t = t
		p.do(chromedp.EmulateViewport(1440, 900), chromedp.Navigate(s.url+base+"/members"))
		p.wantHeading("members.title")
		p.do(chromedp.Click(chromedp.CSS("#invite-button")), chromedp.WaitVisible(chromedp.CSS("#invite-dialog .invite-row input")))
		p.waitScript("rows instead of the text field", `(() => {
			const d = document.querySelector("#invite-dialog");
			if (!d.querySelector("textarea[name=emails]").disabled) return "the text field is still sent";
			return d.querySelectorAll(".invite-row").length === 1 ? "" : "rows: " + d.querySelectorAll(".invite-row").length;
		})()`)
		p.do(chromedp.SendKeys(chromedp.CSS("#invite-dialog .invite-row:nth-child(1) input"), "rita@elsewhere.org"))
		p.eval(`document.querySelector("#invite-dialog .invite-row:nth-child(1) select").value = "developer"; true`)
		p.do(chromedp.Click(chromedp.CSS("#invite-dialog [data-invite-add]")))
		p.do(chromedp.SendKeys(chromedp.CSS("#invite-dialog .invite-row:nth-child(2) input"), "sol@elsewhere.org"))
		if got := p.value("#invite-dialog .invite-row:nth-child(2) select"); got != "developer" {
			t.Fatalf("a new row takes the role of the one above: %q", got)
		}
		p.eval(`document.querySelector("#invite-dialog .invite-row:nth-child(2) select").value = "viewer"; true`)
		p.check("invite-rows")
		p.do(chromedp.Click(chromedp.CSS(`#invite-dialog button[type=submit]`)))
		p.waitText(".toast", cat.T(lang, "flash.invited_many", "count", 2))
		p.waitText(`tr[data-email="rita@elsewhere.org"] select option:checked`, cat.T(lang, "role.developer"))
		p.waitText(`tr[data-email="sol@elsewhere.org"] select option:checked`, cat.T(lang, "role.viewer"))

		row := `tr[data-email="sol@elsewhere.org"] `
		p.eval(`(() => { const s = document.querySelector(` + jsString(row+"select") + `); s.value = "creator"; s.dispatchEvent(new Event("change", {bubbles: true})); return true; })()`)
		p.do(chromedp.Click(chromedp.CSS(row + ".role-save")))
		p.waitText(".toast", cat.T(lang, "flash.invitation_role_changed"))
		p.waitText(row+"select option:checked", cat.T(lang, "role.creator"))
		testkit.Screenshot(t, p.ctx, "invitation-role-changed")
	})

	// Both joined with the link's role.
	for _, email := range []string{"dana@elsewhere.org", "femi@elsewhere.org"} {
		found := false
		for _, it := range api.do("GET", "/api/v1/workspaces/"+ws+"/members", nil).want(t, 200).json(t)["items"].([]any) {
			if row := it.(map[string]any); row["email"] == email && row["role"] == "creator" && row["status"] == "active" {
				found = true
			}
		}
		if !found {
			t.Fatalf("%s is not an active Creator", email)
		}
	}
}

// value reads a form field's current value.
func (p *browserPage) value(sel string) string {
	p.t.Helper()
	v, err := chromedp.Run(p.ctx, chromedp.Evaluate[string](`document.querySelector(`+jsString(sel)+`).value`))
	if err != nil {
		p.t.Fatalf("value of %s: %v", sel, err)
	}
	return v
}
