package store

import (
	"context"
	"database/sql"
	"slices"
	"strconv"
	"sync"

	"troupe/internal/troupe"
)

// maxCandidateBatch bounds the candidates read in one statement while a
// page is filled: a member who sees little of a large workspace reads its
// index in a few statements of this size rather than one of all of it.
const maxCandidateBatch = 8192

// pageCandidate is an item a list may show, with its sort key as the
// list's cursor holds it.
type pageCandidate struct{ id, key string }

// visiblePage is ListVisible's page for a member when the access snapshot
// s may answer: the candidates are read in the list's order from an index
// alone (ids and sort keys: no row), the snapshot keeps those that are not
// trashed, are of the kind asked for and that v sees (visibleTo's rule),
// and only the page's rows are read. Every page then costs about the
// same, whatever share of the workspace v sees. ok is false when the
// snapshot does not know a candidate, made since it was read: the
// database then answers the whole page.
func (q *Queries) visiblePage(ctx context.Context, s *accessSnapshot, v Viewer, query string, f ItemFilter) (_ []ItemRow, next string, ok bool, _ error) {
	after, afterID := "", ""
	if f.Cursor != "" {
		var err error
		if after, afterID, err = decodeCursor(f.Cursor); err != nil {
			return nil, "", false, err
		}
		if query == "" {
			if _, err := strconv.ParseInt(after, 10, 64); err != nil {
				return nil, "", false, errBadCursor
			}
		}
	}
	var picked []pageCandidate
	seen := s.viewer(v.UserID)
	defer seen.release()
	for batch := 4 * (f.Limit + 1); len(picked) <= f.Limit; batch = min(2*batch, maxCandidateBatch) {
		cands, err := q.pageCandidates(ctx, query, f, after, afterID, batch)
		if err != nil {
			return nil, "", false, err
		}
		for _, c := range cands {
			i, known := s.find(c.id)
			if !known {
				return nil, "", false, nil
			}
			n := &s.nodes[i]
			if n.trashed || (f.Kind != "" && s.kinds[n.kind] != f.Kind) || !s.sees(seen, i) {
				continue
			}
			if picked = append(picked, c); len(picked) > f.Limit {
				break
			}
		}
		if len(cands) < batch {
			break
		}
		after, afterID = cands[len(cands)-1].key, cands[len(cands)-1].id
	}
	if len(picked) > f.Limit {
		picked = picked[:f.Limit]
		last := picked[len(picked)-1]
		next = encodeCursor(last.key, last.id)
	}
	rows, err := q.rowsByID(ctx, picked)
	return rows, next, true, err
}

