package main

import (
	"context"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"

	"troupe/internal/i18n"
	"troupe/internal/testkit"
)

// inTimeZone makes the tab live in zone, as a reader there would.
func inTimeZone(zone string) chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		_, err := cdp.Call(ctx, t, emulation.SetTimezoneOverride, emulation.SetTimezoneOverrideParams{TimezoneID: zone})
		return err
	})
}

// placeholdersFit fails on a visible input whose placeholder does not fit
// in it, at desktop and phone widths.
func (p *browserPage) placeholdersFit(name string) {
	p.t.Helper()
	for _, size := range screenSizes {
		p.do(chromedp.EmulateViewport(size.w, size.h))
		problems, err := chromedp.Run(p.ctx, chromedp.Evaluate[[]string](`(() => {
			const problems = [];
			const ctx = document.createElement("canvas").getContext("2d");
			document.querySelectorAll("input[placeholder]").forEach(el => {
				if (!el.placeholder || !el.getClientRects().length) return;
				const cs = getComputedStyle(el, "::placeholder");
				ctx.font = cs.fontStyle + " " + cs.fontWeight + " " + cs.fontSize + " " + cs.fontFamily;
				const box = getComputedStyle(el);
				const room = el.clientWidth - parseFloat(box.paddingLeft) - parseFloat(box.paddingRight);
				const need = ctx.measureText(el.placeholder).width;
				if (need > room + 1) problems.push((el.name || el.id) + ": “" + el.placeholder + "” needs " + Math.ceil(need) + "px, has " + Math.floor(room) + "px");
			});
			return problems;
		})()`))
		if err != nil {
			p.t.Fatalf("placeholders: %v", err)
		}
		if len(problems) > 0 {
			p.t.Errorf("%s at %s: placeholders cut: %s", name, size.label, strings.Join(problems, "; "))
		}
	}
	p.do(chromedp.EmulateViewport(1280, 800))
}

// A French reader on the other side of the world: every <time> on the
// item list and the members page says its instant in the browser's time
// zone and in French, the dates shown included; placeholders fit their
// fields at desktop and phone widths.
func TestBrowserTimesInReadersZone(t *testing.T) {
	cat, err := i18n.Load()
	if err != nil {
		t.Fatal(err)
	}
	browser := testkit.Browser(t)
	var back atomic.Int64
	back.Store(int64(60 * 24 * time.Hour))
	s := startServerWith(t, testkit.Engines(t)[0], serverOptions{now: func() time.Time { return time.Now().Add(-time.Duration(back.Load())) }})
	alice, _ := s.signedIn(t, "alice@acme.com")
	ws := alice.do("POST", "/api/v1/workspaces", map[string]string{"name": "Acme Studio"}).want(t, 201).json(t)["id"].(string)
	draft := idOf(t, alice.do("POST", "/api/v1/workspaces/"+ws+"/drafts", map[string]string{"name": "Old script"}).want(t, 201))
	back.Store(0)
	s.signedIn(t, "dan@acme.com")
	alice = s.client(t)
	alice.do("POST", "/api/v1/auth/login", map[string]string{"email": "alice@acme.com", "password": "correct horse 1"}).want(t, 200)
	alice.do("PUT", "/api/v1/workspaces/"+ws+"/invite-link", map[string]any{"role": "creator",
		"expires_at": time.Now().AddDate(0, 1, 0).UTC().Truncate(24 * time.Hour).Format(time.RFC3339)}).want(t, 200)
	alice.do("POST", "/api/v1/workspaces/"+ws+"/invitations", map[string]any{"emails": []string{"carol@example.com"}, "role": "viewer"}).want(t, 200)

	const zone = "Pacific/Kiritimati" // UTC+14: most dates and times differ from UTC's
	loc, err := time.LoadLocation(zone)
	if err != nil {
		t.Skipf("no time zone data: %v", err)
	}
	p := &browserPage{t: t, ctx: testkit.NewBrowserContext(t, browser), s: s, cat: cat, lang: "fr"}
	p.do(inTimeZone(zone))
	type shown struct{ At, Title, Text, Local string }
	said := func(page string) []shown {
		p.waitTrue("times said", `document.querySelectorAll("time[data-local]").length > 0 &&
			[...document.querySelectorAll("time[data-local]")].every(el => !el.title.endsWith("UTC"))`)
		times, err := chromedp.Run(p.ctx, chromedp.Evaluate[[]shown](`[...document.querySelectorAll("time[data-local]")].map(el =>
			({At: el.getAttribute("datetime"), Title: el.title, Text: el.textContent.trim(), Local: el.dataset.local}))`))
		if err != nil {
			t.Fatalf("%s: %v", page, err)
		}
		for _, tm := range times {
			at, err := time.Parse(time.RFC3339, tm.At)
			if err != nil {
				t.Fatalf("%s: datetime %q: %v", page, tm.At, err)
			}
			local := at.In(loc)
			if want := oldDayFR(local) + " à " + local.Format("15:04"); tm.Title != want {
				t.Errorf("%s: title %q, want %q in %s", page, tm.Title, want, zone)
			}
			if want := oldDayFR(local); tm.Local == "date" && tm.Text != want {
				t.Errorf("%s: date %q, want %q in %s", page, tm.Text, want, zone)
			}
		}
		return times
	}

	p.signIn("alice@acme.com", "/w/"+ws)
	dated := false
	for _, tm := range said("home") {
		dated = dated || tm.Local == "date"
	}
	if !dated {
		t.Error("the draft changed two months ago shows no date")
	}
	p.placeholdersFit("home")
	p.check("times-home")

	p.do(chromedp.Navigate(s.url + "/w/" + ws + "/members"))
	p.wantHeading("members.title")
	said("members")
	p.placeholdersFit("members")
	for _, path := range []string{"/members/invite", "/settings/api-tokens", "/settings", "/items/" + draft, "/items/" + draft + "/share"} {
		p.do(chromedp.Navigate(s.url + "/w/" + ws + path))
		p.waitTrue("page loaded", `document.readyState === "complete"`)
		if path == "/items/"+draft {
			said(path)
		}
		p.placeholdersFit(path)
	}
}
