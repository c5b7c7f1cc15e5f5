package app_test

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"troupe/internal/app"
	"troupe/internal/store"
	"troupe/internal/troupe"
)

// publishedVideo makes a video of owner's of durationMS and publishes it.
func (e *env) publishedVideo(t testing.TB, owner troupe.User, ws string, durationMS int64) (string, string) {
	t.Helper()
	ctx := context.Background()
	v := e.video(t, owner, ws, "Launch")
	err := e.db.Tx(ctx, func(tx *store.Tx) error {
		return tx.Exec(ctx, `UPDATE items SET duration_ms = ? WHERE id = ?`, durationMS, v.ID)
	})
	if err != nil {
		t.Fatal(err)
	}
	slug, err := e.app.Publish(ctx, owner, v.ID, client)
	if err != nil {
		t.Fatal(err)
	}
	return slug, v.ID
}

var sessionSeq int

// newSession returns a fresh session id.
func newSession() string {
	sessionSeq++
	return fmt.Sprintf("session-%012d", sessionSeq)
}

func (e *env) beacon(t testing.TB, slug string, b app.Beacon) {
	t.Helper()
	if b.ViewerID == "" {
		b.ViewerID = "viewer-" + b.Session
	}
	if err := e.app.RecordBeacon(context.Background(), slug, "", b, client); err != nil {
		t.Fatalf("beacon: %v", err)
	}
}

