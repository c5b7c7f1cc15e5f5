package app

import (
	"cmp"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"maps"
	"slices"
	"sync"
	"time"

	"troupe/internal/store"
	"troupe/internal/troupe"
)

// Beacon is what a share page reports about one viewing session: the
// ranges it watched so far, in milliseconds.
type Beacon struct {
	Session string
	Watched [][2]int64
	// ViewerID is the random id the visitor's browser holds.
	ViewerID string
	// UserID is the signed-in user, "" for a visitor.
	UserID string
}

// How the views of a share page are gathered: beacons are merged in
// memory per session and written in one transaction every flush, never
// holding more than maxPendingViews sessions.
const (
	viewFlushInterval = 250 * time.Millisecond
	maxPendingViews   = 50_000
	// beaconRate and beaconBurst bound the beacons of one address: a page
	// sends one every few seconds, so this leaves room for a few hundred
	// viewers behind one address.
	beaconRate  = 50.0
	beaconBurst = 200.0
	// maxBeaconBuckets bounds the memory the limit takes.
	maxBeaconBuckets = 100_000
)

// ValidViewToken reports whether s may name a viewing session or a
// viewer: 16 to 64 letters, digits, '-' or '_'.
func ValidViewToken(s string) bool {
	if len(s) < 16 || len(s) > 64 {
		return false
	}
	for _, c := range []byte(s) {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}

// RecordBeacon takes a share page's report about a viewing session of
// the video published under slug. Locked, expired, revoked and unknown
// pages answer not_found and nothing is kept; the owner's own sessions
// are taken and dropped. What is taken reaches the database at the next
// flush (see viewBuffer).
func (a *App) RecordBeacon(ctx context.Context, slug, pass string, b Beacon, c Client) (opErr error) {
	defer wrap(&opErr, "record beacon")
	if err := a.beaconAllowed(ctx, c); err != nil {
		return err
	}
	p, err := a.unlocked(ctx, slug, pass)
	if troupe.ErrorCode(err) == troupe.CodePasswordRequired {
		return errNoVideo
	}
	if err != nil {
		return err
	}
	var v troupe.Validation
	if !ValidViewToken(b.Session) {
		v.Add("session", "invalid", "Send a random session id of 16 to 64 letters, digits, - or _.")
	}
	if len(b.Watched) > troupe.MaxWatchedRanges {
		v.Add("watched", "too_many", "Send at most 500 ranges.")
	}
	if err := v.Err(); err != nil {
		return err
	}
	video := p.video
	if b.UserID != "" && b.UserID == video.OwnerID {
		return nil
	}
	var duration int64
	if video.DurationMS != nil {
		duration = *video.DurationMS
	}
	watched := troupe.NormalizeRanges(b.Watched, duration)
	if len(watched) == 0 {
		return nil
	}
	if !ValidViewToken(b.ViewerID) {
		b.ViewerID = ""
	}
	now := a.now()
	s := troupe.ViewSession{ItemID: video.ItemID, Session: b.Session, LinkID: video.LinkID, ViewerID: b.ViewerID, UserID: b.UserID,
		Watched: watched, StartedAt: now, UpdatedAt: now}
	return a.views.add(ctx, a, pendingView{workspaceID: video.WorkspaceID, durationMS: duration, s: s})
}

// beaconAllowed limits the beacons of one address, in this instance's
// memory: a beacon is too small a thing for a database write, and the
// limit only keeps a flood off the buffer. The address is known only by
// a keyed hash, so not even memory holds it.
func (a *App) beaconAllowed(ctx context.Context, c Client) error {
	key, err := a.serverKey(ctx, "beacon-limit")
	if err != nil {
		return err
	}
	m := hmac.New(sha256.New, key)
	m.Write([]byte(c.address()))
	if !a.beacons.allow(hex.EncodeToString(m.Sum(nil)[:16]), a.now()) {
		return rateLimited(time.Second)
	}
	return nil
}

// tokenBuckets is an in-memory rate limit: beaconRate per second per key,
// up to beaconBurst at once.
type tokenBuckets struct {
	mu      sync.Mutex
	buckets map[string]*tokenBucket
}

type tokenBucket struct {
	tokens float64
	at     time.Time
}

func (t *tokenBuckets) allow(key string, now time.Time) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.buckets == nil {
		t.buckets = map[string]*tokenBucket{}
	}
	b, ok := t.buckets[key]
	if !ok {
		if len(t.buckets) >= maxBeaconBuckets {
			// Full buckets carry nothing worth keeping.
			full := time.Duration(beaconBurst / beaconRate * float64(time.Second))
			maps.DeleteFunc(t.buckets, func(_ string, b *tokenBucket) bool { return now.Sub(b.at) >= full })
			if len(t.buckets) >= maxBeaconBuckets {
				clear(t.buckets)
			}
		}
		b = &tokenBucket{tokens: beaconBurst, at: now}
		t.buckets[key] = b
	}
	b.tokens = min(beaconBurst, b.tokens+now.Sub(b.at).Seconds()*beaconRate)
	b.at = now
	if b.tokens < 1 {
		return false
	}
	b.tokens--
	return true
}

