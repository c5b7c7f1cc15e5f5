package store

import (
	"context"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5"
)

// The PostgreSQL channels on which triggers announce, at commit, the
// changes other instances' caches must drop.
const (
	// authChannel names a user whose sessions ended or whose account
	// changed.
	authChannel = "troupe_auth"
	// publicChannel names a video whose public page changed, or "*" when
	// a workspace's publishing or download settings did.
	publicChannel = "troupe_public"
)

// listen keeps a connection listening on the announcement channels until
// ctx ends, reconnecting after failures; the caches are on only while it
// listens.
func (db *DB) listen(ctx context.Context, dsn string) {
	backoff := time.Second
	for {
		err := db.listenOnce(ctx, dsn)
		db.resetCaches(false)
		if ctx.Err() != nil {
			return
		}
		slog.Warn("cache listener stopped; sessions and public pages are read from the database until it reconnects", "error", err)
		select {
		case <-ctx.Done():
			return
		case <-time.After(backoff):
		}
		backoff = min(2*backoff, 30*time.Second)
	}
}

func (db *DB) listenOnce(ctx context.Context, dsn string) error {
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		return err
	}
	defer conn.Close(context.WithoutCancel(ctx))
	for _, ch := range []string{authChannel, publicChannel} {
		if _, err := conn.Exec(ctx, "LISTEN "+ch); err != nil {
			return err
		}
	}
	// Changes committed before LISTEN took effect are not announced:
	// start from nothing.
	db.resetCaches(true)
	for {
		n, err := conn.WaitForNotification(ctx)
		if err != nil {
			return err
		}
		switch n.Channel {
		case authChannel:
			db.sessions.forgetUser(n.Payload)
		case publicChannel:
			if n.Payload == "*" {
				db.public.forgetAll()
			} else {
				db.public.forgetItem(n.Payload)
			}
		}
	}
}

func (db *DB) resetCaches(on bool) {
	db.sessions.reset(on)
	db.public.reset(on)
}
