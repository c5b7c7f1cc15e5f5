package store

import "database/sql"

// scanPage reads one page of rows with scan. The query asks for limit+1
// rows: the extra one says another page follows, whose cursor is made
// from the page's last item.
func scanPage[T any](rows *sql.Rows, limit int, scan func(*sql.Rows) (T, error), cursor func(T) string) ([]T, string, error) {
	defer rows.Close()
	var out []T
	for rows.Next() {
		item, err := scan(rows)
		if err != nil {
			return nil, "", translate(err)
		}
		out = append(out, item)
	}
	if err := rows.Err(); err != nil {
		return nil, "", translate(err)
	}
	next := ""
	if len(out) > limit {
		out = out[:limit]
		next = cursor(out[len(out)-1])
	}
	return out, next, nil
}
