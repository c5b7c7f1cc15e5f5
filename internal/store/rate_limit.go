package store

import (
	"context"
	"time"
)

// HitRateLimit counts n hits (n < 0 gives hits back) on key in the window
// that starts at start and returns the hits counted in the window before
// it (starting at prevStart) and in this one, these included. Counters
// live in the database so every instance shares them.
func (q *Queries) HitRateLimit(ctx context.Context, key string, prevStart, start time.Time, n int) (prev, cur int, err error) {
	err = q.queryRow(ctx, `INSERT INTO rate_limits (key, window_start, hits) VALUES (?, ?, ?)
		ON CONFLICT (key, window_start) DO UPDATE SET hits = rate_limits.hits + excluded.hits
		RETURNING hits`, key, millis(start), n).Scan(&cur)
	if err != nil {
		return 0, 0, translate(err)
	}
	err = q.queryRow(ctx, `SELECT COALESCE(SUM(hits), 0) FROM rate_limits WHERE key = ? AND window_start = ?`,
		key, millis(prevStart)).Scan(&prev)
	return prev, cur, translate(err)
}

// RateLimitHits returns the hits counted on key in the windows that start
// at prevStart and start, without counting one.
func (q *Queries) RateLimitHits(ctx context.Context, key string, prevStart, start time.Time) (prev, cur int, err error) {
	err = q.queryRow(ctx, `SELECT
			COALESCE(SUM(CASE WHEN window_start = ? THEN hits END), 0),
			COALESCE(SUM(CASE WHEN window_start = ? THEN hits END), 0)
		FROM rate_limits WHERE key = ? AND window_start IN (?, ?)`,
		millis(prevStart), millis(start), key, millis(prevStart), millis(start)).Scan(&prev, &cur)
	return prev, cur, translate(err)
}

// AddRateLimitHits counts n hits (n < 0 gives hits back) on key in the
// window that starts at start, reading nothing back.
func (q *Queries) AddRateLimitHits(ctx context.Context, key string, start time.Time, n int) error {
	_, err := q.exec(ctx, `INSERT INTO rate_limits (key, window_start, hits) VALUES (?, ?, ?)
		ON CONFLICT (key, window_start) DO UPDATE SET hits = rate_limits.hits + excluded.hits`, key, millis(start), n)
	return err
}

// DeleteRateLimits forgets every counter of key, and of the keys that
// start with key+"|" (the same subject seen from each address): a range
// of the primary key, since "}" follows "|".
func (q *Queries) DeleteRateLimits(ctx context.Context, key string) error {
	_, err := q.exec(ctx, `DELETE FROM rate_limits WHERE key = ? OR (key >= ? AND key < ?)`,
		key, key+"|", key+"}")
	return err
}

// DeleteRateLimitsBefore drops counters of windows that started before t.
func (q *Queries) DeleteRateLimitsBefore(ctx context.Context, t time.Time) error {
	_, err := q.exec(ctx, `DELETE FROM rate_limits WHERE window_start < ?`, millis(t))
	return err
}