// pageCandidates reads up to limit candidates after (after, afterID) in
// the list's order: Recent's by update time from items_updated, search's
// by name from items_name, ids and keys only.
func (q *Queries) pageCandidates(ctx context.Context, query string, f ItemFilter, after, afterID string, limit int) ([]pageCandidate, error) {
	var stmt string
	args := []any{f.WorkspaceID}
	if query == "" {
		stmt = `SELECT i.id, i.updated_at FROM items i WHERE i.workspace_id = ?`
		if afterID != "" {
			at, _ := strconv.ParseInt(after, 10, 64) // checked by the caller
			stmt += ` AND (i.updated_at, i.id) < (?, ?)`
			args = append(args, at, afterID)
		}
		stmt += ` ORDER BY i.updated_at DESC, i.id DESC LIMIT ?`
	} else {
		stmt = `SELECT i.id, i.name_norm FROM items i WHERE i.workspace_id = ? AND i.name_norm LIKE ? ESCAPE '\'`
		args = append(args, "%"+escapeLike(troupe.NormalizeName(query))+"%")
		if afterID != "" {
			stmt += ` AND (i.name_norm, i.id) > (?, ?)`
			args = append(args, after, afterID)
		}
		stmt += ` ORDER BY i.name_norm, i.id LIMIT ?`
	}
	args = append(args, limit)
	if query != "" {
		args = q.d.planEachTime(args)
	}
	rows, err := q.query(ctx, stmt, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := make([]pageCandidate, 0, limit)
	for rows.Next() {
		var c pageCandidate
		if query == "" {
			var at int64
			if err := rows.Scan(&c.id, &at); err != nil {
				return nil, translate(err)
			}
			c.key = strconv.FormatInt(at, 10)
		} else if err := rows.Scan(&c.id, &c.key); err != nil {
			return nil, translate(err)
		}
		out = append(out, c)
	}
	return out, translate(rows.Err())
}

// rowsByID reads the list rows of the candidates, in their order; one
// trashed or deleted since is left out.
func (q *Queries) rowsByID(ctx context.Context, cands []pageCandidate) ([]ItemRow, error) {
	if len(cands) == 0 {
		return nil, nil
	}
	ids := make([]string, len(cands))
	for k, c := range cands {
		ids[k] = c.id
	}
	in, list := q.d.idList(ids)
	rows, err := q.query(ctx, `SELECT `+summaryColumns+itemFrom+` WHERE i.id IN (`+in+`) AND i.trashed_at IS NULL`, list)
	if err != nil {
		return nil, err
	}
	at := make(map[string]int, len(ids))
	for k, id := range ids {
		at[id] = k
	}
	found := make([]ItemRow, len(ids))
	err = func(rows *sql.Rows) error {
		defer rows.Close()
		for rows.Next() {
			r, err := scanItem(rows, false)
			if err != nil {
				return err
			}
			found[at[r.ID]] = r
		}
		return translate(rows.Err())
	}(rows)
	if err != nil {
		return nil, err
	}
	// Keep the order; a row not read left a zero item behind.
	return slices.DeleteFunc(found, func(r ItemRow) bool { return r.ID == "" }), nil
}

// visibility is what one page learnt of the folders it walked through:
// by node, whether a folder at or above it makes what is below visible.
type visibility struct {
	user  int32 // the viewer in the snapshot's users, -1 if in none
	known []int8
	buf   *[]int8 // known's memory, from knownPool
}

const (
	unknownVisibility int8 = iota
	visibleBelow
	hiddenBelow
)

// knownPool keeps visibility's slices between pages: one is as long as
// the snapshot has items.
var knownPool = sync.Pool{New: func() any { return new([]int8) }}

// viewer prepares sees for user; release gives its memory back.
func (s *accessSnapshot) viewer(user string) *visibility {
	buf := knownPool.Get().(*[]int8)
	if cap(*buf) < len(s.nodes) {
		*buf = make([]int8, len(s.nodes))
	}
	known := (*buf)[:len(s.nodes)]
	clear(known)
	return &visibility{user: s.userRef(user), known: known, buf: buf}
}

func (v *visibility) release() { knownPool.Put(v.buf) }

// sees holds when v's user may see node i, by visibleTo's rule: they own
// it, it has workspace access or is shared with them, or a folder above
// it has workspace access, is theirs or is shared with them.
func (s *accessSnapshot) sees(v *visibility, i int32) bool {
	n := &s.nodes[i]
	if _, shared := s.shareOf(i, v.user); n.owner == v.user || n.level > 0 || shared {
		return true
	}
	var path []int32
	found := false
	for j := n.parent; j >= 0; j = s.nodes[j].parent {
		if k := v.known[j]; k != unknownVisibility {
			found = k == visibleBelow
			break
		}
		if len(path) > len(s.nodes) {
			return false // a loop: never in a consistent tree
		}
		path = append(path, j)
		if _, shared := s.shareOf(j, v.user); s.nodes[j].owner == v.user || s.nodes[j].level > 0 || shared {
			found = true
			break
		}
	}
	k := hiddenBelow
	if found {
		k = visibleBelow
	}
	for _, j := range path {
		v.known[j] = k
	}
	return found
}
