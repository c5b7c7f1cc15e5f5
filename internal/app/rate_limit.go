package app

import (
	"context"
	"net/netip"
	"sync"
	"time"

	"troupe/internal/store"
	"troupe/internal/troupe"
)

// limit is a sliding-window rate limit: at most max hits in any span of
// one window. The span is estimated from two fixed windows' counters: the
// current one's hits plus the previous one's, weighted by how much of the
// span still overlaps it. Hits straddling a window's boundary then count
// together, instead of the allowance starting afresh at each boundary.
type limit struct {
	name   string
	max    int
	window time.Duration
}

// The limits where guessing or spamming is possible.
var (
	// Failed sign-ins from browsers that have not signed in to the
	// account before: per account and address, and a higher cap per
	// account alone. A device that proved itself has its own cap instead
	// (see Login), so nobody can lock an owner out.
	limitLoginFail        = limit{"login-fail", 10, 15 * time.Minute}
	limitLoginAccountFail = limit{"login-account-fail", 100, 15 * time.Minute}
	limitLoginDeviceFail  = limit{"login-device-fail", 10, 15 * time.Minute}
	limitLoginIP          = limit{"login-ip", 50, 15 * time.Minute}
	limitResetConfirmIP   = limit{"reset-confirm-ip", 30, time.Hour}
	limitSignupMail       = limit{"signup-mail", 3, time.Hour}
	limitSignupIP         = limit{"signup-ip", 20, time.Hour}
	limitResetIP          = limit{"reset-ip", 20, time.Hour}
	limitResetAccount     = limit{"reset-account", 5, time.Hour}
	limitVerifyResend     = limit{"verify-resend", 5, time.Hour}
	limitInviteWS         = limit{"invite-workspace", 1000, 24 * time.Hour}
	limitInviter          = limit{"invite-inviter", 300, 24 * time.Hour}
	limitSeatNotice       = limit{"seat-notice", 1, time.Hour}
)

// addressKey is the part of a client's address that rate limits count
// by: an IPv4 address, or an IPv6 address's /64, since one subscriber
// usually holds a whole /64 and could otherwise take a fresh address for
// every attempt.
func addressKey(ip string) string {
	addr, err := netip.ParseAddr(ip)
	if err != nil {
		return ip
	}
	addr = addr.Unmap()
	if addr.Is4() {
		return addr.String()
	}
	return netip.PrefixFrom(addr.WithZone(""), 64).Masked().String()
}

// ticket names the counter a hit went to, so that giving it back lands
// exactly where it was counted, whatever the time is by then.
type ticket struct {
	key   string
	start time.Time
	n     int
}

// windows returns the start of the window now falls in, of the one
// before, and how much of the current one has passed.
func (l limit) windows(now time.Time) (prev, cur time.Time, elapsed time.Duration) {
	cur = now.Truncate(l.window)
	return cur.Add(-l.window), cur, now.Sub(cur)
}

// over reports whether prev and cur hits (counted in the windows before
// and at now, elapsed into the current one) plus extra more exceed l.
func (l limit) over(prev, cur, extra int, elapsed time.Duration) bool {
	weight := float64(l.window-elapsed) / float64(l.window)
	return float64(prev)*weight+float64(cur+extra) > float64(l.max)
}

// retryAfter is how long until one more hit fits, if none come
// meanwhile: the previous window's share fades as the span slides.
func (l limit) retryAfter(prev, cur int, elapsed time.Duration) time.Duration {
	var wait time.Duration
	if room := l.max - 1 - cur; room >= 0 {
		// Within this window, once prev*(1-f) <= room.
		f := 1 - float64(room)/float64(max(prev, 1))
		wait = time.Duration(f*float64(l.window)) - elapsed
	} else {
		// In the next window, once cur*(1-f) <= max-1.
		f := 1 - float64(l.max-1)/float64(cur)
		wait = l.window - elapsed + time.Duration(f*float64(l.window))
	}
	return max(wait, 0).Truncate(time.Second) + time.Second
}

// hit counts one attempt against l for key and fails with rate_limited
// once the allowance is used. Counters live in the database, so every
// instance shares them; they are counted before any costly work.
func (a *App) hit(ctx context.Context, l limit, key string) error {
	_, err := a.take(ctx, l, key, 1)
	return err
}