func (e *env) analytics(t testing.TB, by troupe.User, id string, f app.AnalyticsFilter) app.Analytics {
	t.Helper()
	a, err := e.app.VideoAnalytics(context.Background(), by, id, f)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func (e *env) linkViews(t testing.TB, by troupe.User, id string) int64 {
	t.Helper()
	links, err := e.app.ListLinks(context.Background(), by, id)
	if err != nil {
		t.Fatal(err)
	}
	var n int64
	for _, l := range links {
		n += l.Views
	}
	return n
}

func TestBeaconUnion(t *testing.T) {
	forEngine(t, func(t *testing.T, e *env) {
		tm := e.team(t)
		slug, id := e.publishedVideo(t, tm.admin, tm.ws, 120_000)

		t.Run("the same ranges twice give the same result", func(t *testing.T) {
			s := newSession()
			for range 2 {
				e.beacon(t, slug, app.Beacon{Session: s, Watched: [][2]int64{{0, 5000}, {10_000, 12_000}}})
				e.analytics(t, tm.admin, id, app.AnalyticsFilter{}) // written between the two
			}
			a := e.analytics(t, tm.admin, id, app.AnalyticsFilter{})
			if a.Views != 1 || a.WatchTimeMS != 7000 {
				t.Fatalf("views %d, watch time %d; want 1, 7000", a.Views, a.WatchTimeMS)
			}
		})
		t.Run("overlapping ranges are merged, in memory and in the database", func(t *testing.T) {
			s := newSession()
			e.beacon(t, slug, app.Beacon{Session: s, Watched: [][2]int64{{0, 4000}}})
			e.beacon(t, slug, app.Beacon{Session: s, Watched: [][2]int64{{3000, 6000}, {5000, 5500}}})
			e.analytics(t, tm.admin, id, app.AnalyticsFilter{}) // writes what is buffered
			e.beacon(t, slug, app.Beacon{Session: s, Watched: [][2]int64{{5500, 8000}, {20_000, 21_000}}})
			views, _, err := e.app.ListViews(context.Background(), tm.admin, id, app.AnalyticsFilter{})
			if err != nil {
				t.Fatal(err)
			}
			var got troupe.ViewSession
			for _, v := range views {
				if v.Session == s {
					got = v
				}
			}
			if want := "0-8000,20000-21000"; got.Watched.String() != want || got.WatchedMS != 9000 {
				t.Fatalf("stored %q (%d ms), want %q (9000 ms)", got.Watched, got.WatchedMS, want)
			}
		})
		t.Run("ranges past the end of the video are cut", func(t *testing.T) {
			s := newSession()
			e.beacon(t, slug, app.Beacon{Session: s, Watched: [][2]int64{{-500, 1000}, {119_000, 500_000}}})
			views, _, _ := e.app.ListViews(context.Background(), tm.admin, id, app.AnalyticsFilter{})
			for _, v := range views {
				if v.Session == s && v.WatchedMS != 2000 {
					t.Fatalf("watched %d, want 2000", v.WatchedMS)
				}
			}
		})
	})
}

func TestViewRule(t *testing.T) {
	forEngine(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		tm := e.team(t)
		slug, id := e.publishedVideo(t, tm.admin, tm.ws, 120_000)

		t.Run("2.9 s is no view", func(t *testing.T) {
			e.beacon(t, slug, app.Beacon{Session: newSession(), Watched: [][2]int64{{0, 1000}, {50_000, 51_900}}})
			if a := e.analytics(t, tm.admin, id, app.AnalyticsFilter{}); a.Views != 0 {
				t.Fatalf("views = %d", a.Views)
			}
			if n := e.linkViews(t, tm.admin, id); n != 0 {
				t.Fatalf("link views = %d", n)
			}
		})
		t.Run("3 s is a view, counted once on its link", func(t *testing.T) {
			s := newSession()
			e.beacon(t, slug, app.Beacon{Session: s, Watched: [][2]int64{{0, 1000}, {50_000, 52_000}}})
			e.analytics(t, tm.admin, id, app.AnalyticsFilter{})
			e.beacon(t, slug, app.Beacon{Session: s, Watched: [][2]int64{{0, 9000}}})
			if a := e.analytics(t, tm.admin, id, app.AnalyticsFilter{}); a.Views != 1 {
				t.Fatalf("views = %d", a.Views)
			}
			if n := e.linkViews(t, tm.admin, id); n != 1 {
				t.Fatalf("link views = %d", n)
			}
		})
		t.Run("the whole of a shorter video is a view", func(t *testing.T) {
			short, shortID := e.publishedVideo(t, tm.admin, tm.ws, 2000)
			e.beacon(t, short, app.Beacon{Session: newSession(), Watched: [][2]int64{{0, 1999}}})
			if a := e.analytics(t, tm.admin, shortID, app.AnalyticsFilter{}); a.Views != 0 {
				t.Fatalf("views = %d before the end", a.Views)
			}
			e.beacon(t, short, app.Beacon{Session: newSession(), Watched: [][2]int64{{0, 2000}}})
			if a := e.analytics(t, tm.admin, shortID, app.AnalyticsFilter{}); a.Views != 1 || a.CompletionRate != 1 {
				t.Fatalf("views = %d, completion %v", a.Views, a.CompletionRate)
			}
		})
		t.Run("the owner's own sessions are not counted, a member's are", func(t *testing.T) {
			e.beacon(t, slug, app.Beacon{Session: newSession(), UserID: tm.admin.ID, Watched: [][2]int64{{0, 60_000}}})
			e.beacon(t, slug, app.Beacon{Session: newSession(), UserID: tm.dev.ID, Watched: [][2]int64{{0, 60_000}}})
			a := e.analytics(t, tm.admin, id, app.AnalyticsFilter{})
			if a.Views != 2 || len(a.Members) != 1 || a.Members[0].User.ID != tm.dev.ID || a.Members[0].FurthestPercent != 50 {
				t.Fatalf("views %d, members %+v", a.Views, a.Members)
			}
		})
		t.Run("locked, expired, revoked and unknown pages keep nothing", func(t *testing.T) {
			lockedSlug, _ := e.protectedVideo(t, tm.admin, tm.ws, "Locked")
			l, err := e.app.CreateLink(ctx, tm.admin, id, app.LinkInput{Label: "Soon gone"}, client)
			if err != nil {
				t.Fatal(err)
			}
			if err := e.app.RevokeLink(ctx, tm.admin, l.ID, client); err != nil {
				t.Fatal(err)
			}
			in := time.Now().Add(time.Hour)
			expiring, err := e.app.CreateLink(ctx, tm.admin, id, app.LinkInput{Label: "Expiring", ExpiresAt: &in}, client)
			if err != nil {
				t.Fatal(err)
			}
			e.clock.Advance(2 * time.Hour)
			for name, s := range map[string]string{"locked": lockedSlug, "revoked": l.Slug, "expired": expiring.Slug, "unknown": troupe.NewSlug()} {
				err := e.app.RecordBeacon(ctx, s, "", app.Beacon{Session: newSession(), Watched: [][2]int64{{0, 10_000}}}, client)
				if troupe.ErrorCode(err) != troupe.CodeNotFound {
					t.Errorf("%s: %v, want not_found", name, err)
				}
			}
		})
		t.Run("only editors and Super Admins read the analytics", func(t *testing.T) {
			_, err := e.app.VideoAnalytics(ctx, tm.bo, id, app.AnalyticsFilter{})
			wantCode(t, err, troupe.CodeNotFound)
			e.share(t, tm.admin, id, shareWith("view", tm.bo))
			_, err = e.app.VideoAnalytics(ctx, tm.bo, id, app.AnalyticsFilter{})
			wantCode(t, err, troupe.CodeForbidden)
			if _, err := e.app.VideoAnalytics(ctx, tm.admin, id, app.AnalyticsFilter{}); err != nil {
				t.Fatal(err)
			}
		})
	})
}

