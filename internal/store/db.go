// Package store keeps Troupe's data in SQLite or PostgreSQL. SQL is written
// once, in the subset both engines speak, with "?" placeholders; the small
// differences between the engines live in dialect.go.
package store

import (
	"context"
	"crypto/rand"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" driver
	_ "modernc.org/sqlite"             // registers the "sqlite" driver
)

// DB is an open database: a writer pool and a reader pool (the same pool
// on PostgreSQL; on SQLite one writer connection beside several readers).
type DB struct {
	dialect Dialect
	path    string // SQLite file
	write   *sql.DB
	read    *sql.DB
	// wait bounds how long an operation waits for a free connection.
	wait time.Duration
	// Prepared statements of the SQLite read pool (pgx keeps its own; the
	// one writer connection cannot prepare while a transaction holds it).
	readStmts *stmtCache
	// What this instance has read, kept exact (see exactCache) by a
	// listener that stops with the DB on PostgreSQL.
	sessions   sessionCache
	public     publicCache
	access     *accessGraph
	earlyAt    atomic.Int64 // when ReadAccessEarly was called (Unix ns); 0 before
	fresh      *freshness   // nil on SQLite
	instance   string       // names this instance's heartbeats
	notes      *noteWatchers
	comments   *noteWatchers
	stopListen context.CancelFunc
	listening  sync.WaitGroup
	// Held while this process serves a SQLite file (see ClaimServing).
	releaseServing func()
	// log receives what goes wrong in the background (the listener).
	log *slog.Logger
}

// errLocked is a file lock that another process holds.
var errLocked = errors.New("locked by another process")

// ClaimServing makes this process the one that serves a SQLite file, and
// fails while another process does: its caches (see publicCache) stay
// exact because every change to what they hold is made in this process.
// Other processes may still open the file, as the generator does. On
// PostgreSQL, where instances hear each other's changes, any number may
// serve.
func (db *DB) ClaimServing() error {
	if db.dialect != SQLite || db.releaseServing != nil {
		return nil
	}
	release, err := tryLockFile(db.path + ".serve-lock")
	if errors.Is(err, errLocked) {
		return fmt.Errorf("%s is already served by another troupe process; a SQLite database is served by one process (use PostgreSQL to run several)", db.path)
	}
	if err != nil {
		return err
	}
	db.releaseServing = release
	return nil
}

// Open connects to the database named by rawURL: "postgres://…" or
// "postgresql://…" for PostgreSQL, anything else is a SQLite file path
// (optionally prefixed "sqlite:" or "file:").
func Open(ctx context.Context, rawURL string) (*DB, error) {
	return OpenWith(ctx, rawURL, Options{})
}

// Options change how Open connects.
type Options struct {
	// ListenURL is where the PostgreSQL listener connects instead of
	// rawURL: tests put a proxy in its way to stall it.
	ListenURL string
	// Logger receives what the store logs; nil logs nothing.
	Logger *slog.Logger
}

// OpenWith is Open with options.
func OpenWith(ctx context.Context, rawURL string, o Options) (*DB, error) {
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if strings.HasPrefix(rawURL, "postgres://") || strings.HasPrefix(rawURL, "postgresql://") {
		return openPostgres(ctx, rawURL, o.ListenURL, o.Logger)
	}
	path := strings.TrimPrefix(strings.TrimPrefix(rawURL, "sqlite:"), "file:")
	db, err := openSQLite(ctx, path)
	if err == nil {
		db.log = o.Logger
	}
	return db, err
}

// openPostgres opens the pool on dsn; the listener connects to listenDSN
// instead when it is set (tests put a proxy in its way).
func openPostgres(ctx context.Context, dsn, listenDSN string, log *slog.Logger) (*DB, error) {
	// Short queries gain nothing from JIT compilation, which costs tens of
	// milliseconds whenever a plan's estimate looks large; and on today's
	// SSDs a random read costs about a sequential one, so index scans (the
	// trigram search above all) are not priced out by PostgreSQL's
	// spinning-disk default. A URL that sets either keeps its value.
	if u, err := url.Parse(dsn); err == nil {
		q := u.Query()
		for k, v := range map[string]string{"jit": "off", "random_page_cost": "1.1"} {
			if !q.Has(k) {
				q.Set(k, v)
			}
		}
		u.RawQuery = q.Encode()
		dsn = u.String()
	}
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		return nil, fmt.Errorf("open postgres: %w", err)
	}
	db.SetMaxOpenConns(20)
	db.SetMaxIdleConns(10)
	db.SetConnMaxIdleTime(5 * time.Minute)
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("connect to postgres: %w", err)
	}
	fresh := newFreshness()
	d := &DB{dialect: Postgres, write: db, read: db, wait: DefaultPoolWait, fresh: fresh,
		sessions: newSessionCache(fresh), public: newPublicCache(fresh), access: newAccessGraph(fresh), instance: rand.Text(), notes: &noteWatchers{}, comments: &noteWatchers{}, log: log}
	if listenDSN == "" {
		listenDSN = dsn
	}
	listenCtx, stop := context.WithCancel(context.Background())
	d.stopListen = stop
	d.listening.Go(func() { d.listen(listenCtx, listenDSN, dsn) })
	return d, nil
}

