package store

import (
	"context"
	"time"
)

// ServerKey returns the shared key called name, storing the one make
// returns when there is none yet; instances starting together agree on
// the first one stored.
func (q *Queries) ServerKey(ctx context.Context, name string, make func() string, now time.Time) (string, error) {
	if _, err := q.exec(ctx, `INSERT INTO server_keys (name, value, created_at) VALUES (?, ?, ?) ON CONFLICT (name) DO NOTHING`,
		name, make(), millis(now)); err != nil {
		return "", err
	}
	var v string
	err := q.queryRow(ctx, `SELECT value FROM server_keys WHERE name = ?`, name).Scan(&v)
	return v, translate(err)
}
