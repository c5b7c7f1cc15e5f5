package app

import (
	"context"
	"slices"
	"strings"

	"troupe/internal/mail"
	"troupe/internal/paths"
	"troupe/internal/store"
	"troupe/internal/troupe"
)

// Notification (and mail) kinds of approval.
const (
	NoteApprovalRequested = "approval_requested"
	NoteApprovalApproved  = "approval_approved"
	NoteApprovalChanges   = "approval_changes_requested"
)

var errApprovalRequired = troupe.Errorf(troupe.CodeApprovalRequired,
	"This workspace asks for approval before a video is published, shared by link or downloaded, and this one is not approved yet.")

// approvable reports whether items of kind k go through approval: the
// drafts and videos that end up published.
func approvable(k troupe.Kind) bool { return k == troupe.KindDraft || k == troupe.KindVideo }

// ApprovalView is an item's current approval request as the actor sees
// it, with what they may do about it.
type ApprovalView struct {
	Status troupe.ApprovalStatus
	// Request is nil while the status is none.
	Request *troupe.Approval
	// CanRequest: the actor may ask for approval (again); CanDecide: they
	// are a reviewer of the open request and may still decide;
	// CanWithdraw: they may withdraw the request.
	CanRequest  bool
	CanDecide   bool
	CanWithdraw bool
	// Mine is the actor's own decision when they are a reviewer.
	Mine *troupe.Reviewer
}

// approvalOf reads item it's current request as the actor sees it.
func (a *App) approvalOf(ctx context.Context, q *store.Queries, actor troupe.User, it ItemView) (ApprovalView, error) {
	v := ApprovalView{Status: it.ApprovalStatus}
	if v.Status == "" {
		v.Status = troupe.ApprovalNone
	}
	live := it.TrashedAt == nil && approvable(it.Kind)
	v.CanRequest = live && it.Permissions.CanEdit
	if v.Status == troupe.ApprovalNone {
		return v, nil
	}
	req, err := q.FindApproval(ctx, it.ID)
	if troupe.ErrorCode(err) == troupe.CodeNotFound {
		return v, nil
	}
	if err != nil {
		return v, err
	}
	v.Request = &req
	v.Mine = req.Reviewer(actor.ID)
	v.CanDecide = live && v.Mine != nil && v.Status.Open() && it.Permissions.CanComment
	v.CanWithdraw = live && (req.RequestedBy == actor.ID || it.Permissions.CanEdit || it.role == troupe.RoleSuperAdmin)
	return v, nil
}

// GetApproval returns an item's approval as the actor sees it.
func (a *App) GetApproval(ctx context.Context, actor troupe.User, id string) (_ ApprovalView, opErr error) {
	defer wrap(&opErr, "get approval")
	q := a.db.Read()
	it, _, err := a.access(ctx, q, actor, id)
	if err != nil {
		return ApprovalView{}, err
	}
	return a.approvalOf(ctx, q, actor, it)
}

// ApprovalRequest asks named reviewers to approve an item.
type ApprovalRequest struct {
	Reviewers []string
	Message   string
}