// refSession is a random session as the test made it.
type refSession struct {
	link    string
	viewer  string
	user    string
	watched [][2]int64 // as sent, in several beacons
	at      time.Time
}

// refUnion is the plain union of ranges: a set of milliseconds.
func refUnion(rs [][2]int64, duration int64) map[int64]bool {
	set := map[int64]bool{}
	for _, r := range rs {
		for t := max(r[0], 0); t < min(r[1], duration); t++ {
			set[t] = true
		}
	}
	return set
}

func TestAnalyticsMatchReference(t *testing.T) {
	forEngine(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		tm := e.team(t)
		const duration = 20_000
		slug, id := e.publishedVideo(t, tm.admin, tm.ws, duration)
		extra, err := e.app.CreateLink(ctx, tm.admin, id, app.LinkInput{Label: "Newsletter"}, client)
		if err != nil {
			t.Fatal(err)
		}
		links, err := e.app.ListLinks(ctx, tm.admin, id)
		if err != nil {
			t.Fatal(err)
		}
		slugOf := map[string]string{}
		for _, l := range links {
			slugOf[l.ID] = l.Slug
		}
		rng := rand.New(rand.NewPCG(7, uint64(len(slug))))
		members := []troupe.User{tm.dev, tm.viewer, tm.creator}
		viewers := []string{"viewer-aaaaaaaaaaaa", "viewer-bbbbbbbbbbbb", "viewer-cccccccccccc", "viewer-dddddddddddd"}
		start := e.clock.Now()
		var sessions []refSession
		for i := range 60 {
			s := refSession{link: links[rng.IntN(len(links))].ID, viewer: viewers[rng.IntN(len(viewers))]}
			if rng.IntN(3) == 0 {
				s.user = members[rng.IntN(len(members))].ID
			}
			for range 1 + rng.IntN(4) {
				a := rng.Int64N(duration + 2000)
				s.watched = append(s.watched, [2]int64{a, a + rng.Int64N(9000)})
			}
			// Days apart, so that views spread over days.
			e.clock.Advance(time.Duration(rng.IntN(20)) * time.Hour)
			s.at = e.clock.Now()
			session := fmt.Sprintf("ref-session-%06d", i)
			for j := range s.watched {
				// Each beacon carries what was watched so far, in any order.
				b := app.Beacon{Session: session, ViewerID: s.viewer, UserID: s.user, Watched: s.watched[:j+1]}
				if err := e.app.RecordBeacon(ctx, slugOf[s.link], "", b, client); err != nil {
					t.Fatal(err)
				}
			}
			sessions = append(sessions, s)
		}

		// The reference: plain sets of milliseconds.
		type ref struct {
			views, unique int
			watch         int64
			avg, complete float64
			retention     [101]float64
			byDay         map[string]int
			byLink        map[string]int
			member        map[string]int
		}
		want := ref{byDay: map[string]int{}, byLink: map[string]int{}, member: map[string]int{}}
		uniq := map[string]bool{}
		for _, s := range sessions {
			set := refUnion(s.watched, duration)
			n := int64(len(set))
			need := int64(3000)
			if n < need {
				continue
			}
			want.views++
			who := "v" + s.viewer
			if s.user != "" {
				who = "u" + s.user
				want.member[s.user]++
			}
			uniq[who] = true
			want.watch += n
			want.avg += math.Min(100, float64(n)*100/duration)
			if float64(n) >= 0.95*duration {
				want.complete++
			}
			for p := 0; p <= 100; p++ {
				at := int64(p) * duration / 100
				if p == 100 {
					at = duration - 1
				}
				if set[at] {
					want.retention[p]++
				}
			}
			want.byLink[s.link]++
		}
		want.unique = len(uniq)
		got := e.analytics(t, tm.admin, id, app.AnalyticsFilter{})
		if got.Views != want.views || got.UniqueViewers != want.unique || got.WatchTimeMS != want.watch {
			t.Fatalf("views %d unique %d watch %d; want %d %d %d", got.Views, got.UniqueViewers, got.WatchTimeMS, want.views, want.unique, want.watch)
		}
		near := func(name string, a, b float64) {
			if math.Abs(a-b) > 1e-9 {
				t.Errorf("%s = %v, want %v", name, a, b)
			}
		}
		n := float64(want.views)
		near("average_percent_watched", got.AveragePercentWatched, want.avg/n)
		near("completion_rate", got.CompletionRate, want.complete/n)
		if len(got.Retention) != 101 {
			t.Fatalf("retention has %d points", len(got.Retention))
		}
		for p := range 101 {
			near(fmt.Sprintf("retention[%d]", p), got.Retention[p], want.retention[p]/n)
		}
		total := 0
		for _, d := range got.ByDay {
			total += d.Views
		}
		if total != want.views {
			t.Errorf("by_day sums to %d, want %d", total, want.views)
		}
		for _, l := range got.ByLink {
			if l.Views != want.byLink[l.LinkID] {
				t.Errorf("link %s: %d views, want %d", l.LinkID, l.Views, want.byLink[l.LinkID])
			}
		}
		var linkTotal int64
		for _, l := range links {
			linkTotal += int64(want.byLink[l.ID])
		}
		if got := e.linkViews(t, tm.admin, id); got != linkTotal {
			t.Errorf("the links count %d views, want %d", got, linkTotal)
		}
		for _, m := range got.Members {
			if m.Views != want.member[m.User.ID] {
				t.Errorf("member %s: %d views, want %d", m.User.Email, m.Views, want.member[m.User.ID])
			}
		}
		if len(got.Members) != len(want.member) {
			t.Errorf("%d members, want %d", len(got.Members), len(want.member))
		}

		t.Run("a link and a range narrow the answer", func(t *testing.T) {
			only := e.analytics(t, tm.admin, id, app.AnalyticsFilter{LinkID: extra.ID})
			if only.Views != want.byLink[extra.ID] || len(only.ByLink) != 1 {
				t.Fatalf("link filter: %d views, %d links", only.Views, len(only.ByLink))
			}
			mid := start.Add(e.clock.Now().Sub(start) / 2)
			early := e.analytics(t, tm.admin, id, app.AnalyticsFilter{To: &mid})
			late := e.analytics(t, tm.admin, id, app.AnalyticsFilter{From: &mid})
			if early.Views+late.Views != want.views {
				t.Fatalf("%d + %d views, want %d", early.Views, late.Views, want.views)
			}
		})
	})
}

