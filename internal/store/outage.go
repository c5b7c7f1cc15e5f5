package store

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"io"
	"net"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"troupe/internal/diskspace"
	"troupe/internal/troupe"
)

// DefaultPoolWait is how long an operation waits for a free connection
// before the database counts as unavailable: long enough for a queue of
// writers on SQLite's one connection, short enough that a request answers
// 503 instead of hanging.
const DefaultPoolWait = 10 * time.Second

// errPoolWait: every connection stayed busy for the whole wait.
var errPoolWait = errors.New("no database connection became free in time")

// Messages of an unavailable database, safe to show (and shown by /readyz).
const (
	msgUnreachable = "The database cannot be reached right now."
	msgPoolBusy    = "Every database connection is busy right now."
	msgFull        = "The database's disk is full."
	msgWarmingUp   = "The server is starting: it is reading who may see what."
)

// SetPoolWait changes how long operations wait for a free connection.
// Call it before the database is used.
func (db *DB) SetPoolWait(d time.Duration) {
	if d > 0 {
		db.wait = d
	}
}

// acquire takes a connection of p, waiting at most wait for one to free
// up (or, on PostgreSQL, to be opened). database/sql itself waits as long
// as the context allows, which for a request is forever.
func acquire(ctx context.Context, p *sql.DB, wait time.Duration) (*sql.Conn, error) {
	actx, cancel := context.WithTimeout(ctx, wait)
	defer cancel()
	c, err := p.Conn(actx)
	if err != nil && errors.Is(actx.Err(), context.DeadlineExceeded) {
		// The wait ran out (or the caller's own deadline came first).
		return nil, errors.Join(errPoolWait, err)
	}
	return c, err
}

// unavailable returns err as an unavailable *troupe.Error when it says the
// database cannot serve now (unreachable, shutting down, out of
// connections or disk), else nil. The web layer answers those 503 with
// Retry-After: trying again later may well work, unlike after a bug.
func unavailable(err error) *troupe.Error {
	msg := outageMessage(err)
	if msg == "" {
		return nil
	}
	return &troupe.Error{Code: troupe.CodeUnavailable, Message: msg, Err: err}
}

func outageMessage(err error) string {
	if errors.Is(err, errPoolWait) {
		return msgPoolBusy
	}
	if errors.Is(err, syscall.ENOSPC) || errors.Is(err, syscall.EDQUOT) {
		return msgFull
	}
	var sqliteErr *sqlite.Error
	if errors.As(err, &sqliteErr) {
		switch sqliteErr.Code() & 0xff {
		case sqlite3.SQLITE_FULL:
			return msgFull
		case sqlite3.SQLITE_IOERR, sqlite3.SQLITE_CANTOPEN, sqlite3.SQLITE_BUSY, sqlite3.SQLITE_NOMEM, sqlite3.SQLITE_READONLY:
			return msgUnreachable
		}
		return ""
	}
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		switch {
		case pgErr.Code == "53100": // disk_full
			return msgFull
		case strings.HasPrefix(pgErr.Code, "08"), // connection exception
			strings.HasPrefix(pgErr.Code, "53"),                                 // insufficient resources
			strings.HasPrefix(pgErr.Code, "58"),                                 // system error (I/O)
			pgErr.Code == "57P01", pgErr.Code == "57P02", pgErr.Code == "57P03": // shutting down, crashed, starting
			return msgUnreachable
		}
		return ""
	}
	var connectErr *pgconn.ConnectError
	var netErr net.Error
	if errors.As(err, &connectErr) || errors.As(err, &netErr) || errors.Is(err, driver.ErrBadConn) ||
		errors.Is(err, pgconn.ErrConnClosed) ||
		// a connection lost in the middle of a query
		errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, syscall.EIO) || errors.Is(err, syscall.EROFS) {
		return msgUnreachable
	}
	return ""
}

// Ready reports, as an unavailable *troupe.Error saying why, whether the
// database can serve: it answers a query, on SQLite its disk has room for
// writes, and the first access snapshot is read (see ReadAccessEarly).
func (db *DB) Ready(ctx context.Context) error {
	if err := db.Ping(ctx); err != nil {
		if e, ok := troupe.AsError(err); ok && e.Code == troupe.CodeUnavailable {
			return e
		}
		return &troupe.Error{Code: troupe.CodeUnavailable, Message: msgUnreachable, Err: err}
	}
	if db.dialect == SQLite && diskspace.Full(filepath.Dir(db.path)) {
		return &troupe.Error{Code: troupe.CodeUnavailable, Message: msgFull}
	}
	if db.warmingUp() {
		return &troupe.Error{Code: troupe.CodeUnavailable, Message: msgWarmingUp, RetryAfter: time.Second}
	}
	return nil
}

// pool runs queries on a pool, waiting a bounded time for a connection.
type pool struct {
	db   *sql.DB
	wait time.Duration
}

// saturated reports whether every connection of the pool is in use, when
// a query would have to wait for one.
func (p pool) saturated() bool {
	s := p.db.Stats()
	return s.MaxOpenConnections > 0 && s.InUse >= s.MaxOpenConnections
}

func (p pool) exec(ctx context.Context, query string, args ...any) (sql.Result, error) {
	c, err := acquire(ctx, p.db, p.wait)
	if err != nil {
		return nil, err
	}
	defer c.Close()
	return c.ExecContext(ctx, query, args...)
}

func (p pool) query(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	c, err := acquire(ctx, p.db, p.wait)
	if err != nil {
		return nil, err
	}
	rows, err := c.QueryContext(ctx, query, args...)
	if err != nil {
		c.Close()
		return nil, err
	}
	// Close waits for the rows to be closed, then hands the connection
	// back to the pool.
	go c.Close()
	return rows, nil
}

func (p pool) queryRow(ctx context.Context, query string, args ...any) scanner {
	c, err := acquire(ctx, p.db, p.wait)
	if err != nil {
		return row{err: err}
	}
	return row{row: c.QueryRowContext(ctx, query, args...), release: c}
}

// scanner is a single row to scan.
type scanner interface{ Scan(dest ...any) error }

// row is a single row whose errors come out translated, holding its
// connection until it is scanned.
type row struct {
	row     *sql.Row
	err     error
	release *sql.Conn
}

func (r row) Scan(dest ...any) error {
	if r.err != nil {
		return translate(r.err)
	}
	if r.release != nil {
		defer r.release.Close()
	}
	return translate(r.row.Scan(dest...))
}
