package troupe

import (
	"cmp"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"
)

// ViewMinWatchMS is how much of a video a viewing session must have
// watched, in total, to count as a view: 3 seconds, or the whole video
// when it is shorter.
const ViewMinWatchMS = 3000

// Limits on what a page may report about one viewing session.
const (
	// MaxWatchedRanges bounds the ranges one report, and one session's
	// stored union, may hold.
	MaxWatchedRanges = 500
	// MaxWatchMS is the latest instant a range may reach when the video's
	// duration is unknown (a day).
	MaxWatchMS = 24 * 3600 * 1000
	// CompletionShare is the share of a video a view must have watched
	// to count as completed.
	CompletionShare = 0.95
)

// Ranges is a set of instants of a video watched, in milliseconds: sorted
// half-open [start, end) ranges that neither overlap nor touch.
type Ranges [][2]int64

// NormalizeRanges turns what a page reports into Ranges: each range cut
// to [0, limit) (limit ≤ 0: MaxWatchMS), empty ones dropped, the rest
// sorted and merged.
func NormalizeRanges(in [][2]int64, limit int64) Ranges {
	if limit <= 0 {
		limit = MaxWatchMS
	}
	out := make(Ranges, 0, len(in))
	for _, r := range in {
		s, e := max(r[0], 0), min(r[1], limit)
		if e > s {
			out = append(out, [2]int64{s, e})
		}
	}
	return merge(out)
}

// merge sorts rs and joins the ranges that overlap or touch.
func merge(rs Ranges) Ranges {
	slices.SortFunc(rs, func(a, b [2]int64) int {
		if c := cmp.Compare(a[0], b[0]); c != 0 {
			return c
		}
		return cmp.Compare(a[1], b[1])
	})
	out := rs[:0]
	for _, r := range rs {
		if n := len(out); n > 0 && r[0] <= out[n-1][1] {
			out[n-1][1] = max(out[n-1][1], r[1])
			continue
		}
		out = append(out, r)
	}
	return out
}

// Union returns the instants in r or in o.
func (r Ranges) Union(o Ranges) Ranges {
	all := make(Ranges, 0, len(r)+len(o))
	all = append(append(all, r...), o...)
	return merge(all)
}

// Total is the time the ranges cover.
func (r Ranges) Total() int64 {
	var n int64
	for _, x := range r {
		n += x[1] - x[0]
	}
	return n
}

// Covers reports whether instant t is in one of the ranges.
func (r Ranges) Covers(t int64) bool {
	i, _ := slices.BinarySearchFunc(r, t, func(x [2]int64, t int64) int {
		switch {
		case x[1] <= t:
			return -1
		case x[0] > t:
			return 1
		}
		return 0
	})
	return i < len(r) && r[i][0] <= t && t < r[i][1]
}

// End is the latest instant the ranges reach, 0 when empty.
func (r Ranges) End() int64 {
	if len(r) == 0 {
		return 0
	}
	return r[len(r)-1][1]
}

// String writes the ranges as "start-end,start-end", the stored form.
func (r Ranges) String() string {
	var b strings.Builder
	for i, x := range r {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(strconv.FormatInt(x[0], 10))
		b.WriteByte('-')
		b.WriteString(strconv.FormatInt(x[1], 10))
	}
	return b.String()
}

// ParseRanges reads what String wrote; what it cannot read is left out.
func ParseRanges(s string) Ranges {
	var out Ranges
	for _, part := range strings.Split(s, ",") {
		a, b, ok := strings.Cut(part, "-")
		if !ok {
			continue
		}
		x, err1 := strconv.ParseInt(a, 10, 64)
		y, err2 := strconv.ParseInt(b, 10, 64)
		if err1 == nil && err2 == nil && y > x {
			out = append(out, [2]int64{x, y})
		}
	}
	return merge(out)
}

// ViewThreshold is how much a session must watch of a video of duration
// ms (0 when unknown) to count as a view.
func ViewThreshold(durationMS int64) int64 {
	if durationMS > 0 && durationMS < ViewMinWatchMS {
		return durationMS
	}
	return ViewMinWatchMS
}

// CountsAsView reports whether a session that watched watchedMS of a
// video of durationMS (0 when unknown) is a view.
func CountsAsView(watchedMS, durationMS int64) bool {
	return watchedMS >= ViewThreshold(durationMS)
}

// ViewSession is one viewing session of a video as stored: what it
// watched, through which link, by which browser and, when a member
// watched signed in, by whom. Nothing else about the visitor is kept.
type ViewSession struct {
	ItemID  string
	Session string
	LinkID  string
	// LinkLabel is the link's label, "" for the default link or one
	// revoked since.
	LinkLabel string
	// ViewerID is the random id the browser holds; UserID the member
	// signed in, "" for visitors.
	ViewerID  string
	UserID    string
	Watched   Ranges
	WatchedMS int64
	// IsView: the session watched enough to count; ViewedAt is when.
	IsView    bool
	StartedAt time.Time
	ViewedAt  *time.Time
	UpdatedAt time.Time
}

// PercentWatched is the share of a video of durationMS that s watched,
// from 0 to 100.
func (s ViewSession) PercentWatched(durationMS int64) float64 {
	if durationMS <= 0 {
		return 0
	}
	return math.Min(100, float64(s.WatchedMS)*100/float64(durationMS))
}

// RetentionInstant is the instant of a video of durationMS that stands
// for percent p (0–100) on the retention curve; the last percent stands
// for the video's last millisecond.
func RetentionInstant(p int, durationMS int64) int64 {
	return min(int64(p)*durationMS/100, max(durationMS-1, 0))
}