func openSQLite(ctx context.Context, path string) (*DB, error) {
	if path == "" {
		return nil, errors.New("open sqlite: empty path")
	}
	if dir := filepath.Dir(path); dir != "" {
		if err := os.MkdirAll(dir, 0o750); err != nil {
			return nil, fmt.Errorf("open sqlite: %w", err)
		}
	}
	q := url.Values{}
	// Pages are read through a memory map (the kernel's page cache,
	// shared by every connection) rather than copied into each
	// connection's own 2 MB cache by a system call per page.
	for _, p := range []string{"journal_mode(WAL)", "foreign_keys(1)", "busy_timeout(10000)", "synchronous(NORMAL)", "mmap_size(1073741824)"} {
		q.Add("_pragma", p)
	}
	// Write transactions take the lock at BEGIN, so two writers never
	// deadlock upgrading a read lock; readers never write.
	wq := url.Values{"_txlock": {"immediate"}}
	for k, v := range q {
		wq[k] = v
	}
	write, err := sql.Open("sqlite", "file:"+path+"?"+wq.Encode())
	if err != nil {
		return nil, fmt.Errorf("open sqlite: %w", err)
	}
	// SQLite has one writer at a time; one connection makes writers queue
	// in Go instead of failing with SQLITE_BUSY.
	write.SetMaxOpenConns(1)
	write.SetConnMaxIdleTime(0)
	write.SetConnMaxLifetime(0)
	// Turning a new file to WAL needs an exclusive lock that SQLite does
	// not wait for: processes opening it together take turns here.
	unlock, err := lockFile(path + ".migrate-lock")
	if err != nil {
		write.Close()
		return nil, err
	}
	err = write.PingContext(ctx)
	unlock()
	if err != nil {
		write.Close()
		return nil, fmt.Errorf("open sqlite %s: %w", path, err)
	}
	q.Add("_pragma", "query_only(1)")
	read, err := sql.Open("sqlite", "file:"+path+"?"+q.Encode())
	if err != nil {
		write.Close()
		return nil, fmt.Errorf("open sqlite: %w", err)
	}
	read.SetMaxOpenConns(8)
	read.SetMaxIdleConns(8)
	caches := sqliteCachesOf(path)
	return &DB{dialect: SQLite, path: path, write: write, read: read, wait: DefaultPoolWait, readStmts: newStmtCache(read),
		sessions: caches.sessions, public: caches.public, access: caches.access, notes: &noteWatchers{}, comments: &noteWatchers{}}, nil
}

// Dialect returns the engine behind db.
func (db *DB) Dialect() Dialect { return db.dialect }

// Writer returns the pool that write transactions use. The job queue
// shares it so that, on SQLite, all writes go through one connection.
func (db *DB) Writer() *sql.DB { return db.write }

// Ping checks that the database answers.
func (db *DB) Ping(ctx context.Context) error {
	var one int
	return pool{db.read, db.wait}.queryRow(ctx, "SELECT 1").Scan(&one)
}

// Close closes both pools.
func (db *DB) Close() error {
	if db.stopListen != nil {
		db.stopListen()
		db.listening.Wait()
	}
	if db.releaseServing != nil {
		db.releaseServing()
		db.releaseServing = nil
	}
	db.readStmts.close()
	err := db.write.Close()
	if db.read != db.write {
		err = errors.Join(err, db.read.Close())
	}
	return err
}

// Read returns queries that run on the reader pool, outside any
// transaction.
func (db *DB) Read() *Queries {
	return &Queries{pool: pool{db.read, db.wait}, d: db.dialect, stmts: db.readStmts, sessions: db.sessions, public: db.public, access: db.access, notes: db.localNotes(), commentNotes: db.localComments()}
}

