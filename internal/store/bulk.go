package store

import (
	"context"
	"strings"
)

// BulkInsert inserts rows into table in multi-row statements, for the
// workspace generator and other loads of many rows at once. Each row
// holds one value per column.
func (q *Queries) BulkInsert(ctx context.Context, table string, columns []string, rows [][]any) error {
	if len(rows) == 0 {
		return nil
	}
	// PostgreSQL takes at most 65,535 parameters a statement; SQLite 32,766.
	per := max(1, 30000/len(columns))
	placeholder := "(" + strings.TrimSuffix(strings.Repeat("?, ", len(columns)), ", ") + ")"
	head := "INSERT INTO " + table + " (" + strings.Join(columns, ", ") + ") VALUES "
	for start := 0; start < len(rows); start += per {
		batch := rows[start:min(start+per, len(rows))]
		var b strings.Builder
		b.WriteString(head)
		args := make([]any, 0, len(batch)*len(columns))
		for i, r := range batch {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString(placeholder)
			args = append(args, r...)
		}
		if _, err := q.exec(ctx, b.String(), args...); err != nil {
			return err
		}
	}
	return nil
}

// Analyze refreshes the planner's statistics, as needed after a bulk load
// (PostgreSQL otherwise plans the first queries on empty-table estimates).
// PostgreSQL also vacuums, so that index-only scans skip the fresh rows'
// heap pages and autovacuum does not fall on the first minutes of use.
// On SQLite only the per-index summaries stay: with the value samples of
// sqlite_stat4, SQLite recompiles a prepared statement whenever a bound
// value might change its plan — on every permission check.
func (db *DB) Analyze(ctx context.Context) error {
	stmt := "ANALYZE"
	if db.dialect == Postgres {
		stmt = "VACUUM (ANALYZE)"
	}
	if _, err := db.write.ExecContext(ctx, stmt); err != nil {
		return translate(err)
	}
	if db.dialect != SQLite {
		return nil
	}
	var n int
	if err := db.write.QueryRowContext(ctx, "SELECT COUNT(*) FROM sqlite_schema WHERE name = 'sqlite_stat4'").Scan(&n); err != nil || n == 0 {
		return translate(err)
	}
	if _, err := db.write.ExecContext(ctx, "DELETE FROM sqlite_stat4"); err != nil {
		return translate(err)
	}
	_, err := db.write.ExecContext(ctx, "ANALYZE sqlite_schema")
	return translate(err)
}
