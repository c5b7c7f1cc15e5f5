package store

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"strings"
	"time"

	"troupe/internal/troupe"
)

// WatchComments calls fn with the item whose comments changed, or with
// "" when any may have (the listener reconnected and may have missed
// announcements). fn must not block. On SQLite the change is signalled
// at commit; on PostgreSQL a trigger announces it to every instance.
func (db *DB) WatchComments(fn func(itemID string)) {
	db.comments.mu.Lock()
	defer db.comments.mu.Unlock()
	db.comments.fns = append(db.comments.fns[:len(db.comments.fns):len(db.comments.fns)], fn)
}

// localComments returns the watchers to signal at commit: SQLite's only.
func (db *DB) localComments() *noteWatchers {
	if db.dialect == SQLite {
		return db.comments
	}
	return nil
}

// commentsChanged tells this process's streams, at commit, that itemID's
// comments changed (SQLite; PostgreSQL's trigger tells every instance).
func (q *Queries) commentsChanged(itemID string) {
	if q.commentNotes != nil {
		notes := q.commentNotes
		q.afterCommit(func() { notes.signal(itemID) })
	}
}

const commentColumns = `c.id, c.item_id, c.author_id, u.name, u.email, COALESCE(c.parent_id, ''), c.body, c.position_ms, c.end_ms,
	c.mentions, c.resolved_at, c.created_at, c.edited_at, c.sort_ms`

const commentFrom = ` FROM comments c JOIN users u ON u.id = c.author_id`

func scanComment(row interface{ Scan(...any) error }) (troupe.Comment, int64, error) {
	var c troupe.Comment
	var pos, end, resolved, edited sql.NullInt64
	var created, sortMS int64
	var mentions string
	if err := row.Scan(&c.ID, &c.ItemID, &c.AuthorID, &c.AuthorName, &c.AuthorEmail, &c.ParentID, &c.Body, &pos, &end,
		&mentions, &resolved, &created, &edited, &sortMS); err != nil {
		return troupe.Comment{}, 0, translate(err)
	}
	if pos.Valid {
		c.PositionMS = &pos.Int64
	}
	if end.Valid {
		c.EndMS = &end.Int64
	}
	c.Mentions = strings.Fields(mentions)
	if resolved.Valid {
		t := fromMillis(resolved.Int64)
		c.ResolvedAt = &t
	}
	c.CreatedAt = fromMillis(created)
	if edited.Valid {
		t := fromMillis(edited.Int64)
		c.EditedAt = &t
	}
	return c, sortMS, nil
}

func nullMillis(ms *int64) any {
	if ms == nil {
		return nil
	}
	return *ms
}

