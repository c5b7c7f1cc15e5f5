package web

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"

	"troupe/internal/app"
	"troupe/internal/troupe"
)

// viewerCookie holds the random id a browser is known by in the views of
// share pages: first-party, and nothing but a random value.
const viewerCookie = "troupe_viewer"

// maxBeaconBody bounds a beacon's body: a session id and its ranges.
const maxBeaconBody = 16 << 10

// viewerID returns the browser's viewer id, giving it one when it has
// none.
func (s *Server) viewerID(w http.ResponseWriter, r *http.Request) string {
	if c, err := r.Cookie(viewerCookie); err == nil && app.ValidViewToken(c.Value) {
		return c.Value
	}
	var b [16]byte
	rand.Read(b[:])
	id := base64.RawURLEncoding.EncodeToString(b[:])
	s.setCookie(w, r, &http.Cookie{Name: viewerCookie, Value: id, Path: "/", MaxAge: 400 * 24 * 3600, HttpOnly: true,
		SameSite: http.SameSiteLaxMode})
	return id
}

// beaconJSON is what a share page sends: its session id and every range
// it watched, in milliseconds.
type beaconJSON struct {
	Session string       `json:"session"`
	Watched [][2]float64 `json:"watched"`
}

// publicEvents takes a share page's beacon. Pages send it with
// navigator.sendBeacon, as text; its body is JSON all the same.
func (s *Server) publicEvents(w http.ResponseWriter, r *http.Request) error {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBeaconBody))
	if err != nil {
		return plainError(w, decodeError(err))
	}
	var in beaconJSON
	if err := checkJSON(body); err != nil {
		return plainError(w, err)
	}
	if err := json.Unmarshal(body, &in); err != nil {
		return plainError(w, decodeError(err))
	}
	b := app.Beacon{Session: in.Session, Watched: make([][2]int64, 0, len(in.Watched))}
	for _, x := range in.Watched {
		if math.IsNaN(x[0]) || math.IsNaN(x[1]) || math.IsInf(x[0], 0) || math.IsInf(x[1], 0) {
			return plainError(w, troupe.Errorf(troupe.CodeMalformed, "Send ranges of finite numbers."))
		}
		b.Watched = append(b.Watched, [2]int64{int64(math.Round(max(min(x[0], troupe.MaxWatchMS), -1))),
			int64(math.Round(max(min(x[1], troupe.MaxWatchMS), -1)))})
	}
	if u, _ := s.currentUser(r); u != nil {
		b.UserID = u.ID
	}
	b.ViewerID = s.viewerID(w, r)
	if err := s.app.RecordBeacon(r.Context(), r.PathValue("slug"), visitorPass(r), b, s.client(r)); err != nil {
		return plainError(w, err)
	}
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// analyticsFilter reads ?from=&to=&link= of the analytics routes: days
// (to includes its day) or RFC 3339 instants.
func analyticsFilter(r *http.Request) (app.AnalyticsFilter, error) {
	q := r.URL.Query()
	f := app.AnalyticsFilter{LinkID: q.Get("link")}
	var v troupe.Validation
	at := func(field string, endOfDay bool) *time.Time {
		s := q.Get(field)
		if s == "" {
			return nil
		}
		if t, err := time.Parse(time.RFC3339, s); err == nil {
			return &t
		}
		t, err := time.Parse(time.DateOnly, s)
		if err != nil {
			v.Add(field, "invalid", "Use a day (2006-01-02) or an RFC 3339 time.")
			return nil
		}
		if endOfDay {
			t = t.AddDate(0, 0, 1)
		}
		return &t
	}
	f.From, f.To = at("from", false), at("to", true)
	return f, v.Err()
}

type analyticsJSON struct {
	Views                 int               `json:"views"`
	UniqueViewers         int               `json:"unique_viewers"`
	WatchTimeMS           int64             `json:"watch_time_ms"`
	AveragePercentWatched float64           `json:"average_percent_watched"`
	CompletionRate        float64           `json:"completion_rate"`
	Retention             []float64         `json:"retention"`
	ByDay                 []dayViewsJSON    `json:"by_day"`
	ByLink                []linkViewsJSON   `json:"by_link"`
	Members               []memberViewsJSON `json:"members"`
	DurationMS            int64             `json:"duration_ms"`
	From                  *time.Time        `json:"from"`
	To                    *time.Time        `json:"to"`
}

type dayViewsJSON struct {
	Date  string `json:"date"`
	Views int    `json:"views"`
}

type linkViewsJSON struct {
	LinkID  string `json:"link_id"`
	Label   string `json:"label"`
	Default bool   `json:"default"`
	Revoked bool   `json:"revoked"`
	Views   int    `json:"views"`
}

type viewerJSON struct {
	ID    string `json:"id"`
	Name  string `json:"name"`
	Email string `json:"email"`
}

type memberViewsJSON struct {
	User            viewerJSON `json:"user"`
	Views           int        `json:"views"`
	WatchedMS       int64      `json:"watched_ms"`
	FurthestPercent float64    `json:"furthest_percent"`
	LastViewedAt    time.Time  `json:"last_viewed_at"`
}