// viewKey names a viewing session: a session id belongs to one video.
type viewKey struct{ item, session string }

// pendingView is a session's report waiting for the flush.
type pendingView struct {
	workspaceID string
	durationMS  int64
	s           troupe.ViewSession
}

// viewBuffer gathers beacons in memory, the union of each session's
// ranges, and writes them every viewFlushInterval in one transaction
// that merges them with what the database holds (so several instances
// agree). A crash loses at most the last interval's reports, which the
// next beacons of live sessions send again, since each carries all its
// session has watched.
type viewBuffer struct {
	mu      sync.Mutex
	pending map[viewKey]pendingView
	closed  bool
	// flushMu keeps flushes one at a time.
	flushMu sync.Mutex
	start   sync.Once
	stop    chan struct{}
	done    chan struct{}
}

// add merges v into the buffer, starting the flusher on the first beacon;
// a full buffer is flushed first, so the sender waits rather than the
// memory growing. Once the app is closed, v is written at once.
func (b *viewBuffer) add(ctx context.Context, a *App, v pendingView) error {
	b.start.Do(func() {
		b.stop, b.done = make(chan struct{}), make(chan struct{})
		go b.run(a)
	})
	for {
		b.mu.Lock()
		k := viewKey{v.s.ItemID, v.s.Session}
		old, ok := b.pending[k]
		if ok || len(b.pending) < maxPendingViews {
			if ok {
				old.s.Watched = old.s.Watched.Union(v.s.Watched)
				old.s.UpdatedAt = v.s.UpdatedAt
				if old.s.UserID == "" {
					old.s.UserID = v.s.UserID
				}
				v = old
			}
			if b.pending == nil {
				b.pending = map[viewKey]pendingView{}
			}
			b.pending[k] = v
			closed := b.closed
			b.mu.Unlock()
			if closed {
				return a.flushViews(ctx)
			}
			return nil
		}
		b.mu.Unlock()
		if err := a.flushViews(ctx); err != nil {
			return err
		}
	}
}

// run flushes the buffer every viewFlushInterval until stop.
func (b *viewBuffer) run(a *App) {
	defer close(b.done)
	t := time.NewTicker(viewFlushInterval)
	defer t.Stop()
	for {
		select {
		case <-b.stop:
			return
		case <-t.C:
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			if err := a.flushViews(ctx); err != nil {
				a.log.Error("write views", "err", err)
			}
			cancel()
		}
	}
}

