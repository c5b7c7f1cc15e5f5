package store

import (
	"database/sql"
	"encoding/json"
	"errors"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"troupe/internal/troupe"
)

// Dialect names a database engine. The few places where the engines
// differ switch on it; everything else is shared SQL.
type Dialect string

// The supported engines.
const (
	SQLite   Dialect = "sqlite"
	Postgres Dialect = "postgres"
)

// rebind turns "?" placeholders into "$1, $2, …" for PostgreSQL. Queries
// never contain a literal question mark inside a string.
func (d Dialect) rebind(query string) string {
	if d != Postgres || !strings.Contains(query, "?") {
		return query
	}
	var b strings.Builder
	b.Grow(len(query) + 8)
	n := 0
	for i := 0; i < len(query); i++ {
		if query[i] == '?' {
			n++
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(n))
			continue
		}
		b.WriteByte(query[i])
	}
	return b.String()
}

// keepSubquery ends a subquery that PostgreSQL must run as written: an
// OFFSET 0 keeps the planner from merging it into the query around it
// (turning an EXISTS into a hash of every row it could match, or sorting
// a subquery's rows again). SQLite runs such subqueries as written.
func (d Dialect) keepSubquery() string {
	if d == Postgres {
		return ` OFFSET 0`
	}
	return ``
}

// indexedBy names the index a SQLite query must walk, where its statistics
// mislead it: an index's average rows per value hides that one value
// (NULL, the root of every workspace) holds a whole workspace's top level.
// PostgreSQL keeps per-value statistics and chooses well.
func (d Dialect) indexedBy(index string) string {
	if d == Postgres {
		return ``
	}
	return ` INDEXED BY ` + index
}

// joinInOrder joins the next table after the ones before it: SQLite's
// planner keeps a CROSS JOIN's order (PostgreSQL allows no ON clause on
// one, and plans a plain join well).
func (d Dialect) joinInOrder() string {
	if d == Postgres {
		return `JOIN`
	}
	return `CROSS JOIN`
}

// planEachTime marks a query whose best plan depends on its arguments (a
// search's text): on PostgreSQL it is then planned for the values given
// rather than run from a cached generic plan.
func (d Dialect) planEachTime(args []any) []any {
	if d != Postgres {
		return args
	}
	return append([]any{pgx.QueryExecModeExec}, args...)
}

// idList is a list of ids as one argument, and the SQL that reads it
// back as rows (column value) to use after IN: one statement whatever the
// number of ids, prepared once and planned without hundreds of
// parameters. The ids must not contain commas.
func (d Dialect) idList(ids []string) (string, any) {
	if d == Postgres {
		return `SELECT unnest(string_to_array(?, ','))`, strings.Join(ids, ",")
	}
	raw, _ := json.Marshal(ids)
	return `SELECT value FROM json_each(?)`, string(raw)
}

// translate turns driver errors into the domain's: no rows becomes
// not_found, a unique violation conflict, and an outage (see unavailable)
// unavailable, on both engines. Errors already translated pass as they are.
func translate(err error) error {
	if err == nil {
		return nil
	}
	if _, ok := troupe.AsError(err); ok {
		return err
	}
	if e := unavailable(err); e != nil {
		return e
	}
	if errors.Is(err, sql.ErrNoRows) {
		return &troupe.Error{Code: troupe.CodeNotFound, Message: "Not found.", Err: err}
	}
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) && pgErr.Code == "23505" {
		return &troupe.Error{Code: troupe.CodeConflict, Message: "This already exists.", Err: err}
	}
	var sqliteErr *sqlite.Error
	if errors.As(err, &sqliteErr) {
		switch sqliteErr.Code() {
		case sqlite3.SQLITE_CONSTRAINT_UNIQUE, sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY:
			return &troupe.Error{Code: troupe.CodeConflict, Message: "This already exists.", Err: err}
		}
	}
	return err
}