func TestNoAddressStored(t *testing.T) {
	forEngine(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		tm := e.team(t)
		slug, id := e.publishedVideo(t, tm.admin, tm.ws, 60_000)
		const addr = "203.0.113.77"
		for range 3 {
			err := e.app.RecordBeacon(ctx, slug, "", app.Beacon{Session: newSession(), ViewerID: "viewer-0123456789ab",
				Watched: [][2]int64{{0, 10_000}}}, from(addr))
			if err != nil {
				t.Fatal(err)
			}
		}
		if a := e.analytics(t, tm.admin, id, app.AnalyticsFilter{}); a.Views != 3 {
			t.Fatalf("views = %d", a.Views)
		}
		rows, err := e.db.Writer().QueryContext(ctx, `SELECT item_id || session || link_id || viewer_id || COALESCE(user_id, '') || watched FROM view_sessions
			UNION ALL SELECT key FROM rate_limits`)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		n := 0
		for rows.Next() {
			var s string
			if err := rows.Scan(&s); err != nil {
				t.Fatal(err)
			}
			n++
			if strings.Contains(s, addr) || strings.Contains(s, "203.0.113") {
				t.Errorf("stored: %q", s)
			}
		}
		if n < 3 {
			t.Fatalf("read %d rows", n)
		}
	})
}

func TestBeaconLimit(t *testing.T) {
	forEngine(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		tm := e.team(t)
		slug, _ := e.publishedVideo(t, tm.admin, tm.ws, 60_000)
		var limited error
		for i := 0; i < 1000 && limited == nil; i++ {
			limited = e.app.RecordBeacon(ctx, slug, "", app.Beacon{Session: "one-session-id-000", Watched: [][2]int64{{0, 1000}}}, from("198.51.100.9"))
		}
		wantCode(t, limited, troupe.CodeRateLimited)
		// Another address is not held back.
		if err := e.app.RecordBeacon(ctx, slug, "", app.Beacon{Session: "one-session-id-000", Watched: [][2]int64{{0, 1000}}}, from("198.51.100.10")); err != nil {
			t.Fatal(err)
		}
	})
}