// flushViews writes every buffered session in one transaction, in the
// order of their keys (so that instances lock rows in one order), then
// adds the views counted to their links. On failure the sessions go back
// to the buffer for the next flush, as far as it has room.
func (a *App) flushViews(ctx context.Context) error {
	b := &a.views
	b.flushMu.Lock()
	defer b.flushMu.Unlock()
	b.mu.Lock()
	batch := b.pending
	b.pending = nil
	b.mu.Unlock()
	if len(batch) == 0 {
		return nil
	}
	keys := slices.SortedFunc(maps.Keys(batch), func(x, y viewKey) int {
		return cmp.Or(cmp.Compare(x.item, y.item), cmp.Compare(x.session, y.session))
	})
	err := a.db.Tx(ctx, func(tx *store.Tx) error {
		links := map[string]int{}
		for _, k := range keys {
			v := batch[k]
			link, err := tx.MergeViewSession(ctx, v.workspaceID, v.s, v.durationMS)
			if err != nil {
				return err
			}
			if link != "" {
				links[link]++
			}
		}
		for _, id := range slices.Sorted(maps.Keys(links)) {
			if err := tx.AddLinkViews(ctx, id, links[id]); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		b.mu.Lock()
		if b.pending == nil {
			b.pending = map[viewKey]pendingView{}
		}
		for k, v := range batch {
			if cur, ok := b.pending[k]; ok {
				cur.s.Watched = cur.s.Watched.Union(v.s.Watched)
				b.pending[k] = cur
			} else if len(b.pending) < maxPendingViews {
				b.pending[k] = v
			}
		}
		b.mu.Unlock()
	}
	return err
}

// Close writes the views still in memory and stops their flusher; call
// it once requests have stopped, before closing the database.
func (a *App) Close(ctx context.Context) error {
	b := &a.views
	b.mu.Lock()
	b.closed = true
	b.mu.Unlock()
	b.start.Do(func() {}) // no flusher may start from now on
	if b.stop != nil {
		close(b.stop)
		<-b.done
	}
	return a.flushViews(ctx)
}

// AnalyticsFilter picks the views an analytics answer covers: by when
// they became views (From inclusive, To exclusive; LastDays, when set,
// the last days up to now instead) and by link ("" for all).
type AnalyticsFilter struct {
	From, To *time.Time
	LastDays int
	LinkID   string
}

// Analytics is what a video's viewers did, over its views.
type Analytics struct {
	Views         int
	UniqueViewers int
	WatchTimeMS   int64
	// AveragePercentWatched is the mean share of the video a view
	// watched (0–100); CompletionRate the share of views that watched
	// troupe.CompletionShare of it (0–1).
	AveragePercentWatched float64
	CompletionRate        float64
	// Retention holds, for each percent of the video (0–100), the share
	// of views that watched that instant (0–1).
	Retention []float64
	ByDay     []DayViews
	ByLink    []LinkViews
	Members   []MemberViews
	// DurationMS is the duration the percents are of: the video's, or
	// when unknown the furthest instant any view reached.
	DurationMS int64
	// From and To are the bounds of the answer, nil for none.
	From, To *time.Time
}

// DayViews is the number of views on a day (UTC, "2006-01-02").
type DayViews struct {
	Date  string
	Views int
}

// LinkViews is the number of views through a link; Label is "" for the
// default link and for links revoked since (Revoked).
type LinkViews struct {
	LinkID  string
	Label   string
	Default bool
	Revoked bool
	Views   int
}

// MemberViews is what a member watched signed in.
type MemberViews struct {
	User      troupe.User
	Views     int
	WatchedMS int64
	// FurthestPercent is the most any one of their views watched (0–100).
	FurthestPercent float64
	LastViewedAt    time.Time
}

// analyticsVideo checks that actor may read the analytics of video id:
// those who may edit it (Super Admins among them).
func (a *App) analyticsVideo(ctx context.Context, q *store.Queries, actor troupe.User, id string) (ItemView, error) {
	it, _, err := a.video(ctx, q, actor, id)
	if err != nil {
		return ItemView{}, err
	}
	if !it.Permissions.CanEdit {
		return ItemView{}, refuse(it, needEdit, "Only those who can edit this video can see its analytics.")
	}
	return it, nil
}

// viewFilter resolves f at now.
func (f AnalyticsFilter) viewFilter(now time.Time) store.ViewFilter {
	vf := store.ViewFilter{From: f.From, To: f.To, LinkID: f.LinkID}
	if f.LastDays > 0 {
		from := now.Truncate(24*time.Hour).AddDate(0, 0, 1-f.LastDays)
		vf.From, vf.To = &from, nil
	}
	return vf
}

// ListViews returns the views of a video the actor may edit, oldest
// first (the CSV export's rows).
func (a *App) ListViews(ctx context.Context, actor troupe.User, id string, f AnalyticsFilter) (_ []troupe.ViewSession, durationMS int64, opErr error) {
	defer wrap(&opErr, "list views")
	if _, err := a.analyticsVideo(ctx, a.db.Read(), actor, id); err != nil {
		return nil, 0, err
	}
	// What this instance holds is shown too.
	if err := a.flushViews(ctx); err != nil {
		return nil, 0, err
	}
	q := a.db.Read()
	it, err := a.analyticsVideo(ctx, q, actor, id)
	if err != nil {
		return nil, 0, err
	}
	views, err := q.ListViews(ctx, id, f.viewFilter(a.now()))
	if err != nil {
		return nil, 0, err
	}
	return views, viewDuration(it, views), nil
}

// viewDuration is the duration percents are of: the video's, else the
// furthest instant a view reached.
func viewDuration(it ItemView, views []troupe.ViewSession) int64 {
	if it.DurationMS != nil && *it.DurationMS > 0 {
		return *it.DurationMS
	}
	var d int64
	for _, v := range views {
		d = max(d, v.Watched.End())
	}
	return d
}

// VideoAnalytics sums up the views of a video the actor may edit.
func (a *App) VideoAnalytics(ctx context.Context, actor troupe.User, id string, f AnalyticsFilter) (_ Analytics, opErr error) {
	defer wrap(&opErr, "video analytics")
	if _, err := a.analyticsVideo(ctx, a.db.Read(), actor, id); err != nil {
		return Analytics{}, err
	}
	if err := a.flushViews(ctx); err != nil {
		return Analytics{}, err
	}
	q := a.db.Read()
	it, err := a.analyticsVideo(ctx, q, actor, id)
	if err != nil {
		return Analytics{}, err
	}
	vf := f.viewFilter(a.now())
	views, err := q.ListViews(ctx, id, vf)
	if err != nil {
		return Analytics{}, err
	}
	links, err := q.ListLinks(ctx, id)
	if err != nil {
		return Analytics{}, err
	}
	d := viewDuration(it, views)
	out := Analytics{Views: len(views), DurationMS: d, From: vf.From, To: vf.To, Retention: make([]float64, 101),
		ByDay: []DayViews{}, ByLink: []LinkViews{}, Members: []MemberViews{}}
	viewers := map[string]bool{}
	byDay := map[string]int{}
	byLink := map[string]int{}
	members := map[string]*MemberViews{}
	var percents float64
	completed := 0
	for _, v := range views {
		viewer := "v:" + v.ViewerID
		switch {
		case v.UserID != "":
			viewer = "u:" + v.UserID
		case v.ViewerID == "":
			viewer = "s:" + v.Session
		}
		viewers[viewer] = true
		out.WatchTimeMS += v.WatchedMS
		pct := v.PercentWatched(d)
		percents += pct
		if d > 0 && float64(v.WatchedMS) >= troupe.CompletionShare*float64(d) {
			completed++
		}
		for p := range 101 {
			if d > 0 && v.Watched.Covers(troupe.RetentionInstant(p, d)) {
				out.Retention[p]++
			}
		}
		byDay[v.ViewedAt.UTC().Format(time.DateOnly)]++
		byLink[v.LinkID]++
		if v.UserID != "" {
			m := members[v.UserID]
			if m == nil {
				m = &MemberViews{User: troupe.User{ID: v.UserID}}
				members[v.UserID] = m
			}
			m.Views++
			m.WatchedMS += v.WatchedMS
			m.FurthestPercent = max(m.FurthestPercent, pct)
			if v.ViewedAt.After(m.LastViewedAt) {
				m.LastViewedAt = *v.ViewedAt
			}
		}
	}
	out.UniqueViewers = len(viewers)
	if n := float64(len(views)); n > 0 {
		out.AveragePercentWatched = percents / n
		out.CompletionRate = float64(completed) / n
		for p := range out.Retention {
			out.Retention[p] /= n
		}
	}
	out.ByDay = daySeries(byDay, vf.From, vf.To, a.now())
	for _, l := range links {
		if f.LinkID != "" && l.ID != f.LinkID {
			continue
		}
		out.ByLink = append(out.ByLink, LinkViews{LinkID: l.ID, Label: l.Label, Default: l.Default, Views: byLink[l.ID]})
		delete(byLink, l.ID)
	}
	for _, id := range slices.Sorted(maps.Keys(byLink)) {
		out.ByLink = append(out.ByLink, LinkViews{LinkID: id, Revoked: true, Views: byLink[id]})
	}
	for _, m := range members {
		u, err := q.FindUserByID(ctx, m.User.ID)
		if err != nil {
			return Analytics{}, err
		}
		m.User = u.User
		out.Members = append(out.Members, *m)
	}
	slices.SortFunc(out.Members, func(x, y MemberViews) int {
		return cmp.Or(y.LastViewedAt.Compare(x.LastViewedAt), cmp.Compare(x.User.ID, y.User.ID))
	})
	return out, nil
}

// maxSeriesDays bounds the days of a series with no views filled in.
const maxSeriesDays = 3660

// daySeries lists the views per day from the first day (from's, else the
// first with views) to the last (to's, else today), days without views
// included.
func daySeries(byDay map[string]int, from, to *time.Time, now time.Time) []DayViews {
	out := []DayViews{}
	if len(byDay) == 0 && from == nil {
		return out
	}
	days := slices.Sorted(maps.Keys(byDay))
	var first, last time.Time
	if from != nil {
		first = from.UTC().Truncate(24 * time.Hour)
	} else {
		first, _ = time.Parse(time.DateOnly, days[0])
	}
	if to != nil {
		last = to.UTC().Add(-time.Millisecond).Truncate(24 * time.Hour)
	} else {
		last = now.UTC().Truncate(24 * time.Hour)
	}
	if len(days) > 0 {
		if d, _ := time.Parse(time.DateOnly, days[len(days)-1]); d.After(last) {
			last = d
		}
	}
	for d := first; !d.After(last) && len(out) < maxSeriesDays; d = d.AddDate(0, 0, 1) {
		k := d.Format(time.DateOnly)
		out = append(out, DayViews{Date: k, Views: byDay[k]})
	}
	return out
}
