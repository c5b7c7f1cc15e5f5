package store

import (
	"context"
	"embed"
	"fmt"
	"io/fs"

	"github.com/pressly/goose/v3"
)

//go:embed migrations
var migrations embed.FS

// migrationLockKey is the PostgreSQL advisory lock that serialises
// migrations between instances starting at the same time.
const migrationLockKey = 7_406_113_270

// Migrate brings the schema up to date under a lock, then runs each of
// also (other components' migrations, such as the job queue's) under the
// same lock. It refuses a database whose schema is newer than this binary.
func (db *DB) Migrate(ctx context.Context, also ...func(context.Context) error) error {
	unlock, err := db.lock(ctx)
	if err != nil {
		return err
	}
	defer unlock()

	p, err := db.migrations()
	if err != nil {
		return err
	}
	current, err := p.GetDBVersion(ctx)
	if err != nil {
		return fmt.Errorf("read schema version: %w", err)
	}
	sources := p.ListSources()
	latest := sources[len(sources)-1].Version
	if current > latest {
		return fmt.Errorf("the database schema is at version %d, newer than this binary knows (%d): run a newer troupe", current, latest)
	}
	if _, err := p.Up(ctx); err != nil {
		return fmt.Errorf("apply migrations: %w", err)
	}
	for _, fn := range also {
		if err := fn(ctx); err != nil {
			return err
		}
	}
	return nil
}

// SchemaVersion returns the applied schema version.
func (db *DB) SchemaVersion(ctx context.Context) (int64, error) {
	var v int64
	err := db.read.QueryRowContext(ctx, "SELECT COALESCE(MAX(version_id), 0) FROM goose_db_version WHERE is_applied").Scan(&v)
	return v, err
}

// lock takes the migration lock: an advisory lock on PostgreSQL, a lock
// file beside the database on SQLite.
func (db *DB) lock(ctx context.Context) (func(), error) {
	if db.dialect != Postgres {
		return lockFile(db.path + ".migrate-lock")
	}
	conn, err := db.write.Conn(ctx)
	if err != nil {
		return nil, fmt.Errorf("migration lock: %w", err)
	}
	if _, err := conn.ExecContext(ctx, "SELECT pg_advisory_lock($1)", migrationLockKey); err != nil {
		conn.Close()
		return nil, fmt.Errorf("migration lock: %w", err)
	}
	return func() {
		_, _ = conn.ExecContext(context.WithoutCancel(ctx), "SELECT pg_advisory_unlock($1)", migrationLockKey)
		conn.Close()
	}, nil
}

// migrations is the goose provider of this engine's migrations.
func (db *DB) migrations() (*goose.Provider, error) {
	dir, err := fs.Sub(migrations, "migrations/"+string(db.dialect))
	if err != nil {
		return nil, err
	}
	dialect := goose.DialectSQLite3
	if db.dialect == Postgres {
		dialect = goose.DialectPostgres
	}
	p, err := goose.NewProvider(dialect, db.write, dir)
	if err != nil {
		return nil, fmt.Errorf("migrations: %w", err)
	}
	return p, nil
}
