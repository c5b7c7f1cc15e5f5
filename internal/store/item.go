package store

import (
	"context"
	"database/sql"
	"slices"
	"strings"
	"time"

	"troupe/internal/troupe"
)

// Viewer is whom a list is computed for. All is set for Super Admins, who
// see every item of their workspace.
type Viewer struct {
	UserID string
	All    bool
}

// levelEdit is troupe.LevelEdit as SQL (levels are stored as numbers).
const levelEdit = "3"

// grantOf is the level that ownership, shares and workspace access give
// a user over item i and every folder above it: the highest of owner
// (edit), their share, the workspace level. Arguments: user, user.
const grantOf = `(SELECT COALESCE(MAX(CASE WHEN a.owner_id = ? THEN ` + levelEdit + `
		WHEN s.level > a.workspace_level THEN s.level ELSE a.workspace_level END), 0)
	FROM item_tree t JOIN items a ON a.id = t.ancestor_id
	LEFT JOIN item_shares s ON s.item_id = a.id AND s.user_id = ?
	WHERE t.descendant_id = i.id)`

// visibleRoots are, for one statement, the roots of a user's access that
// can sit above an item: folders with workspace access (from
// items_workspace_access), folders the user
// owns, and whatever is shared with them (items themselves need no root:
// visibleTo reads their own owner and workspace level). A few thousand
// ids at most, read once per statement through their indexes.
// Arguments: workspace, user, workspace, user.
const visibleRoots = `roots AS MATERIALIZED (SELECT a.id FROM items a
		WHERE a.workspace_id = ? AND a.kind = 'folder' AND a.workspace_level > 0
	UNION ALL SELECT a.id FROM items a WHERE a.owner_id = ? AND a.workspace_id = ? AND a.kind = 'folder'
	UNION ALL SELECT s.item_id FROM item_shares s WHERE s.user_id = ?)`

// visibleTo holds when a user may see item i (grantOf > 0): they own it,
// it has workspace access, or i or a folder above it is one of the
// statement's visibleRoots. The roots are probed as one hash table built
// for the statement (an IN kept inside IS TRUE is not turned into a join
// repeated for each row), and the EXISTS stays a probe per candidate row
// (PostgreSQL's OFFSET 0 keeps it from being turned into a hash of every
// visible item), so a page stops at its last row: a few index reads per
// candidate instead of an items and a shares lookup per folder above it.
// Arguments: user.
func (d Dialect) visibleTo() string {
	return `(i.owner_id = ? OR i.workspace_level > 0 OR EXISTS (SELECT 1 FROM item_tree t
		WHERE t.descendant_id = i.id AND (t.ancestor_id IN (SELECT r.id FROM roots r)) IS TRUE` + d.keepSubquery() + `))`
}

// ownGrant is grantOf for item i alone, leaving out the folders above.
// Arguments: user, user.
const ownGrant = `(CASE WHEN i.owner_id = ? THEN ` + levelEdit + ` ELSE COALESCE((SELECT CASE WHEN s.level > i.workspace_level
		THEN s.level ELSE i.workspace_level END FROM item_shares s WHERE s.item_id = i.id AND s.user_id = ?),
		i.workspace_level) END)`

// grant returns the SQL and arguments of expr for v: a constant edit
// for Super Admins.
func (v Viewer) grant(expr string) (string, []any) {
	if v.All {
		return levelEdit, nil
	}
	return expr, []any{v.UserID, v.UserID}
}

// ownerNameColumn is the owner's name among summaryColumns.
const ownerNameColumn = `(SELECT o.name FROM users o WHERE o.id = i.owner_id)`

// summaryColumns are an item's columns without the draft's text, for lists.
const summaryColumns = `i.id, i.workspace_id, i.kind, i.name, COALESCE(i.parent_id, ''), i.owner_id,
	` + ownerNameColumn + `,
	i.workspace_level, i.created_at, i.updated_at, i.trashed_at, i.description, i.media_key, i.media_type,
	i.size_bytes, i.duration_ms, i.poster_key, CASE WHEN i.trash_root_id = i.id THEN 1 ELSE 0 END,
	COALESCE(i.public_slug, ''), CASE WHEN i.password_hash = '' THEN 0 ELSE 1 END, i.password_version, i.allow_download,
	i.processing_state, i.processing_progress, i.processing_error, i.processing_note, i.width, i.height,
	i.thumbnail_key, i.sprite_key, i.hls_key, i.poster_at_ms, i.approval_status`

// itemFrom names items alone: the owner's name comes from a subquery, so
// the planner never starts from the users table and loses the order of
// an items index.
const itemFrom = ` FROM items i`

// ItemRow is an item as one user sees it in a list: with its owner's name
// and the level sharing gives that user (before their role applies).
type ItemRow struct {
	troupe.Item
	OwnerName string
	Grant     troupe.Level
	// TrashRoot is set on an item put in the trash itself, not only as
	// part of a folder.
	TrashRoot bool
	// TwoFactorDeadline is, from FindItemAccess, when the user's grace for
	// the two-factor sign-in the workspace requires ends; zero when it
	// requires none.
	TwoFactorDeadline time.Time

	sortKey string
}

