package store

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
)

// The PostgreSQL channels on which triggers announce, at commit, the
// changes other instances' caches must drop, and those an instance hears.
const (
	// authChannel names a user whose sessions ended or whose account
	// changed.
	authChannel = "troupe_auth"
	// publicChannel names a video whose public page changed, or "*" when
	// a workspace's publishing or download settings did.
	publicChannel = "troupe_public"
	// notificationChannel names the user a notification was added for.
	notificationChannel = "troupe_notification"
	// commentChannel names the item whose comments changed.
	commentChannel = "troupe_comment"
	// accessChannel says that items, trees, shares or members changed
	// (see accessGraph).
	accessChannel = "troupe_access"
	// heartbeatChannel carries "instance:sent", each instance's heartbeats
	// to itself (see freshness).
	heartbeatChannel = "troupe_heartbeat"
)

const (
	// listenStall is how long the listener waits without hearing anything,
	// its own heartbeats included, before it gives up its connection as
	// stalled and dials again.
	listenStall = 5 * time.Second
	// dialTimeout bounds a connection attempt of the listener.
	dialTimeout = 10 * time.Second
)

// listen keeps a connection (to listenDSN) listening on the announcement
// channels until ctx ends, reconnecting after failures, and sends
// heartbeats on a connection of their own (to dsn); the caches are on only
// while it listens and hears them.
func (db *DB) listen(ctx context.Context, listenDSN, dsn string) {
	backoff := time.Second
	for {
		heard, err := db.listenOnce(ctx, listenDSN, dsn)
		db.resetCaches(false)
		if ctx.Err() != nil {
			return
		}
		if heard {
			backoff = time.Second
		}
		db.log.WarnContext(ctx, "cache listener stopped; sessions and public pages are read from the database until it reconnects", "error", err)
		select {
		case <-ctx.Done():
			return
		case <-time.After(backoff):
		}
		backoff = min(2*backoff, 30*time.Second)
	}
}

// listenOnce listens on one connection until it fails or stalls; heard
// says whether it heard its own heartbeat at least once.
func (db *DB) listenOnce(ctx context.Context, listenDSN, dsn string) (heard bool, err error) {
	dialCtx, cancel := context.WithTimeout(ctx, dialTimeout)
	conn, err := pgx.Connect(dialCtx, listenDSN)
	cancel()
	if err != nil {
		return false, err
	}
	defer closeConn(ctx, conn)
	for _, ch := range []string{authChannel, publicChannel, notificationChannel, commentChannel, accessChannel, heartbeatChannel} {
		setCtx, cancel := context.WithTimeout(ctx, dialTimeout)
		_, err := conn.Exec(setCtx, "LISTEN "+ch)
		cancel()
		if err != nil {
			return false, err
		}
	}
	// Changes committed before LISTEN took effect are not announced:
	// start from nothing, and have every open notification stream look
	// again.
	db.resetCaches(true)
	db.notes.signal("")
	db.comments.signal("")

	var beating sync.WaitGroup
	defer beating.Wait()
	beatCtx, stopBeat := context.WithCancel(ctx)
	defer stopBeat()
	beating.Go(func() { db.beat(beatCtx, dsn) })

	for {
		waitCtx, cancel := context.WithTimeout(ctx, listenStall)
		n, err := conn.WaitForNotification(waitCtx)
		cancel()
		if err != nil {
			if ctx.Err() == nil && waitCtx.Err() != nil {
				err = fmt.Errorf("nothing heard for %s: %w", listenStall, err)
			}
			return heard, err
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
		case accessChannel:
			db.access.changed()
		case notificationChannel:
			db.notes.signal(n.Payload)
		case commentChannel:
			db.comments.signal(n.Payload)
		case heartbeatChannel:
			instance, sent, _ := strings.Cut(n.Payload, ":")
			if at, err := strconv.ParseInt(sent, 10, 64); err == nil && instance == db.instance {
				db.fresh.heard(at)
				heard = true
			}
		}
	}
}

// beat sends a heartbeat every heartbeatEvery on a connection of its own,
// so that a busy pool never delays one; a heartbeat that cannot be sent
// simply goes unheard, which turns the caches off by itself.
func (db *DB) beat(ctx context.Context, dsn string) {
	var conn *pgx.Conn
	defer func() {
		if conn != nil {
			closeConn(ctx, conn)
		}
	}()
	tick := time.NewTicker(heartbeatEvery)
	defer tick.Stop()
	for {
		if conn == nil {
			dialCtx, cancel := context.WithTimeout(ctx, dialTimeout)
			conn, _ = pgx.Connect(dialCtx, dsn)
			cancel()
		}
		if conn != nil {
			// The time sent is taken before the heartbeat commits: every
			// change announced before it was committed before then.
			payload := db.instance + ":" + strconv.FormatInt(db.fresh.now(), 10)
			sendCtx, cancel := context.WithTimeout(ctx, 2*heartbeatEvery)
			if _, err := conn.Exec(sendCtx, "SELECT pg_notify($1, $2)", heartbeatChannel, payload); err != nil {
				closeConn(ctx, conn)
				conn = nil
			}
			cancel()
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

// closeConn closes conn, bounding the wait: a stalled connection may not
// take its goodbye.
func closeConn(ctx context.Context, conn *pgx.Conn) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Second)
	defer cancel()
	_ = conn.Close(ctx)
}

func (db *DB) resetCaches(on bool) {
	db.fresh.forget()
	db.sessions.reset(on)
	db.public.reset(on)
	db.access.reset(on)
	if on && db.earlyAt.Load() != 0 {
		db.access.prepare(db.read, db.dialect)
	}
}

// ReadAccessEarly reads the access snapshot as soon as it may answer —
// now, or on PostgreSQL once the listener hears — and again whenever the
// listener comes back, rather than at the first check that finds none: a
// server's first lists and checks then find it read, and the tables it
// reads in the caches. Until that first read ends, for at most
// MaxWarmUp, Ready says the server is warming up, so that a load balancer
// sends it traffic once its lists are as fast as they will be. Call it
// once the schema is migrated.
func (db *DB) ReadAccessEarly() {
	db.earlyAt.Store(time.Now().UnixNano())
	db.access.prepare(db.read, db.dialect)
}

// MaxWarmUp bounds how long Ready waits for the first access snapshot
// (see ReadAccessEarly): a server whose snapshot takes longer, or never
// comes (a listener that cannot listen), is ready without it.
const MaxWarmUp = 30 * time.Second

// warmingUp reports whether the first access snapshot asked for by
// ReadAccessEarly is still being waited for.
func (db *DB) warmingUp() bool {
	at := db.earlyAt.Load()
	return at != 0 && !db.access.warm() && time.Since(time.Unix(0, at)) < MaxWarmUp
}
