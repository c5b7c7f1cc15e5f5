package app

import (
	"context"
	"time"

	"troupe/internal/store"
	"troupe/internal/troupe"
)

// limit is a fixed-window rate limit: at most max hits per window.
type limit struct {
	name   string
	max    int
	window time.Duration
}

// The limits where guessing or spamming is possible.
var (
	// Failed sign-ins: per account and address, and a higher cap per
	// account alone, so a stranger cannot lock an owner out cheaply.
	limitLoginFail        = limit{"login-fail", 10, 15 * time.Minute}
	limitLoginAccountFail = limit{"login-account-fail", 100, 15 * time.Minute}
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

// hit counts one attempt against l for key and fails with rate_limited
// once the window's allowance is used. Counters live in the database, so
// every instance shares them; they are counted before any costly work.
func (a *App) hit(ctx context.Context, l limit, key string) error {
	return a.hitN(ctx, l, key, 1)
}

// exceeded reports, without counting, whether key has used up l.
func (a *App) exceeded(ctx context.Context, l limit, key string) error {
	now := a.now()
	start := now.Truncate(l.window)
	hits, err := a.db.Read().RateLimitHits(ctx, l.name+":"+key, start)
	if err != nil {
		return err
	}
	if hits >= l.max {
		return rateLimited(start, l.window, now)
	}
	return nil
}

func rateLimited(start time.Time, window time.Duration, now time.Time) error {
	return &troupe.Error{
		Code:       troupe.CodeRateLimited,
		Message:    "Too many attempts. Please wait a little and try again.",
		RetryAfter: start.Add(window).Sub(now).Round(time.Second) + time.Second,
	}
}

// hitN counts n attempts at once (a batch of invitations, say).
func (a *App) hitN(ctx context.Context, l limit, key string, n int) error {
	now := a.now()
	start := now.Truncate(l.window)
	var hits int
	err := a.db.Tx(ctx, func(tx *store.Tx) error {
		var err error
		hits, err = tx.HitRateLimit(ctx, l.name+":"+key, start, n)
		return err
	})
	if err != nil {
		return err
	}
	if hits > l.max {
		return rateLimited(start, l.window, now)
	}
	return nil
}