func scanItem(row interface{ Scan(...any) error }, full bool, extra ...any) (ItemRow, error) {
	var r ItemRow
	var created, updated int64
	var trashed, duration, posterAt sql.NullInt64
	p := &r.Processing
	dest := []any{&r.ID, &r.WorkspaceID, &r.Kind, &r.Name, &r.ParentID, &r.OwnerID, &r.OwnerName,
		&r.Workspace, &created, &updated, &trashed, &r.Description, &r.MediaKey, &r.MediaType,
		&r.SizeBytes, &duration, &r.PosterKey, &r.TrashRoot, &r.PublicSlug, &r.PasswordSet, &r.PasswordVersion, &r.AllowDownload,
		&p.State, &p.Progress, &p.Error, &p.Note, &r.Width, &r.Height, &r.ThumbnailKey, &r.SpriteKey, &r.HLSKey, &posterAt, &r.ApprovalStatus}
	if full {
		dest = append(dest, &r.Script, &r.Document)
	}
	if err := row.Scan(append(dest, extra...)...); err != nil {
		return ItemRow{}, translate(err)
	}
	r.CreatedAt, r.UpdatedAt = fromMillis(created), fromMillis(updated)
	if trashed.Valid {
		t := fromMillis(trashed.Int64)
		r.TrashedAt = &t
	}
	if duration.Valid {
		r.DurationMS = &duration.Int64
	}
	if posterAt.Valid {
		r.PosterAtMS = &posterAt.Int64
	}
	return r, nil
}