// RequestApproval asks reviewers to approve a draft or video: anyone who
// can edit it may ask; each reviewer must be a member of the workspace,
// other than the actor, with at least comment access to the item. The
// request replaces any earlier one; each reviewer is told in the panel
// and by mail.
func (a *App) RequestApproval(ctx context.Context, actor troupe.User, id string, in ApprovalRequest, c Client) (_ ApprovalView, opErr error) {
	defer wrap(&opErr, "request approval")
	in.Message = strings.TrimSpace(in.Message)
	var out ApprovalView
	err := a.db.Tx(ctx, func(tx *store.Tx) error {
		it, err := a.changeable(ctx, tx, actor, id, canEdit, "Only people who can edit this item can ask for its approval.")
		if err != nil {
			return err
		}
		var v troupe.Validation
		if !approvable(it.Kind) {
			v.Add("reviewers", "not_approvable", "Only drafts and videos go through approval.")
			return v.Err()
		}
		troupe.ValidateApprovalText(&v, "message", in.Message)
		var reviewers []troupe.Member
		seen := map[string]bool{}
		for _, userID := range in.Reviewers {
			userID = strings.TrimSpace(userID)
			if userID == "" || seen[userID] {
				continue
			}
			seen[userID] = true
			if userID == actor.ID {
				v.Add("reviewers", "invalid", "You cannot review your own request: name other members.")
				continue
			}
			m, ok, err := memberIfAny(ctx, &tx.Queries, it.WorkspaceID, userID)
			if err != nil {
				return err
			}
			if !ok {
				v.Add("reviewers", "invalid", "Reviewers must be members of the workspace.")
				continue
			}
			r, role, err := tx.FindItemAccess(ctx, id, userID)
			if err != nil {
				return err
			}
			if !viewOf(r, role, userID).Permissions.CanComment {
				v.Add("reviewers", "invalid", m.User.Name+" cannot comment on this item: share it with them at least to comment first.")
				continue
			}
			reviewers = append(reviewers, m)
		}
		switch {
		case len(reviewers) == 0 && v.Err() == nil:
			v.Add("reviewers", "required", "Choose at least one reviewer.")
		case len(seen) > troupe.MaxApprovalReviewers:
			v.Add("reviewers", "too_many", "Choose at most 20 reviewers.")
		}
		if err := v.Err(); err != nil {
			return err
		}
		req := troupe.Approval{ID: newID(), ItemID: id, WorkspaceID: it.WorkspaceID, RequestedBy: actor.ID,
			RequestedByName: actor.Name, Message: in.Message, RequestedAt: a.now()}
		for _, m := range reviewers {
			req.Reviewers = append(req.Reviewers, troupe.Reviewer{UserID: m.User.ID, Name: m.User.Name})
		}
		if err := tx.ReplaceApproval(ctx, req); err != nil {
			return err
		}
		if err := a.audit(ctx, tx, it.WorkspaceID, actor, "approval.request", id, it.Name, c); err != nil {
			return err
		}
		for _, m := range reviewers {
			if err := a.tellApproval(ctx, tx, actor, it, m.User, NoteApprovalRequested); err != nil {
				return err
			}
		}
		it.ApprovalStatus = troupe.ApprovalPending
		out, err = a.approvalOf(ctx, &tx.Queries, actor, it)
		return err
	})
	return out, err
}

