package main

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"

	"troupe/internal/testkit"
)

// lastRowMenu is the menu of the members table's last row.
const lastRowMenu = `.members-table tbody tr:last-child details.row-menu`

// menuProblem is a script that answers "" once the open menu sel is placed
// and still, and otherwise what is wrong with it: out of the viewport,
// covered or clipped at its centre, or a page wider than the viewport.
func menuProblem(sel string) string {
	return `(() => {
		const menu = document.querySelector(` + jsString(sel) + `);
		if (!menu || !menu.open) return "menu closed";
		const panel = menu.querySelector(".menu-panel");
		if (panel.getAnimations().some(a => a.playState === "running")) return "menu still moving";
		const r = panel.getBoundingClientRect();
		const w = document.documentElement.clientWidth, h = document.documentElement.clientHeight;
		const at = [r.left, r.top, r.right, r.bottom].map(Math.round).join(",");
		if (r.width === 0 || r.height === 0) return "panel has no size";
		if (r.left < 0 || r.top < 0 || r.right > w || r.bottom > h) return "panel at " + at + " leaves the " + w + "x" + h + " viewport";
		const hit = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
		if (!hit || !panel.contains(hit)) return "panel at " + at + " is covered by " + (hit ? hit.outerHTML.slice(0, 100) : "nothing");
		if (document.documentElement.scrollWidth > window.innerWidth) return "page is " + document.documentElement.scrollWidth + "px wide";
		return "";
	})()`
}