// CreateItem inserts an item and its place in the tree.
func (q *Queries) CreateItem(ctx context.Context, it troupe.Item) error {
	var parent any
	if it.ParentID != "" {
		parent = it.ParentID
	}
	if it.Document == "" {
		it.Document = "{}"
	}
	_, err := q.exec(ctx, `INSERT INTO items (id, workspace_id, kind, name, name_norm, parent_id, owner_id, workspace_level,
			script, document, description, media_key, media_type, size_bytes, duration_ms, poster_key, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		it.ID, it.WorkspaceID, it.Kind, it.Name, troupe.NormalizeName(it.Name), parent, it.OwnerID, it.Workspace,
		it.Script, it.Document, it.Description, it.MediaKey, it.MediaType, it.SizeBytes, it.DurationMS, it.PosterKey,
		millis(it.CreatedAt), millis(it.UpdatedAt))
	if err != nil {
		return err
	}
	_, err = q.exec(ctx, `INSERT INTO item_tree (ancestor_id, descendant_id, depth)
		SELECT ?, ?, 0
		UNION ALL
		SELECT ancestor_id, ?, depth + 1 FROM item_tree WHERE descendant_id = ?`, it.ID, it.ID, it.ID, it.ParentID)
	return err
}

// FindItemAccess returns an item, trashed or not, with the level sharing
// gives userID over it and userID's role in its workspace (empty when
// they are not a member), in one query: every permission check runs on it.
func (q *Queries) FindItemAccess(ctx context.Context, id, userID string) (ItemRow, troupe.Role, error) {
	var g troupe.Level
	var role troupe.Role
	var required, joined int64
	r, err := scanItem(q.queryRow(ctx, `SELECT `+summaryColumns+`, i.script, i.document, `+grantOf+`,
			COALESCE((SELECT m.role FROM members m WHERE m.workspace_id = i.workspace_id AND m.user_id = ?), ''),
			COALESCE((SELECT w.require_two_factor_at FROM workspaces w WHERE w.id = i.workspace_id AND w.require_two_factor = 'on'), 0),
			COALESCE((SELECT m.joined_at FROM members m WHERE m.workspace_id = i.workspace_id AND m.user_id = ?), 0)`+
		itemFrom+` WHERE i.id = ?`, userID, userID, userID, userID, id), true, &g, &role, &required, &joined)
	r.Grant = g
	if required != 0 {
		r.TwoFactorDeadline = troupe.TwoFactorDeadline(troupe.Settings{RequireTwoFactor: troupe.TwoFactorOn,
			RequireTwoFactorSince: fromMillis(required)}, fromMillis(joined))
	}
	return r, role, err
}

// ItemFilter selects one page of a list.
type ItemFilter struct {
	WorkspaceID string
	Kind        troupe.Kind // "" for every kind
	Cursor      string
	Limit       int
}

func (f ItemFilter) kindClause(args []any) (string, []any) {
	if f.Kind == "" {
		return "", args
	}
	return " AND i.kind = ?", append(args, f.Kind)
}

// ListChildren lists the items in folder parentID (the workspace's root
// when empty), folders first, then by name. At the root only the items v
// may see are listed; inside a folder v may see, every item is visible
// (access inherits downwards), so parentGrant, v's level on the folder,
// lifts each row's own.
func (q *Queries) ListChildren(ctx context.Context, v Viewer, parentID string, parentGrant troupe.Level, f ItemFilter) ([]ItemRow, string, error) {
	expr, args := v.grant(ownGrant)
	where := ` WHERE i.parent_id = ? AND i.trashed_at IS NULL`
	args = append(args, parentID)
	if parentID == "" {
		where = ` WHERE i.workspace_id = ? AND i.parent_id IS NULL AND i.trashed_at IS NULL`
		args[len(args)-1] = f.WorkspaceID
	}
	var kind string
	kind, args = f.kindClause(args)
	where += kind
	const rank = `CASE WHEN i.kind = 'folder' THEN 0 ELSE 1 END`
	if f.Cursor != "" {
		key, id, err := decodeCursor(f.Cursor)
		if err != nil || key == "" {
			return nil, "", errBadCursor
		}
		where += ` AND (` + rank + `, i.name_norm, i.id) > (?, ?, ?)`
		args = append(args, int(key[0]-'0'), key[1:], id)
	}
	if parentID == "" && !v.All {
		// ownGrant > 0, read from the row itself and a hash of v's shares
		// built once (see visibleTo): the level is then computed for the
		// page's rows only.
		where += ` AND (i.owner_id = ? OR i.workspace_level > 0
			OR (i.id IN (SELECT s.item_id FROM item_shares s WHERE s.user_id = ?)) IS TRUE)`
		args = append(args, v.UserID, v.UserID)
	}
	from := itemFrom
	if parentID == "" {
		from += q.d.indexedBy("items_root_access")
	}
	query := `SELECT ` + summaryColumns + `, ` + expr + `, ` + rank + `, i.name_norm` + from + where +
		` ORDER BY ` + rank + `, i.name_norm, i.id LIMIT ?`
	rows, err := q.query(ctx, query, append(args, f.Limit+1)...)
	if err != nil {
		return nil, "", err
	}
	return scanPage(rows, f.Limit, func(rows *sql.Rows) (ItemRow, error) {
		var g troupe.Level
		var rankValue int
		var norm string
		r, err := scanItem(rows, false, &g, &rankValue, &norm)
		r.Grant = max(g, parentGrant)
		r.sortKey = string(rune('0'+rankValue)) + norm
		return r, err
	}, func(r ItemRow) string { return encodeCursor(r.sortKey, r.ID) })
}

// ListVisible lists the items of a workspace that v may see, most recently
// updated first (Recent), or, with a name query, those whose name
// contains it, by name (search). Trashed items never show. The rows'
// Grant is left to ListAccessChains, which reads their chains anyway.
func (q *Queries) ListVisible(ctx context.Context, v Viewer, query string, f ItemFilter) ([]ItemRow, string, error) {
	if s := q.snapshot(); s != nil && !v.All {
		if rows, next, ok, err := q.visiblePage(ctx, s, v, query, f); ok || err != nil {
			return rows, next, err
		}
	}
	return q.readVisible(ctx, v, query, f)
}

// readVisible is ListVisible from the database alone: its access is
// decided by the statement (visibleTo).
func (q *Queries) readVisible(ctx context.Context, v Viewer, query string, f ItemFilter) ([]ItemRow, string, error) {
	// Arguments in the statement's order: the roots, the search's matches,
	// the rows' conditions, the access check and the limit.
	var with, from = "", itemFrom
	var args []any
	if !v.All {
		with, args = `WITH `+visibleRoots+` `, []any{f.WorkspaceID, v.UserID, f.WorkspaceID, v.UserID}
	}
	order := ` ORDER BY i.updated_at DESC, i.id DESC`
	var cursorOf func(ItemRow) string
	if query != "" {
		// The matches come from the name index alone, in its order (no row
		// is read for a name that does not match, and nothing is sorted),
		// and their rows are read until the page is full: each page costs
		// about the same, however many names match and however far the
		// cursor is.
		match := ` WHERE m.workspace_id = ? AND m.name_norm LIKE ? ESCAPE '\'`
		args = append(args, f.WorkspaceID, "%"+escapeLike(troupe.NormalizeName(query))+"%")
		if f.Cursor != "" {
			key, id, err := decodeCursor(f.Cursor)
			if err != nil {
				return nil, "", err
			}
			match += ` AND (m.name_norm, m.id) > (?, ?)`
			args = append(args, key, id)
		}
		from = ` FROM (SELECT m.id, m.name_norm FROM items m` + match + ` ORDER BY m.name_norm, m.id` + q.d.keepSubquery() +
			`) m JOIN items i ON i.id = m.id`
		order = ` ORDER BY m.name_norm, m.id`
		cursorOf = func(r ItemRow) string { return encodeCursor(troupe.NormalizeName(r.Name), r.ID) }
	}
	where := ` WHERE i.workspace_id = ? AND i.trashed_at IS NULL`
	args = append(args, f.WorkspaceID)
	var kind string
	kind, args = f.kindClause(args)
	where += kind
	if query == "" {
		if f.Cursor != "" {
			at, id, err := decodeTimeCursor(f.Cursor)
			if err != nil {
				return nil, "", err
			}
			where += ` AND (i.updated_at, i.id) < (?, ?)`
			args = append(args, at, id)
		}
		cursorOf = func(r ItemRow) string { return encodeTimeCursor(r.UpdatedAt, r.ID) }
	}
	if !v.All {
		where += ` AND ` + q.d.visibleTo()
		args = append(args, v.UserID)
	}
	args = append(args, f.Limit+1)
	if query != "" {
		args = q.d.planEachTime(args)
	}
	rows, err := q.query(ctx, with+`SELECT `+summaryColumns+from+where+order+` LIMIT ?`, args...)
	if err != nil {
		return nil, "", err
	}
	return scanPage(rows, f.Limit, func(rows *sql.Rows) (ItemRow, error) {
		return scanItem(rows, false)
	}, cursorOf)
}

