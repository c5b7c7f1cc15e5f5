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
	limitLoginAccount = limit{"login-account", 10, 15 * time.Minute}
	limitLoginIP      = limit{"login-ip", 50, 15 * time.Minute}
	limitSignupIP     = limit{"signup-ip", 20, time.Hour}
	limitResetIP      = limit{"reset-ip", 20, time.Hour}
	limitResetAccount = limit{"reset-account", 5, time.Hour}
	limitVerifyResend = limit{"verify-resend", 5, time.Hour}
	limitInviteWS     = limit{"invite-workspace", 1000, 24 * time.Hour}
	limitInviter      = limit{"invite-inviter", 300, 24 * time.Hour}
	limitSeatNotice   = limit{"seat-notice", 1, time.Hour}
)

// hit counts one attempt against l for key and fails with rate_limited
// once the window's allowance is used. Counters live in the database, so
// every instance shares them; they are counted before any costly work.
func (a *App) hit(ctx context.Context, l limit, key string) error {
	return a.hitN(ctx, l, key, 1)
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
		return &troupe.Error{
			Code:       troupe.CodeRateLimited,
			Message:    "Too many attempts. Please wait a little and try again.",
			RetryAfter: start.Add(l.window).Sub(now).Round(time.Second) + time.Second,
		}
	}
	return nil
}