// waitScript polls script until it answers "", and fails with its last
// answer after a few seconds.
func (p *browserPage) waitScript(what, script string) {
	p.t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		got, err := chromedp.Run(p.ctx, chromedp.Evaluate[string](script))
		if err == nil && got == "" {
			return
		}
		if time.Now().After(deadline) {
			p.t.Fatalf("%s: %q (%v)", what, got, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// Journey 14 (points 3 and 4): in a workspace of twelve, the menu of the
// last row of the members table opens in full, inside the viewport and
// above everything, at desktop and phone sizes, by mouse and keyboard;
// on a phone the table shows before any form.
func TestBrowserMembersTableJourney(t *testing.T) {
	cat, browser, s := journey(t)
	const lang = "en"

	s.signupVerified(t, "admin@acme.com", "Maya Chen", "correct horse 1")
	s.signupVerified(t, "sam@acme.com", "Sam Reed", "correct horse 1")
	api := s.login(t, "admin@acme.com")
	base := api.post("/workspaces", url.Values{"name": {"Acme Studio"}}, 303).where()
	api.post(base+"/settings/domains", url.Values{"domain": {"acme.com"}}, 303)
	s.verifyDomain(t, api, base, "acme.com")
	api.post(base+"/invite-link", url.Values{"role": {"viewer"}}, 303)
	var invited []string
	for i := 1; i <= 11; i++ {
		invited = append(invited, fmt.Sprintf("person%02d@acme.com", i))
	}
	api.post(base+"/members/invite", url.Values{"emails": {strings.Join(invited, ", ")}, "role": {"viewer"}}, 200)

	admin := &browserPage{t: t, ctx: browser, s: s, cat: cat, lang: lang}
	admin.signIn("admin@acme.com", base+"/members")
	admin.wantHeading("members.title")
	for _, size := range screenSizes {
		t.Run(size.label, func(t *testing.T) {
			p := *admin
			p.t = t
			p.do(chromedp.EmulateViewport(size.w, size.h), chromedp.Navigate(s.url+base+"/members"))
			p.wantHeading("members.title")
			p.waitScript("twelve rows", `document.querySelectorAll(".members-table tbody tr").length === 12 ? "" : "rows: " + document.querySelectorAll(".members-table tbody tr").length`)
			if got := p.text(`.members-table tbody tr:last-child .person-name`); got != "person11@acme.com" {
				t.Fatalf("last row is %q", got)
			}

			// The table comes before the seats' neighbours: above the fold,
			// with no form before it but its own filters.
			p.waitScript("table first", `(() => {
				const table = document.querySelector(".members-table");
				const top = table.getBoundingClientRect().top;
				if (top >= window.innerHeight) return "table starts at " + Math.round(top) + "px, below the fold of " + window.innerHeight + "px";
				const before = [...document.querySelectorAll("main form")].filter(f =>
					!f.matches("form.filters") && (f.compareDocumentPosition(table) & Node.DOCUMENT_POSITION_FOLLOWING) && f.getBoundingClientRect().height > 0);
				if (before.length) return "forms before the table: " + before.map(f => f.className || f.action).join(", ");
				if (document.documentElement.scrollWidth > window.innerWidth) return "page is " + document.documentElement.scrollWidth + "px wide";
				return "";
			})()`)
			testkit.Screenshot(t, p.ctx, "members-"+size.label)

			// By mouse: the last row's menu opens in full.
			p.do(chromedp.Click(chromedp.CSS(lastRowMenu + " > summary")))
			p.waitScript("last row's menu by mouse", menuProblem(lastRowMenu))
			if got := p.text(lastRowMenu + " .menu-item.danger"); got != cat.T(lang, "members.revoke") {
				t.Fatalf("menu offers %q", got)
			}
			testkit.Screenshot(t, p.ctx, "members-menu-"+size.label)

			// Escape closes it and gives focus back to its button.
			p.do(chromedp.KeyEvent("\x1b"))
			p.waitScript("closed by Escape", `(() => {
				const menu = document.querySelector(`+jsString(lastRowMenu)+`);
				if (menu.open) return "menu open";
				return document.activeElement === menu.querySelector("summary") ? "" : "focus on " + document.activeElement.outerHTML.slice(0, 80);
			})()`)

			// By keyboard: Enter on the focused button opens it again.
			p.do(chromedp.KeyEvent("\r"))
			p.waitScript("last row's menu by keyboard", menuProblem(lastRowMenu))
			p.do(chromedp.KeyEvent("\x1b"))

			// The first row's menu of a page scrolled to the top opens too
			// (the table's first row belongs to the signed-in admin, who has
			// none, so the second row's).
			p.eval(`window.scrollTo(0, 0); true`)
			p.do(chromedp.Click(chromedp.CSS(`.members-table tbody tr:nth-child(2) details.row-menu > summary`)))
			p.waitScript("second row's menu", menuProblem(`.members-table tbody tr:nth-child(2) details.row-menu`))
			p.do(chromedp.KeyEvent("\x1b"))
		})
	}

	// Without JavaScript the menu hangs below its button, and nothing on
	// the way clips it.
	t.Run("phone without JavaScript", func(t *testing.T) {
		p := *admin
		p.t = t
		scripts := func(disabled bool) chromedp.Action[chromedp.Void] {
			return chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
				_, err := cdp.Call(ctx, tg, emulation.SetScriptExecutionDisabled, emulation.SetScriptExecutionDisabledParams{Value: disabled})
				return err
			})
		}
		p.do(scripts(true), chromedp.EmulateViewport(390, 844), chromedp.Navigate(s.url+base+"/members"))
		t.Cleanup(func() { p.do(scripts(false), chromedp.EmulateViewport(1280, 800)) })
		p.wantHeading("members.title")
		p.waitScript("no JavaScript", `document.documentElement.classList.contains("js") ? "app.js ran" : ""`)
		p.do(chromedp.Click(chromedp.CSS(lastRowMenu + " > summary")))
		// The window scrolls to the panel (scrollIntoView would scroll a
		// clipping card instead, and hide the fault).
		p.eval(`window.scrollBy(0, Math.max(0, document.querySelector(` + jsString(lastRowMenu+" .menu-panel") + `).getBoundingClientRect().bottom - innerHeight + 8)); true`)
		p.waitScript("last row's menu without JavaScript", menuProblem(lastRowMenu))
		testkit.Screenshot(t, p.ctx, "members-menu-no-js")
	})
}