func (s *Server) handleAnalytics(w http.ResponseWriter, r *http.Request, u troupe.User) error {
	f, err := analyticsFilter(r)
	if err != nil {
		return err
	}
	a, err := s.app.VideoAnalytics(r.Context(), u, r.PathValue("id"), f)
	if err != nil {
		return err
	}
	out := analyticsJSON{Views: a.Views, UniqueViewers: a.UniqueViewers, WatchTimeMS: a.WatchTimeMS,
		AveragePercentWatched: a.AveragePercentWatched, CompletionRate: a.CompletionRate, Retention: a.Retention,
		ByDay: []dayViewsJSON{}, ByLink: []linkViewsJSON{}, Members: []memberViewsJSON{}, DurationMS: a.DurationMS, From: a.From, To: a.To}
	for _, d := range a.ByDay {
		out.ByDay = append(out.ByDay, dayViewsJSON(d))
	}
	for _, l := range a.ByLink {
		out.ByLink = append(out.ByLink, linkViewsJSON(l))
	}
	for _, m := range a.Members {
		out.Members = append(out.Members, memberViewsJSON{User: viewerJSON{ID: m.User.ID, Name: m.User.Name, Email: m.User.Email},
			Views: m.Views, WatchedMS: m.WatchedMS, FurthestPercent: m.FurthestPercent, LastViewedAt: m.LastViewedAt})
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

// handleAnalyticsCSV exports a video's views, one row per view.
func (s *Server) handleAnalyticsCSV(w http.ResponseWriter, r *http.Request, u troupe.User) error {
	f, err := analyticsFilter(r)
	if err != nil {
		return err
	}
	views, duration, err := s.app.ListViews(r.Context(), u, r.PathValue("id"), f)
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8; header=present")
	w.Header().Set("Content-Disposition", `attachment; filename="views.csv"`)
	w.Header().Set("Cache-Control", "no-store")
	cw := csv.NewWriter(w)
	cw.UseCRLF = true // RFC 4180
	cw.Write([]string{"session", "viewed_at", "started_at", "link_id", "link_label", "viewer_id", "member_id", "watched_ms", "percent_watched", "completed"})
	for _, v := range views {
		viewed := ""
		if v.ViewedAt != nil {
			viewed = v.ViewedAt.UTC().Format(time.RFC3339Nano)
		}
		completed := duration > 0 && float64(v.WatchedMS) >= troupe.CompletionShare*float64(duration)
		cw.Write([]string{v.Session, viewed, v.StartedAt.UTC().Format(time.RFC3339Nano), v.LinkID, csvSafe(v.LinkLabel), v.ViewerID, v.UserID,
			strconv.FormatInt(v.WatchedMS, 10), strconv.FormatFloat(v.PercentWatched(duration), 'f', 1, 64), strconv.FormatBool(completed)})
	}
	cw.Flush()
	return cw.Error()
}

// --- The Analytics tab -------------------------------------------------------

// analyticsDays is the span the Analytics tab shows.
const analyticsDays = 30

// Chart sizes in the SVG's own units; the SVG scales to its box.
const (
	chartW = 600
	chartH = 160
)

// analyticsPanel is the Analytics tab: the figures, the views per day as
// bars and the retention as a curve, drawn here as SVG, and the tables.
type analyticsPanel struct {
	app.Analytics
	Days int
	// Bars are the days' bars; MaxViews the top of their scale.
	Bars     []chartBar
	MaxViews int
	// RetentionLine and RetentionArea draw the retention curve.
	RetentionLine string
	RetentionArea string
	// Halfway is the share of views still watching at the middle.
	Halfway     int
	DurationStr string
	AvgPercent  int
	Completion  int
	WatchTime   string
	MemberRows  []memberRow
}

type chartBar struct {
	X, Y, W, H string
	Date       time.Time
	Views      int
}

type memberRow struct {
	app.MemberViews
	Percent int
	Watched string
}

// num writes an SVG coordinate.
func num(f float64) string { return strconv.FormatFloat(math.Round(f*10)/10, 'f', -1, 64) }

// clock writes a duration as h:mm:ss or m:ss.
func clock(ms int64) string {
	s := ms / 1000
	if s >= 3600 {
		return fmt.Sprintf("%d:%02d:%02d", s/3600, s/60%60, s%60)
	}
	return fmt.Sprintf("%d:%02d", s/60, s%60)
}

func newAnalyticsPanel(a app.Analytics) *analyticsPanel {
	p := &analyticsPanel{Analytics: a, Days: analyticsDays, DurationStr: clock(a.DurationMS),
		AvgPercent: int(math.Round(a.AveragePercentWatched)), Completion: int(math.Round(a.CompletionRate * 100)),
		WatchTime: clock(a.WatchTimeMS)}
	for _, d := range a.ByDay {
		p.MaxViews = max(p.MaxViews, d.Views)
	}
	scale := max(p.MaxViews, 1)
	if n := len(a.ByDay); n > 0 {
		slot := float64(chartW) / float64(n)
		for i, d := range a.ByDay {
			h := float64(d.Views) / float64(scale) * chartH
			if d.Views > 0 {
				h = max(h, 2)
			}
			day, _ := time.Parse(time.DateOnly, d.Date)
			p.Bars = append(p.Bars, chartBar{X: num(float64(i)*slot + slot*0.15), Y: num(chartH - h), W: num(slot * 0.7), H: num(h),
				Date: day, Views: d.Views})
		}
	}
	var pts []string
	for i, r := range a.Retention {
		pts = append(pts, num(float64(i)*chartW/100)+","+num(chartH-r*chartH))
	}
	p.RetentionLine = strings.Join(pts, " ")
	p.RetentionArea = "M0," + num(chartH) + " L" + strings.Join(pts, " L") + " L" + num(chartW) + "," + num(chartH) + " Z"
	if len(a.Retention) > 50 {
		p.Halfway = int(math.Round(a.Retention[50] * 100))
	}
	for _, m := range a.Members {
		row := memberRow{MemberViews: m, Percent: int(math.Round(m.FurthestPercent)), Watched: clock(m.WatchedMS)}
		p.MemberRows = append(p.MemberRows, row)
	}
	return p
}