// Tx runs fn inside one write transaction and commits when fn returns nil.
// Driver errors that fn passes on come out translated too.
func (db *DB) Tx(ctx context.Context, fn func(tx *Tx) error) error {
	conn, err := acquire(ctx, db.write, db.wait)
	if err != nil {
		return fmt.Errorf("begin: %w", translate(err))
	}
	defer conn.Close()
	sqlTx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin: %w", translate(err))
	}
	var hooks []func()
	touched := false
	tx := &Tx{Queries: Queries{q: sqlTx, d: db.dialect, sessions: db.sessions, public: db.public, access: db.access, accessTouched: &touched,
		notes: db.localNotes(), commentNotes: db.localComments(), committed: &hooks}, tx: sqlTx}
	// Roll back on a panic too, so the one SQLite writer is not left
	// holding an open transaction.
	committed := false
	defer func() {
		if !committed {
			_ = sqlTx.Rollback()
		}
	}()
	if err := fn(tx); err != nil {
		return translate(err)
	}
	committed = true
	if err := sqlTx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", translate(err))
	}
	for _, fn := range hooks {
		fn()
	}
	return nil
}

// afterCommit runs fn once the transaction q runs in commits, or at once
// outside a transaction.
func (q *Queries) afterCommit(fn func()) {
	if q.committed == nil {
		fn()
		return
	}
	*q.committed = append(*q.committed, fn)
}

// Tx is an open write transaction.
type Tx struct {
	Queries
	tx *sql.Tx
}

// SQL returns the underlying transaction, for libraries (the job queue)
// that must write in the same transaction.
func (tx *Tx) SQL() *sql.Tx { return tx.tx }

type querier interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// Queries are the data operations; they run on a pool or in a transaction.
type Queries struct {
	q        querier // the transaction; nil on the pool
	pool     pool
	d        Dialect
	stmts    *stmtCache
	sessions sessionCache
	public   publicCache
	// access answers checks from memory; accessTouched (in a transaction)
	// says whether it already knows the transaction changes access.
	access        *accessGraph
	accessTouched *bool
	// notes hears of notifications at commit where no listener does
	// (SQLite); nil on PostgreSQL.
	notes *noteWatchers
	// commentNotes hears of changed comments at commit where no listener
	// does (SQLite); nil on PostgreSQL.
	commentNotes *noteWatchers
	// committed collects what runs after the transaction commits; nil
	// outside a transaction.
	committed *[]func()
}

// on returns what runs query in a transaction or, on the pool, its cached
// prepared statement; nil when the pool runs it (with a bounded wait for a
// connection). Prepared statements wait for a connection as long as the
// context allows, so they are only used while one is free.
func (q *Queries) on(ctx context.Context, query string) querier {
	if q.q != nil {
		return q.q
	}
	if q.stmts == nil || q.pool.saturated() {
		return nil
	}
	if st := q.stmts.get(ctx, query); st != nil {
		return stmtQuerier{st}
	}
	return nil
}

func (q *Queries) exec(ctx context.Context, query string, args ...any) (sql.Result, error) {
	query = q.d.rebind(query)
	var res sql.Result
	var err error
	if on := q.on(ctx, query); on != nil {
		res, err = on.ExecContext(ctx, query, args...)
	} else {
		res, err = q.pool.exec(ctx, query, args...)
	}
	if err == nil {
		q.wrote(query)
	}
	return res, translate(err)
}

func (q *Queries) queryRow(ctx context.Context, query string, args ...any) scanner {
	query = q.d.rebind(query)
	var r scanner
	if on := q.on(ctx, query); on != nil {
		r = row{row: on.QueryRowContext(ctx, query, args...)}
	} else {
		r = q.pool.queryRow(ctx, query, args...)
	}
	if q.access == nil || !changesAccessData(query) {
		return r // a read: nothing to note
	}
	return wroteOnScan{r, func() { q.wrote(query) }}
}

// wroteOnScan notes a statement's write once its row is read: outside a
// transaction, that is when it has committed.
type wroteOnScan struct {
	scanner
	wrote func()
}

func (w wroteOnScan) Scan(dest ...any) error {
	err := w.scanner.Scan(dest...)
	w.wrote()
	return err
}

func (q *Queries) query(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	query = q.d.rebind(query)
	var rows *sql.Rows
	var err error
	if on := q.on(ctx, query); on != nil {
		rows, err = on.QueryContext(ctx, query, args...)
	} else {
		rows, err = q.pool.query(ctx, query, args...)
	}
	// Writes read through query run in transactions, where the note waits
	// for the commit.
	q.wrote(query)
	return rows, translate(err)
}

// Exec runs a raw statement; tests and maintenance use it.
func (q *Queries) Exec(ctx context.Context, query string, args ...any) error {
	_, err := q.exec(ctx, query, args...)
	return err
}