// ListSharedWith lists the items shared with userID directly (not those
// they own), most recently shared first. The rows' Grant is left to
// ListAccessChains.
func (q *Queries) ListSharedWith(ctx context.Context, userID string, f ItemFilter) ([]ItemRow, string, error) {
	args := []any{userID, f.WorkspaceID, userID}
	where := ` WHERE sh.user_id = ? AND i.workspace_id = ? AND i.owner_id <> ? AND i.trashed_at IS NULL`
	var kind string
	kind, args = f.kindClause(args)
	where += kind
	if f.Cursor != "" {
		at, id, err := decodeTimeCursor(f.Cursor)
		if err != nil {
			return nil, "", err
		}
		where += ` AND (sh.created_at, i.id) < (?, ?)`
		args = append(args, at, id)
	}
	rows, err := q.query(ctx, `SELECT `+summaryColumns+`, sh.created_at`+itemFrom+
		` JOIN item_shares sh ON sh.item_id = i.id`+where+` ORDER BY sh.created_at DESC, i.id DESC LIMIT ?`,
		append(args, f.Limit+1)...)
	if err != nil {
		return nil, "", err
	}
	return scanPage(rows, f.Limit, func(rows *sql.Rows) (ItemRow, error) {
		var shared int64
		r, err := scanItem(rows, false, &shared)
		r.sortKey = encodeTimeCursor(fromMillis(shared), r.ID)
		return r, err
	}, func(r ItemRow) string { return r.sortKey })
}

// ListTrash lists the items put in the trash (not the contents of a
// trashed folder), most recent first: all of them for Super Admins,
// otherwise those v owns.
func (q *Queries) ListTrash(ctx context.Context, v Viewer, f ItemFilter) ([]ItemRow, string, error) {
	args := []any{f.WorkspaceID}
	where := ` WHERE i.workspace_id = ? AND i.trash_root_id = i.id`
	if !v.All {
		where += ` AND i.owner_id = ?`
		args = append(args, v.UserID)
	}
	if f.Cursor != "" {
		at, id, err := decodeTimeCursor(f.Cursor)
		if err != nil {
			return nil, "", err
		}
		where += ` AND (i.trashed_at, i.id) < (?, ?)`
		args = append(args, at, id)
	}
	rows, err := q.query(ctx, `SELECT `+summaryColumns+itemFrom+where+` ORDER BY i.trashed_at DESC, i.id DESC LIMIT ?`,
		append(args, f.Limit+1)...)
	if err != nil {
		return nil, "", err
	}
	return scanPage(rows, f.Limit, func(rows *sql.Rows) (ItemRow, error) {
		r, err := scanItem(rows, false)
		r.Grant = troupe.LevelEdit
		return r, err
	}, func(r ItemRow) string { return encodeTimeCursor(*r.TrashedAt, r.ID) })
}

// ItemUpdate lists the fields to change; nil stays.
type ItemUpdate struct {
	Name        *string
	Script      *string
	Document    *string
	Description *string
}

// UpdateItem applies upd to item id.
func (q *Queries) UpdateItem(ctx context.Context, id string, upd ItemUpdate, now time.Time) error {
	u := newUpdate(now)
	if upd.Name != nil {
		u.add("name", *upd.Name)
		u.add("name_norm", troupe.NormalizeName(*upd.Name))
	}
	if upd.Script != nil {
		u.add("script", *upd.Script)
	}
	if upd.Document != nil {
		u.add("document", *upd.Document)
	}
	if upd.Description != nil {
		u.add("description", *upd.Description)
	}
	res, err := q.exec(ctx, `UPDATE items SET `+u.set+` WHERE id = ?`, append(u.args, id)...)
	if err != nil {
		return err
	}
	q.publicChanged(id)
	return mustAffect(res)
}

// LockTree serialises changes to the folder tree of the workspace holding
// item id (or of workspace id itself) until the transaction ends: two
// moves cannot each pass the cycle check and together make a loop, and
// nothing lands in a folder being trashed or purged. PostgreSQL takes a
// transaction-scoped advisory lock; SQLite's one writer serialises these
// transactions already.
func (q *Queries) LockTree(ctx context.Context, itemOrWorkspaceID string) error {
	if q.d != Postgres {
		return nil
	}
	_, err := q.exec(ctx, `SELECT pg_advisory_xact_lock(hashtextextended('tree:' || COALESCE(
		(SELECT workspace_id FROM items WHERE id = ?), ?), 7))`, itemOrWorkspaceID, itemOrWorkspaceID)
	return err
}

// IsInside reports whether item id is folder ancestorID or inside it.
func (q *Queries) IsInside(ctx context.Context, id, ancestorID string) (bool, error) {
	var n int
	err := q.queryRow(ctx, `SELECT COUNT(*) FROM item_tree WHERE ancestor_id = ? AND descendant_id = ?`, ancestorID, id).Scan(&n)
	return n > 0, translate(err)
}

