package store

import (
	"context"
	"time"
)

// HitRateLimit counts n hits on key in the fixed window that starts at
// windowStart and returns the hits counted so far in it, these included.
// Counters live in the database so every instance shares them.
func (q *Queries) HitRateLimit(ctx context.Context, key string, windowStart time.Time, n int) (int, error) {
	var hits int
	err := q.queryRow(ctx, `INSERT INTO rate_limits (key, window_start, hits) VALUES (?, ?, ?)
		ON CONFLICT (key, window_start) DO UPDATE SET hits = rate_limits.hits + excluded.hits
		RETURNING hits`, key, millis(windowStart), n).Scan(&hits)
	return hits, translate(err)
}

// DeleteRateLimitsBefore drops counters of windows that started before t.
func (q *Queries) DeleteRateLimitsBefore(ctx context.Context, t time.Time) error {
	_, err := q.exec(ctx, `DELETE FROM rate_limits WHERE window_start < ?`, millis(t))
	return err
}

// RateLimitHits returns the hits counted on key in the window that starts
// at windowStart, without counting one.
func (q *Queries) RateLimitHits(ctx context.Context, key string, windowStart time.Time) (int, error) {
	var hits int
	err := q.queryRow(ctx, `SELECT COALESCE(SUM(hits), 0) FROM rate_limits WHERE key = ? AND window_start = ?`, key, millis(windowStart)).Scan(&hits)
	return hits, translate(err)
}
