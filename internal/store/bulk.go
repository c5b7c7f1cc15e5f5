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
func (db *DB) Analyze(ctx context.Context) error {
	_, err := db.write.ExecContext(ctx, "ANALYZE")
	return translate(err)
}