// InsertComment stores a new comment.
func (q *Queries) InsertComment(ctx context.Context, c troupe.Comment) error {
	var parent any
	if c.ParentID != "" {
		parent = c.ParentID
	}
	var sortMS int64
	if c.PositionMS != nil {
		sortMS = *c.PositionMS
	}
	_, err := q.exec(ctx, `INSERT INTO comments (id, item_id, author_id, parent_id, body, position_ms, end_ms, sort_ms, mentions, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, c.ID, c.ItemID, c.AuthorID, parent, c.Body, nullMillis(c.PositionMS),
		nullMillis(c.EndMS), sortMS, strings.Join(c.Mentions, " "), millis(c.CreatedAt))
	if err == nil {
		q.commentsChanged(c.ItemID)
	}
	return err
}

// FindComment returns a comment with its author; a reply carries its
// thread's resolution.
func (q *Queries) FindComment(ctx context.Context, id string) (troupe.Comment, error) {
	c, _, err := scanComment(q.queryRow(ctx, `SELECT `+commentColumns+commentFrom+` WHERE c.id = ?`, id))
	if err != nil || c.ParentID == "" {
		return c, err
	}
	var resolved sql.NullInt64
	if err := q.queryRow(ctx, `SELECT resolved_at FROM comments WHERE id = ?`, c.ParentID).Scan(&resolved); err != nil {
		return troupe.Comment{}, translate(err)
	}
	if resolved.Valid {
		t := fromMillis(resolved.Int64)
		c.ResolvedAt = &t
	}
	return c, nil
}

// CommentUpdate lists what changes; nil fields stay as they are.
type CommentUpdate struct {
	Body     *string
	Mentions []string
	// Resolved resolves (true) or reopens (false) a thread's first
	// comment.
	Resolved *bool
	By       string
}

// UpdateComment applies upd to comment id of item itemID at now.
func (q *Queries) UpdateComment(ctx context.Context, itemID, id string, upd CommentUpdate, now time.Time) error {
	var set []string
	var args []any
	if upd.Body != nil {
		set = append(set, "body = ?", "mentions = ?", "edited_at = ?")
		args = append(args, *upd.Body, strings.Join(upd.Mentions, " "), millis(now))
	}
	if upd.Resolved != nil {
		if *upd.Resolved {
			set = append(set, "resolved_at = COALESCE(resolved_at, ?)", "resolved_by = COALESCE(resolved_by, ?)")
			args = append(args, millis(now), upd.By)
		} else {
			set = append(set, "resolved_at = NULL", "resolved_by = NULL")
		}
	}
	if len(set) == 0 {
		return nil
	}
	res, err := q.exec(ctx, `UPDATE comments SET `+strings.Join(set, ", ")+` WHERE id = ?`, append(args, id)...)
	if err != nil {
		return err
	}
	q.commentsChanged(itemID)
	return mustAffect(res)
}

// DeleteComment removes a comment of item itemID, and its replies with it.
func (q *Queries) DeleteComment(ctx context.Context, itemID, id string) error {
	res, err := q.exec(ctx, `DELETE FROM comments WHERE id = ?`, id)
	if err != nil {
		return err
	}
	q.commentsChanged(itemID)
	return mustAffect(res)
}

// ListComments pages through an item's threads, by time for videos
// (sort_ms, then creation) and by creation for drafts (whose sort_ms are
// all 0). Each thread's first comment is followed by all its replies,
// oldest first; replies carry their thread's resolution. The cursor
// follows the page's last thread.
func (q *Queries) ListComments(ctx context.Context, itemID string, f troupe.CommentFilter) ([]troupe.Comment, string, error) {
	where := []string{"c.item_id = ?", "c.parent_id IS NULL"}
	args := []any{itemID}
	if f.OpenOnly {
		where = append(where, "c.resolved_at IS NULL")
	}
	if f.Cursor != "" {
		key, id, err := decodeCursor(f.Cursor)
		if err != nil {
			return nil, "", err
		}
		sortText, createdText, ok := strings.Cut(key, ":")
		sortMS, err1 := strconv.ParseInt(sortText, 10, 64)
		created, err2 := strconv.ParseInt(createdText, 10, 64)
		if !ok || err1 != nil || err2 != nil {
			return nil, "", errBadCursor
		}
		// A row comparison, which both engines read as a range of the index.
		where = append(where, "(c.sort_ms, c.created_at, c.id) > (?, ?, ?)")
		args = append(args, sortMS, created, id)
	}
	args = append(args, f.Limit+1)
	rows, err := q.query(ctx, `SELECT `+commentColumns+commentFrom+` WHERE `+strings.Join(where, " AND ")+
		` ORDER BY c.sort_ms, c.created_at, c.id LIMIT ?`, args...)
	if err != nil {
		return nil, "", err
	}
	sortOf := map[string]int64{}
	threads, next, err := scanPage(rows, f.Limit, func(rows *sql.Rows) (troupe.Comment, error) {
		c, sortMS, err := scanComment(rows)
		sortOf[c.ID] = sortMS
		return c, err
	}, func(c troupe.Comment) string {
		return encodeCursor(fmt.Sprintf("%d:%d", sortOf[c.ID], millis(c.CreatedAt)), c.ID)
	})
	if err != nil || len(threads) == 0 {
		return threads, next, err
	}
	ids := make([]any, len(threads))
	for i, c := range threads {
		ids[i] = c.ID
	}
	rows, err = q.query(ctx, `SELECT `+commentColumns+commentFrom+` WHERE c.parent_id IN (`+placeholders(len(ids))+`)
		ORDER BY c.created_at, c.id`, ids...)
	if err != nil {
		return nil, "", err
	}
	defer rows.Close()
	replies := map[string][]troupe.Comment{}
	for rows.Next() {
		c, _, err := scanComment(rows)
		if err != nil {
			return nil, "", err
		}
		replies[c.ParentID] = append(replies[c.ParentID], c)
	}
	if err := rows.Err(); err != nil {
		return nil, "", translate(err)
	}
	out := make([]troupe.Comment, 0, len(threads))
	for _, t := range threads {
		out = append(out, t)
		for _, r := range replies[t.ID] {
			r.ResolvedAt = t.ResolvedAt
			out = append(out, r)
		}
	}
	return out, next, nil
}

// FindUsersByIDs returns the users among ids, in no particular order.
func (q *Queries) FindUsersByIDs(ctx context.Context, ids []string) ([]troupe.User, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	args := make([]any, len(ids))
	for i, id := range ids {
		args[i] = id
	}
	rows, err := q.query(ctx, `SELECT `+userColumns+` FROM users WHERE id IN (`+placeholders(len(ids))+`)`, args...)
	if err != nil {
		return nil, err
	}
	return scanUsers(rows)
}