// MoveItem puts item id (with everything inside it) into folder parentID,
// or at the root when empty. The caller has checked that parentID is not
// inside id.
func (q *Queries) MoveItem(ctx context.Context, id, parentID string, now time.Time) error {
	if _, err := q.exec(ctx, `DELETE FROM item_tree
		WHERE descendant_id IN (SELECT descendant_id FROM item_tree WHERE ancestor_id = ?)
		AND ancestor_id NOT IN (SELECT descendant_id FROM item_tree WHERE ancestor_id = ?)`, id, id); err != nil {
		return err
	}
	var parent any
	if parentID != "" {
		parent = parentID
		if _, err := q.exec(ctx, `INSERT INTO item_tree (ancestor_id, descendant_id, depth)
			SELECT sup.ancestor_id, sub.descendant_id, sup.depth + sub.depth + 1
			FROM item_tree sup JOIN item_tree sub ON sub.ancestor_id = ?
			WHERE sup.descendant_id = ?`, id, parentID); err != nil {
			return err
		}
	}
	res, err := q.exec(ctx, `UPDATE items SET parent_id = ?, updated_at = ? WHERE id = ?`, parent, millis(now), id)
	if err != nil {
		return err
	}
	q.publicChanged(id)
	return mustAffect(res)
}

// TrashItem puts item id and everything inside it (not already in the
// trash) in the trash, with id as the entry to restore.
func (q *Queries) TrashItem(ctx context.Context, id, byUserID string, now time.Time) error {
	_, err := q.exec(ctx, `UPDATE items SET trashed_at = ?, trash_root_id = ?, trashed_by = ?
		WHERE id IN (SELECT descendant_id FROM item_tree WHERE ancestor_id = ?) AND trashed_at IS NULL`,
		millis(now), id, byUserID, id)
	if err != nil {
		return err
	}
	q.publicChanged("")
	return nil
}

// RestoreItem takes trash entry id, and what went to the trash with it,
// out of the trash.
func (q *Queries) RestoreItem(ctx context.Context, id string) error {
	_, err := q.exec(ctx, `UPDATE items SET trashed_at = NULL, trash_root_id = NULL, trashed_by = NULL WHERE trash_root_id = ?`, id)
	if err != nil {
		return err
	}
	q.publicChanged("")
	return nil
}

// PurgeTrash deletes up to limit trash entries put there before cutoff,
// with everything inside them, and returns the media keys they held.
func (q *Queries) PurgeTrash(ctx context.Context, cutoff time.Time, limit int) (keys []string, purged int, err error) {
	rows, err := q.query(ctx, `SELECT id FROM items WHERE trash_root_id = id AND trashed_at < ? ORDER BY trashed_at LIMIT ?`,
		millis(cutoff), limit)
	if err != nil {
		return nil, 0, err
	}
	var roots []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return nil, 0, translate(err)
		}
		roots = append(roots, id)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, 0, translate(err)
	}
	for _, root := range roots {
		if err := q.LockTree(ctx, root); err != nil {
			return nil, 0, err
		}
		rows, err := q.query(ctx, `SELECT i.media_key, i.poster_key FROM item_tree t JOIN items i ON i.id = t.descendant_id
			WHERE t.ancestor_id = ?
			UNION ALL
			SELECT f.media_key, '' FROM item_tree t JOIN item_files f ON f.item_id = t.descendant_id
			WHERE t.ancestor_id = ?`, root, root)
		if err != nil {
			return nil, 0, err
		}
		var held []string
		for rows.Next() {
			var media, poster string
			if err := rows.Scan(&media, &poster); err != nil {
				rows.Close()
				return nil, 0, translate(err)
			}
			for _, k := range []string{media, poster} {
				if k != "" {
					held = append(held, k)
				}
			}
		}
		rows.Close()
		slices.Sort(held)
		held = slices.Compact(held)
		// A read cut short must not delete the entry: its files would
		// outlive it, never to be removed.
		if err := rows.Err(); err != nil {
			return nil, 0, translate(err)
		}
		// The tree rows, shares and sub-items go with it (ON DELETE
		// CASCADE); an entry restored meanwhile stays.
		res, err := q.exec(ctx, `DELETE FROM items WHERE id = ? AND trash_root_id = id AND trashed_at < ?`, root, millis(cutoff))
		if err != nil {
			return nil, 0, err
		}
		if n, err := res.RowsAffected(); err != nil {
			return nil, 0, err
		} else if n > 0 {
			keys = append(keys, held...)
			purged++
			q.publicChanged("")
		}
	}
	return keys, purged, nil
}