// Decide records a reviewer's decision on an item's open request, with
// an optional comment. A reviewer may change their mind until the
// request is approved; one who can no longer comment on the item may not
// decide. The status follows the workspace's rule, and the requester is
// told.
func (a *App) Decide(ctx context.Context, actor troupe.User, id string, d troupe.Decision, comment string, c Client) (_ ApprovalView, opErr error) {
	defer wrap(&opErr, "decide approval")
	comment = strings.TrimSpace(comment)
	var v troupe.Validation
	if d != troupe.DecisionApprove && d != troupe.DecisionRequestChanges {
		v.Add("decision", "invalid", "Choose approve or request_changes.")
	}
	troupe.ValidateApprovalText(&v, "comment", comment)
	if err := v.Err(); err != nil {
		return ApprovalView{}, err
	}
	var out ApprovalView
	err := a.db.Tx(ctx, func(tx *store.Tx) error {
		it, _, err := a.access(ctx, &tx.Queries, actor, id)
		if err != nil {
			return err
		}
		if it.TrashedAt != nil {
			return troupe.Errorf(troupe.CodeItemTrashed, "This item is in the trash: restore it first.")
		}
		req, err := tx.FindApproval(ctx, id)
		if troupe.ErrorCode(err) == troupe.CodeNotFound || err == nil && !it.ApprovalStatus.Open() {
			return troupe.Errorf(troupe.CodeConflict, "This item has no approval request waiting for decisions.")
		}
		if err != nil {
			return err
		}
		if req.Reviewer(actor.ID) == nil {
			return troupe.Errorf(troupe.CodeForbidden, "Only the reviewers named in the request can decide.")
		}
		if !it.Permissions.CanComment {
			return troupe.Errorf(troupe.CodeForbidden, "You need at least comment access to this item to decide. Ask %s for it.", it.OwnerName)
		}
		if err := tx.SetReviewerDecision(ctx, req.ID, actor.ID, d, comment, a.now()); err != nil {
			return err
		}
		r := req.Reviewer(actor.ID)
		r.Decision, r.Comment = d, comment
		s, err := tx.FindWorkspaceSettings(ctx, it.WorkspaceID)
		if err != nil {
			return err
		}
		status := troupe.ApprovalStatusOf(s.ApprovalRule, req.Reviewers)
		if err := tx.SetApprovalStatus(ctx, id, status); err != nil {
			return err
		}
		action, note := "approval.approve", NoteApprovalApproved
		if d == troupe.DecisionRequestChanges {
			action, note = "approval.request_changes", NoteApprovalChanges
		}
		if err := a.audit(ctx, tx, it.WorkspaceID, actor, action, id, it.Name, c); err != nil {
			return err
		}
		if err := a.emitAbout(ctx, tx, it.WorkspaceID, it.ID, troupe.EventApprovalDecided, map[string]any{"item_id": it.ID,
			"item_name": it.Name, "reviewer_id": actor.ID, "decision": d, "comment": comment, "status": status}); err != nil {
			return err
		}
		if req.RequestedBy != actor.ID {
			requester, err := tx.FindUserByID(ctx, req.RequestedBy)
			if err != nil {
				return err
			}
			if err := a.tellApproval(ctx, tx, actor, it, requester.User, note); err != nil {
				return err
			}
		}
		it.ApprovalStatus = status
		out, err = a.approvalOf(ctx, &tx.Queries, actor, it)
		return err
	})
	return out, err
}

// WithdrawApproval withdraws an item's request: its requester, anyone who
// can edit the item, or a Super Admin may. The item's approval is none
// again; withdrawing when there is no request changes nothing.
func (a *App) WithdrawApproval(ctx context.Context, actor troupe.User, id string, c Client) (opErr error) {
	defer wrap(&opErr, "withdraw approval")
	return a.db.Tx(ctx, func(tx *store.Tx) error {
		it, _, err := a.access(ctx, &tx.Queries, actor, id)
		if err != nil {
			return err
		}
		req, err := tx.FindApproval(ctx, id)
		if err != nil && troupe.ErrorCode(err) != troupe.CodeNotFound {
			return err
		}
		requester := err == nil && req.RequestedBy == actor.ID
		if !requester && !it.Permissions.CanEdit && it.role != troupe.RoleSuperAdmin {
			return refuse(it, needEdit, "Only the requester, people who can edit this item and Super Admins can withdraw its approval request.")
		}
		if it.ApprovalStatus == troupe.ApprovalNone {
			return nil
		}
		if err := tx.DeleteApproval(ctx, id); err != nil {
			return err
		}
		if err := tx.SetApprovalStatus(ctx, id, troupe.ApprovalNone); err != nil {
			return err
		}
		return a.audit(ctx, tx, it.WorkspaceID, actor, "approval.withdraw", id, it.Name, c)
	})
}

// resetApproval sets an item's approval back to none after its content
// changed (a draft's text, a video's media), whatever state it was in:
// what the reviewers saw is no longer what would go out.
func (a *App) resetApproval(ctx context.Context, tx *store.Tx, actor troupe.User, it ItemView, c Client) error {
	if it.ApprovalStatus == troupe.ApprovalNone || it.ApprovalStatus == "" {
		return nil
	}
	if err := tx.DeleteApproval(ctx, it.ID); err != nil {
		return err
	}
	if err := tx.SetApprovalStatus(ctx, it.ID, troupe.ApprovalNone); err != nil {
		return err
	}
	return a.audit(ctx, tx, it.WorkspaceID, actor, "approval.reset", it.ID, it.Name, c)
}

