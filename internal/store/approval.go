package store

import (
	"context"
	"database/sql"
	"strings"
	"time"

	"troupe/internal/troupe"
)

// FindApproval returns item itemID's current approval request with its
// reviewers (by name) in the order they were named; not_found when there
// is none.
func (q *Queries) FindApproval(ctx context.Context, itemID string) (troupe.Approval, error) {
	var a troupe.Approval
	var created int64
	err := q.queryRow(ctx, `SELECT r.id, r.item_id, r.workspace_id, r.requested_by, COALESCE(u.name, ''), r.message, r.created_at
		FROM approval_requests r LEFT JOIN users u ON u.id = r.requested_by WHERE r.item_id = ?`, itemID).
		Scan(&a.ID, &a.ItemID, &a.WorkspaceID, &a.RequestedBy, &a.RequestedByName, &a.Message, &created)
	if err != nil {
		return troupe.Approval{}, translate(err)
	}
	a.RequestedAt = fromMillis(created)
	rows, err := q.query(ctx, `SELECT v.user_id, COALESCE(u.name, ''), v.decision, v.comment, v.decided_at
		FROM approval_reviewers v LEFT JOIN users u ON u.id = v.user_id
		WHERE v.request_id = ? ORDER BY COALESCE(u.name, ''), v.user_id`, a.ID)
	if err != nil {
		return troupe.Approval{}, err
	}
	defer rows.Close()
	for rows.Next() {
		var r troupe.Reviewer
		var decided sql.NullInt64
		if err := rows.Scan(&r.UserID, &r.Name, &r.Decision, &r.Comment, &decided); err != nil {
			return troupe.Approval{}, translate(err)
		}
		if decided.Valid {
			t := fromMillis(decided.Int64)
			r.DecidedAt = &t
		}
		a.Reviewers = append(a.Reviewers, r)
	}
	return a, translate(rows.Err())
}

// ReplaceApproval makes a the item's current approval request, dropping
// the one before (and its decisions), and sets the item's state to
// pending.
func (q *Queries) ReplaceApproval(ctx context.Context, a troupe.Approval) error {
	if err := q.DeleteApproval(ctx, a.ItemID); err != nil {
		return err
	}
	if _, err := q.exec(ctx, `INSERT INTO approval_requests (id, item_id, workspace_id, requested_by, message, created_at)
		VALUES (?, ?, ?, ?, ?, ?)`, a.ID, a.ItemID, a.WorkspaceID, a.RequestedBy, a.Message, millis(a.RequestedAt)); err != nil {
		return err
	}
	for _, r := range a.Reviewers {
		if _, err := q.exec(ctx, `INSERT INTO approval_reviewers (request_id, user_id) VALUES (?, ?)`, a.ID, r.UserID); err != nil {
			return err
		}
	}
	return q.SetApprovalStatus(ctx, a.ItemID, troupe.ApprovalPending)
}

// DeleteApproval removes item itemID's current request, if any. The
// item's state is the caller's to set.
func (q *Queries) DeleteApproval(ctx context.Context, itemID string) error {
	_, err := q.exec(ctx, `DELETE FROM approval_requests WHERE item_id = ?`, itemID)
	return err
}

// SetReviewerDecision records userID's decision on request requestID.
func (q *Queries) SetReviewerDecision(ctx context.Context, requestID, userID string, d troupe.Decision, comment string, at time.Time) error {
	res, err := q.exec(ctx, `UPDATE approval_reviewers SET decision = ?, comment = ?, decided_at = ? WHERE request_id = ? AND user_id = ?`,
		d, comment, millis(at), requestID, userID)
	if err != nil {
		return err
	}
	return mustAffect(res)
}

// SetApprovalStatus sets an item's approval state. The public page
// offers downloads by it, so its cache forgets the page.
func (q *Queries) SetApprovalStatus(ctx context.Context, itemID string, s troupe.ApprovalStatus) error {
	res, err := q.exec(ctx, `UPDATE items SET approval_status = ? WHERE id = ?`, s, itemID)
	if err != nil {
		return err
	}
	q.publicChanged(itemID)
	return mustAffect(res)
}

// ListAwaitingReview returns the ids of the items of a workspace, out of
// the trash, whose open approval request names userID as a reviewer who
// has not decided yet, newest request first.
func (q *Queries) ListAwaitingReview(ctx context.Context, workspaceID, userID string, limit int) ([]string, error) {
	rows, err := q.query(ctx, `SELECT r.item_id FROM approval_reviewers v
		JOIN approval_requests r ON r.id = v.request_id
		JOIN items i ON i.id = r.item_id
		WHERE v.user_id = ? AND v.decision = '' AND r.workspace_id = ? AND i.trashed_at IS NULL
			AND i.approval_status IN ('pending', 'changes_requested')
		ORDER BY r.created_at DESC, r.id DESC LIMIT ?`, userID, workspaceID, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, translate(err)
		}
		out = append(out, id)
	}
	return out, translate(rows.Err())
}

// MemberGrant is a member of an item's workspace with the level sharing
// gives them over the item (before their role applies).
type MemberGrant struct {
	UserID string
	Name   string
	Email  string
	Role   troupe.Role
	Grant  troupe.Level
}

// ListMemberGrants lists the members of item id's workspace by name, each
// with the level sharing gives them over the item, in one query: the
// reviewers an approval request may name are among them.
func (q *Queries) ListMemberGrants(ctx context.Context, id string) ([]MemberGrant, error) {
	grant := strings.ReplaceAll(grantOf, "?", "m.user_id")
	rows, err := q.query(ctx, `SELECT m.user_id, u.name, u.email, m.role, `+grant+`
		FROM items i JOIN members m ON m.workspace_id = i.workspace_id JOIN users u ON u.id = m.user_id
		WHERE i.id = ? ORDER BY u.name, u.email LIMIT 1000`, id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []MemberGrant
	for rows.Next() {
		var g MemberGrant
		if err := rows.Scan(&g.UserID, &g.Name, &g.Email, &g.Role, &g.Grant); err != nil {
			return nil, translate(err)
		}
		out = append(out, g)
	}
	return out, translate(rows.Err())
}