// ListShares returns the shares of item id and, when inherited is set,
// those of the folders above it (nearest first).
func (q *Queries) ListShares(ctx context.Context, id string, inherited bool) ([]troupe.Share, error) {
	cond := `t.depth = 0`
	if inherited {
		cond = `t.depth > 0`
	}
	rows, err := q.query(ctx, `SELECT s.user_id, u.name, u.email, s.level, a.id, a.name
		FROM item_tree t JOIN items a ON a.id = t.ancestor_id JOIN item_shares s ON s.item_id = a.id
		JOIN users u ON u.id = s.user_id
		WHERE t.descendant_id = ? AND `+cond+` ORDER BY t.depth, u.email_norm`, id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []troupe.Share
	for rows.Next() {
		var s troupe.Share
		if err := rows.Scan(&s.UserID, &s.Name, &s.Email, &s.Level, &s.FromID, &s.FromName); err != nil {
			return nil, translate(err)
		}
		if !inherited {
			s.FromID, s.FromName = "", ""
		}
		out = append(out, s)
	}
	return out, translate(rows.Err())
}

// SetSharing replaces item id's general access and shares and returns
// the users who got a share they did not have.
func (q *Queries) SetSharing(ctx context.Context, id string, workspace troupe.Level, shares map[string]troupe.Level, now time.Time) ([]string, error) {
	current, err := q.ListShares(ctx, id, false)
	if err != nil {
		return nil, err
	}
	had := map[string]troupe.Level{}
	for _, s := range current {
		had[s.UserID] = s.Level
		if _, keep := shares[s.UserID]; !keep {
			if _, err := q.exec(ctx, `DELETE FROM item_shares WHERE item_id = ? AND user_id = ?`, id, s.UserID); err != nil {
				return nil, err
			}
		}
	}
	var added []string
	for userID, level := range shares {
		old, ok := had[userID]
		switch {
		case !ok:
			added = append(added, userID)
			_, err = q.exec(ctx, `INSERT INTO item_shares (item_id, user_id, level, created_at) VALUES (?, ?, ?, ?)`,
				id, userID, level, millis(now))
		case old != level:
			_, err = q.exec(ctx, `UPDATE item_shares SET level = ? WHERE item_id = ? AND user_id = ?`, level, id, userID)
		}
		if err != nil {
			return nil, err
		}
	}
	_, err = q.exec(ctx, `UPDATE items SET workspace_level = ?, updated_at = ? WHERE id = ?`, workspace, millis(now), id)
	if err != nil {
		return nil, err
	}
	q.publicChanged(id)
	return added, nil
}

// AccessSource is what the item or a folder above it (Depth > 0) says
// about one user: its owner, their share, the workspace's level.
type AccessSource struct {
	ItemID    string
	ItemName  string
	Depth     int
	OwnerID   string
	Share     troupe.Level
	Workspace troupe.Level
}

// ItemChain is what a permission check needs of an item: where it is,
// who owns it, whether it is in the trash, the roles of the user asked
// about and of the one asking, and the chain of that user's access sources.
type ItemChain struct {
	WorkspaceID string
	OwnerID     string
	Trashed     bool
	ActorRole   troupe.Role
	UserRole    troupe.Role
	// Chain lists the steps of the item and the folders above it that
	// give the user something, nearest first.
	Chain []AccessSource
}

// FindItemChain reads item id's chain for userID, asked by actorID, in one
// query: the permission check runs on it. Only the steps that give
// something — userID owns it, has a share on it, or the workspace may use
// it — come back: the others add nothing to the access.
func (q *Queries) FindItemChain(ctx context.Context, id, actorID, userID string) (ItemChain, error) {
	if s := q.snapshot(); s != nil {
		if c, ok := s.chain(id, actorID, userID); ok {
			return c, nil
		}
	}
	// The item and the roles are read once (head, materialised so that
	// neither engine repeats them), then joined to the steps that matter;
	// an item with none still answers one row.
	rows, err := q.query(ctx, `WITH head AS MATERIALIZED (SELECT i.id, i.workspace_id, i.owner_id,
			CASE WHEN i.trashed_at IS NULL THEN 0 ELSE 1 END AS trashed,
			COALESCE((SELECT m.role FROM members m WHERE m.workspace_id = i.workspace_id AND m.user_id = ?), '') AS actor_role,
			COALESCE((SELECT m.role FROM members m WHERE m.workspace_id = i.workspace_id AND m.user_id = ?), '') AS user_role
			FROM items i WHERE i.id = ?)
		SELECT head.workspace_id, head.owner_id, head.trashed, head.actor_role, head.user_role,
			c.id, c.name, c.depth, c.owner_id, c.share, c.workspace_level
		FROM head LEFT JOIN (
			SELECT a.id, a.name, t.depth, a.owner_id, COALESCE(s.level, 0) AS share, a.workspace_level
			FROM item_tree t JOIN items a ON a.id = t.ancestor_id
			LEFT JOIN item_shares s ON s.item_id = a.id AND s.user_id = ?
			WHERE t.descendant_id = ? AND (a.owner_id = ? OR s.level IS NOT NULL OR a.workspace_level > 0)
		) c ON 1 = 1
		ORDER BY c.depth`, actorID, userID, id, userID, id, userID)
	if err != nil {
		return ItemChain{}, err
	}
	defer rows.Close()
	var c ItemChain
	found := false
	for rows.Next() {
		found = true
		var srcID, srcName, srcOwner sql.NullString
		var depth, share, workspace sql.NullInt64
		if err := rows.Scan(&c.WorkspaceID, &c.OwnerID, &c.Trashed, &c.ActorRole, &c.UserRole,
			&srcID, &srcName, &depth, &srcOwner, &share, &workspace); err != nil {
			return ItemChain{}, translate(err)
		}
		if srcID.Valid {
			c.Chain = append(c.Chain, AccessSource{ItemID: srcID.String, ItemName: srcName.String, Depth: int(depth.Int64),
				OwnerID: srcOwner.String, Share: troupe.Level(share.Int64), Workspace: troupe.Level(workspace.Int64)})
		}
	}
	if err := rows.Err(); err != nil {
		return ItemChain{}, translate(err)
	}
	if !found {
		return ItemChain{}, translate(sql.ErrNoRows)
	}
	return c, nil
}

// Ancestors returns the folders above item id, from the root down.
func (q *Queries) Ancestors(ctx context.Context, id string) ([]ItemRow, error) {
	rows, err := q.query(ctx, `SELECT `+summaryColumns+itemFrom+` JOIN item_tree t ON t.ancestor_id = i.id
		WHERE t.descendant_id = ? AND t.depth > 0 ORDER BY t.depth DESC`, id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []ItemRow
	for rows.Next() {
		r, err := scanItem(rows, false)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, translate(rows.Err())
}

// HandOverItems gives every item userID owns in a workspace to heirID and
// deletes the shares made to userID there: someone leaving loses nothing
// of the team's and keeps no access.
func (q *Queries) HandOverItems(ctx context.Context, workspaceID, userID, heirID string) (int, error) {
	res, err := q.exec(ctx, `UPDATE items SET owner_id = ? WHERE workspace_id = ? AND owner_id = ?`, heirID, workspaceID, userID)
	if err != nil {
		return 0, err
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, err
	}
	_, err = q.exec(ctx, `DELETE FROM item_shares WHERE user_id = ? AND item_id IN (SELECT id FROM items WHERE workspace_id = ?)`,
		userID, workspaceID)
	return int(n), err
}

// CountItems counts a workspace's items, trashed ones included.
func (q *Queries) CountItems(ctx context.Context, workspaceID string) (int, error) {
	var n int
	err := q.queryRow(ctx, `SELECT COUNT(*) FROM items WHERE workspace_id = ?`, workspaceID).Scan(&n)
	return n, translate(err)
}

// AccessChain is what the access summary of one item needs: its steps
// (the item, then the folders above, nearest first), the level sharing
// gives the reader over each (Grants, same order, before their role
// applies), the number of people besides the owner with access (by a
// share, or by owning a folder above) and whether it is on the web.
type AccessChain struct {
	Steps  []troupe.AccessStep
	Grants []troupe.Level
	People int
	Public bool
}

// ListAccessChains reads the access chains of items ids for reader v in
// one query, whatever the number of items: a page of a list costs one
// more query, not one per row. Each item and folder of the page's chains
// is read once (the rows of a folder share the folders above them), with
// its shares; the chains, the grants, the people and their count are put
// together here, from what the chains already hold, since every folder
// above a step is a later step of the same chain.
func (q *Queries) ListAccessChains(ctx context.Context, v Viewer, ids []string) (map[string]AccessChain, error) {
	if len(ids) == 0 {
		return map[string]AccessChain{}, nil
	}
	var out map[string]AccessChain
	var shares map[string]map[string]troupe.Level
	if snap := q.snapshot(); snap != nil {
		out, shares, _ = snap.accessChains(ids)
	}
	if out == nil {
		var err error
		if out, shares, err = q.readAccessChains(ctx, ids); err != nil {
			return nil, err
		}
	}
	for id, c := range out {
		c.Grants = chainGrants(v, c.Steps, shares)
		// The people: everyone with a share on a step or owning one, but
		// the item's owner, each counted once.
		people := map[string]bool{}
		for i := range c.Steps {
			st := &c.Steps[i]
			for user, level := range shares[st.ID] {
				st.Shares++
				st.ShareLevel = max(st.ShareLevel, level)
				people[user] = true
			}
			people[st.OwnerID] = true
		}
		delete(people, c.Steps[0].OwnerID)
		c.People = len(people)
		out[id] = c
	}
	return out, nil
}

// readAccessChains is ListAccessChains' reading from the database.
func (q *Queries) readAccessChains(ctx context.Context, ids []string) (map[string]AccessChain, map[string]map[string]troupe.Level, error) {
	// Share rows come with depth -1 and the node's id first. Each folder
	// above is read with each chain it is in (from items_folder_steps,
	// without the table, cheaper than gathering the nodes first), and the
	// steps are put in order here.
	in, list := q.d.idList(ids)
	out := make(map[string]AccessChain, len(ids))
	rows, err := q.query(ctx, `SELECT i.id, 0, i.id, i.name, i.owner_id, i.workspace_level,
			CASE WHEN COALESCE(i.public_slug, '') <> '' AND i.trashed_at IS NULL
				AND (SELECT w.publishing FROM workspaces w WHERE w.id = i.workspace_id) <> 'off' THEN 1 ELSE 0 END, '', 0
			FROM items i WHERE i.id IN (`+in+`)
		UNION ALL
		SELECT t.descendant_id, t.depth, a.id, a.name, a.owner_id, a.workspace_level, 0, '', 0
			FROM item_tree t JOIN items a ON a.id = t.ancestor_id AND a.kind = 'folder'
			WHERE t.descendant_id IN (`+in+`) AND t.depth > 0
		UNION ALL
		SELECT s.item_id, -1, s.item_id, '', '', 0, 0, s.user_id, s.level FROM item_shares s
			WHERE s.item_id IN (SELECT t.ancestor_id FROM item_tree t WHERE t.descendant_id IN (`+in+`))`, list, list, list)
	if err != nil {
		return nil, nil, err
	}
	defer rows.Close()
	// shares holds each node's shares: user → level.
	shares := map[string]map[string]troupe.Level{}
	for rows.Next() {
		var id, user string
		var s troupe.AccessStep
		var public int
		var level troupe.Level
		if err := rows.Scan(&id, &s.Depth, &s.ID, &s.Name, &s.OwnerID, &s.Workspace, &public, &user, &level); err != nil {
			return nil, nil, translate(err)
		}
		if s.Depth < 0 {
			if shares[id] == nil {
				shares[id] = map[string]troupe.Level{}
			}
			shares[id][user] = level
			continue
		}
		c := out[id]
		if s.Depth == 0 {
			c.Public = public == 1
		}
		c.Steps = append(c.Steps, s)
		out[id] = c
	}
	if err := rows.Err(); err != nil {
		return nil, nil, translate(err)
	}
	for id, c := range out {
		slices.SortFunc(c.Steps, func(a, b troupe.AccessStep) int { return a.Depth - b.Depth })
		out[id] = c
	}
	return out, shares, nil
}

// chainGrants is grantOf for each step of a chain (nearest first): the
// highest of what ownership, v's share and workspace access give on that
// step and on every step after it, the folders above.
func chainGrants(v Viewer, steps []troupe.AccessStep, shares map[string]map[string]troupe.Level) []troupe.Level {
	grants := make([]troupe.Level, len(steps))
	g := troupe.LevelNone
	for i := len(steps) - 1; i >= 0; i-- {
		st := steps[i]
		switch {
		case v.All || st.OwnerID == v.UserID:
			g = troupe.LevelEdit
		default:
			g = max(g, st.Workspace, shares[st.ID][v.UserID])
		}
		grants[i] = g
	}
	return grants
}

// VisibleFilter selects the complete set of items a viewer may see.
type VisibleFilter struct {
	WorkspaceID string
	Kind        troupe.Kind
	// Since keeps the items updated after it (zero: all).
	Since time.Time
}

// visibleGrants computes, once for the whole workspace, the level v's
// grants give over every item they reach: the roots of v's access (items
// v owns, items with workspace access, items shared with v) expanded to
// their subtrees through the closure table, the highest grant winning.
// It is grantOf's rule computed from the grants down rather than from
// each item up; the roots come from their indexes (items_workspace_access,
// items_owner, item_shares_user) and the closure table is read from them
// (by its ancestor index), never scanned whole. Arguments: workspace,
// user, workspace, user, workspace.
func (d Dialect) visibleGrants() string {
	return `WITH roots AS (
		SELECT a.id, a.workspace_level AS g FROM items a WHERE a.workspace_id = ? AND a.workspace_level > 0
		UNION ALL
		SELECT a.id, ` + levelEdit + ` FROM items a WHERE a.owner_id = ? AND a.workspace_id = ?
		UNION ALL
		SELECT s.item_id, s.level FROM item_shares s JOIN items a ON a.id = s.item_id
		WHERE s.user_id = ? AND a.workspace_id = ?
	), grants AS (
		SELECT t.descendant_id AS id, MAX(r.g) AS g FROM roots r ` + d.joinInOrder() + ` item_tree t ON t.ancestor_id = r.id
		GROUP BY t.descendant_id
	)`
}

// EachVisible calls fn with every item of a workspace that v may see
// (trashed items never), with the grant v has over it, as the rows
// arrive: nothing but the current row is held in memory. The order is
// none in particular.
func (q *Queries) EachVisible(ctx context.Context, v Viewer, f VisibleFilter, fn func(ItemRow) error) error {
	var query string
	var args []any
	if v.All {
		query = `SELECT ` + summaryColumns + `, ` + levelEdit + itemFrom + ` WHERE i.workspace_id = ? AND i.trashed_at IS NULL`
		args = []any{f.WorkspaceID}
	} else {
		query = q.d.visibleGrants() + ` SELECT ` + summaryColumns + `, g.g FROM grants g JOIN items i ON i.id = g.id
			WHERE i.trashed_at IS NULL`
		args = []any{f.WorkspaceID, v.UserID, f.WorkspaceID, v.UserID, f.WorkspaceID}
	}
	query, args = f.where(query, args)
	// Owners' names are read once, not looked up again for every row.
	names, err := q.ownerNames(ctx, f.WorkspaceID)
	if err != nil {
		return err
	}
	rows, err := q.query(ctx, strings.Replace(query, ownerNameColumn, "''", 1), args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var g troupe.Level
		r, err := scanItem(rows, false, &g)
		if err != nil {
			return err
		}
		r.Grant, r.OwnerName = g, names[r.OwnerID]
		if err := fn(r); err != nil {
			return err
		}
	}
	return translate(rows.Err())
}

// ownerNames maps the owners of a workspace's items to their names.
func (q *Queries) ownerNames(ctx context.Context, workspaceID string) (map[string]string, error) {
	rows, err := q.query(ctx, `SELECT u.id, u.name FROM users u
		WHERE u.id IN (SELECT i.owner_id FROM items i WHERE i.workspace_id = ?)`, workspaceID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	names := map[string]string{}
	for rows.Next() {
		var id, name string
		if err := rows.Scan(&id, &name); err != nil {
			return nil, translate(err)
		}
		names[id] = name
	}
	return names, translate(rows.Err())
}

// where adds the kind and update-time conditions to query.
func (f VisibleFilter) where(query string, args []any) (string, []any) {
	if f.Kind != "" {
		query += ` AND i.kind = ?`
		args = append(args, f.Kind)
	}
	if !f.Since.IsZero() {
		query += ` AND i.updated_at > ?`
		args = append(args, millis(f.Since))
	}
	return query, args
}