// requireApproved is the approval gate of everything that lets a video
// out (publishing, share links, downloads): it fails with
// approval_required while the workspace asks for approval and the item
// is not approved, except for Super Admins, for whom it reports an
// override instead (the caller records it where it changes something).
func (a *App) requireApproved(ctx context.Context, q *store.Queries, it ItemView, role troupe.Role) (override bool, err error) {
	s, err := q.FindWorkspaceSettings(ctx, it.WorkspaceID)
	if err != nil {
		return false, err
	}
	if !troupe.ApprovalBlocks(s, it.ApprovalStatus) {
		return false, nil
	}
	if role == troupe.RoleSuperAdmin {
		return true, nil
	}
	return false, errApprovalRequired
}

// tellApproval tells user about an approval step on it taken by actor:
// in the panel (live) and by mail.
func (a *App) tellApproval(ctx context.Context, tx *store.Tx, actor troupe.User, it ItemView, to troupe.User, kind string) error {
	path := paths.Item(it.WorkspaceID, it.ID)
	if err := a.notify(ctx, tx, to.ID, it.WorkspaceID, kind, it.ID,
		map[string]string{"name": actor.Name, "item": it.Name, "path": path}); err != nil {
		return err
	}
	return a.mailApproval(ctx, tx, to, mail.Email{Kind: kind, Lang: mailLang(to.Locale, Client{}),
		Path: path, Params: []any{"name", actor.Name, "item", it.Name}})
}

// mailApproval mails an approval step to a member, unless their comment
// mail setting is "none".
func (a *App) mailApproval(ctx context.Context, tx *store.Tx, to troupe.User, e mail.Email) error {
	// Asked by name, as a mention is: only "none" keeps it out of mail.
	if want, err := a.commentMailWanted(ctx, tx, to.ID, true); err != nil || !want {
		return err
	}
	return a.mailMember(ctx, tx, to, e)
}

// AwaitingReview lists the items of a workspace waiting for the actor's
// decision: open requests naming them where they have not decided and
// may still comment.
func (a *App) AwaitingReview(ctx context.Context, actor troupe.User, workspaceID string) (_ []ItemView, opErr error) {
	defer wrap(&opErr, "awaiting review")
	q := a.db.Read()
	m, err := a.membership(ctx, q, workspaceID, actor)
	if err != nil {
		return nil, err
	}
	ids, err := q.ListAwaitingReview(ctx, workspaceID, actor.ID, 50)
	if err != nil {
		return nil, err
	}
	var out []ItemView
	for _, id := range ids {
		it, _, err := a.access(ctx, q, actor, id)
		if troupe.ErrorCode(err) == troupe.CodeNotFound {
			continue
		}
		if err != nil {
			return nil, err
		}
		if it.Permissions.CanComment {
			out = append(out, it)
		}
	}
	if len(out) == 0 {
		return nil, nil
	}
	err = a.summarize(ctx, q, viewerOf(m), m.Role, out)
	return slices.Clip(out), err
}

// Candidate is a member who may review an item.
type Candidate struct {
	UserID string
	Name   string
	Email  string
}

// ReviewerCandidates lists the members the actor may name as reviewers of
// an item: everyone else with at least comment access to it. Only those
// who may ask for approval get the list.
func (a *App) ReviewerCandidates(ctx context.Context, actor troupe.User, id string) (_ []Candidate, opErr error) {
	defer wrap(&opErr, "reviewer candidates")
	q := a.db.Read()
	it, _, err := a.access(ctx, q, actor, id)
	if err != nil {
		return nil, err
	}
	if !it.Permissions.CanEdit || !approvable(it.Kind) {
		return nil, nil
	}
	grants, err := q.ListMemberGrants(ctx, id)
	if err != nil {
		return nil, err
	}
	var out []Candidate
	for _, g := range grants {
		if g.UserID == actor.ID {
			continue
		}
		level := troupe.Access(g.Role, g.Grant)
		if troupe.ItemPermissions(g.Role, level, g.UserID == it.OwnerID).CanComment {
			out = append(out, Candidate{UserID: g.UserID, Name: g.Name, Email: g.Email})
		}
	}
	return out, nil
}