// hitN counts n attempts at once (a batch of invitations, say).
func (a *App) hitN(ctx context.Context, l limit, key string, n int) error {
	_, err := a.take(ctx, l, key, n)
	return err
}

// take counts n attempts like hitN and returns the ticket that gives
// them back.
func (a *App) take(ctx context.Context, l limit, key string, n int) (ticket, error) {
	now := a.now()
	prevStart, start, elapsed := l.windows(now)
	t := ticket{key: l.name + ":" + key, start: start, n: n}
	if wait := a.refused.wait(t.key, now); wait > 0 {
		return ticket{}, rateLimited(wait)
	}
	// The hit over the allowance is not kept, so that one more fits
	// exactly when Retry-After says; until then this instance refuses the
	// key from memory, so a flood of refused attempts costs the database
	// nothing.
	var wait time.Duration
	err := a.db.Tx(ctx, func(tx *store.Tx) error {
		prev, cur, err := tx.HitRateLimit(ctx, t.key, prevStart, start, n)
		if err != nil || !l.over(prev, cur, 0, elapsed) {
			return err
		}
		wait = l.retryAfter(prev, cur-n, elapsed)
		return tx.AddRateLimitHits(ctx, t.key, start, -n)
	})
	if err != nil {
		return ticket{}, err
	}
	if wait > 0 {
		a.refused.add(t.key, now, now.Add(wait))
		return ticket{}, rateLimited(wait)
	}
	return t, nil
}

// record counts one attempt against l for key, over the allowance or not:
// failures that exceeded checks are counted this way.
func (a *App) record(ctx context.Context, l limit, key string) error {
	_, start, _ := l.windows(a.now())
	return a.db.Tx(ctx, func(tx *store.Tx) error {
		return tx.AddRateLimitHits(ctx, l.name+":"+key, start, 1)
	})
}

// giveBack returns the attempts of t to the window they were counted in.
func (a *App) giveBack(ctx context.Context, t ticket) error {
	if t.key == "" {
		return nil
	}
	return a.db.Tx(ctx, func(tx *store.Tx) error {
		return tx.AddRateLimitHits(ctx, t.key, t.start, -t.n)
	})
}

// exceeded reports, without counting, whether key has no attempt left.
func (a *App) exceeded(ctx context.Context, l limit, key string) error {
	prevStart, start, elapsed := l.windows(a.now())
	prev, cur, err := a.db.Read().RateLimitHits(ctx, l.name+":"+key, prevStart, start)
	if err != nil {
		return err
	}
	if l.over(prev, cur, 1, elapsed) {
		return rateLimited(l.retryAfter(prev, cur, elapsed))
	}
	return nil
}

// forget lifts every limit l holds on key (and on key from each address).
func (a *App) forget(ctx context.Context, tx *store.Tx, l limit, key string) error {
	return tx.DeleteRateLimits(ctx, l.name+":"+key)
}

// refusals remembers, per instance, until when a key is refused. It only
// repeats what the database decided: counts only go down before then when
// a right password gives its guess back, which at worst makes someone wait
// out the Retry-After they were given.
type refusals struct {
	mu    sync.Mutex
	until map[string]time.Time
}

// maxRefusals bounds the memory a flood from many addresses can take;
// beyond it refusals are decided by the database alone.
const maxRefusals = 100_000

func (r *refusals) wait(key string, now time.Time) time.Duration {
	r.mu.Lock()
	defer r.mu.Unlock()
	t, ok := r.until[key]
	if !ok {
		return 0
	}
	if !now.Before(t) {
		delete(r.until, key)
		return 0
	}
	return t.Sub(now).Truncate(time.Second) + time.Second
}

func (r *refusals) add(key string, now, until time.Time) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.until == nil {
		r.until = map[string]time.Time{}
	}
	if len(r.until) >= maxRefusals {
		for k, t := range r.until {
			if !t.After(now) {
				delete(r.until, k)
			}
		}
		if len(r.until) >= maxRefusals {
			return
		}
	}
	r.until[key] = until
}

func rateLimited(retryAfter time.Duration) error {
	return &troupe.Error{
		Code:       troupe.CodeRateLimited,
		Message:    "Too many attempts. Please wait a little and try again.",
		RetryAfter: retryAfter,
	}
}
