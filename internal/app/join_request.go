package app

import (
	"context"
	"errors"

	"troupe/internal/mail"
	"troupe/internal/paths"
	"troupe/internal/store"
	"troupe/internal/troupe"
)

// ListJoinRequests returns a workspace's pending requests (Super Admins).
func (a *App) ListJoinRequests(ctx context.Context, actor troupe.User, workspaceID string) (_ []troupe.JoinRequest, opErr error) {
	defer wrap(&opErr, "list join requests")
	q := a.db.Read()
	_, can, err := a.permissions(ctx, q, workspaceID, actor)
	if err != nil {
		return nil, err
	}
	if err := allow(can.DecideJoinRequests, "Only a Super Admin can see join requests."); err != nil {
		return nil, err
	}
	return q.ListJoinRequests(ctx, workspaceID, troupe.RequestPending)
}

func (a *App) pendingRequest(ctx context.Context, tx *store.Tx, actor troupe.User, workspaceID, id string) (troupe.Member, troupe.JoinRequest, error) {
	m, can, err := a.permissions(ctx, &tx.Queries, workspaceID, actor)
	if err != nil {
		return m, troupe.JoinRequest{}, err
	}
	if err := allow(can.DecideJoinRequests, "Only a Super Admin can decide join requests."); err != nil {
		return m, troupe.JoinRequest{}, err
	}
	r, err := tx.FindJoinRequest(ctx, workspaceID, id)
	if troupe.ErrorCode(err) == troupe.CodeNotFound {
		return m, r, troupe.Errorf(troupe.CodeNotFound, "There is no such join request.")
	}
	if err == nil && r.Status != troupe.RequestPending {
		return m, r, troupe.Errorf(troupe.CodeConflict, "This request was already %s.", r.Status)
	}
	return m, r, err
}

// ApproveJoinRequest makes the requester an active member with role,
// through the join gate (seats included).
func (a *App) ApproveJoinRequest(ctx context.Context, actor troupe.User, workspaceID, id string, role troupe.Role, c Client) (opErr error) {
	defer wrap(&opErr, "approve join request")
	var who troupe.User
	err := a.db.Tx(ctx, func(tx *store.Tx) error {
		_, r, err := a.pendingRequest(ctx, tx, actor, workspaceID, id)
		if err != nil {
			return err
		}
		who = r.User
		at, err := a.attempt(ctx, tx, r.User.ID, workspaceID, troupe.ViaApproval, role, actor.ID)
		if err != nil {
			return err
		}
		if !role.Valid() {
			var v troupe.Validation
			v.Add("role", "invalid_role", "Choose developer, creator or viewer.")
			return v.Err()
		}
		if _, err := troupe.CheckJoin(at.JoinAttempt); err != nil {
			return err
		}
		if err := tx.AddMember(ctx, workspaceID, r.User.ID, role, a.now()); err != nil {
			return err
		}
		if err := a.emit(ctx, tx, workspaceID, troupe.EventMemberJoined, memberEvent(r.User, role, "via", troupe.ViaApproval)); err != nil {
			return err
		}
		return a.decide(ctx, tx, actor, at.workspace, r, troupe.RequestApproved, string(role), c)
	})
	if troupe.ErrorCode(err) == troupe.CodeSeatLimitReached {
		if nerr := a.noticeSeatLimit(ctx, workspaceID, who); nerr != nil {
			err = errors.Join(err, nerr)
		}
	}
	return err
}

// DenyJoinRequest turns a request down; the requester may ask again after
// 24 hours.
func (a *App) DenyJoinRequest(ctx context.Context, actor troupe.User, workspaceID, id string, c Client) (opErr error) {
	defer wrap(&opErr, "deny join request")
	return a.db.Tx(ctx, func(tx *store.Tx) error {
		_, r, err := a.pendingRequest(ctx, tx, actor, workspaceID, id)
		if err != nil {
			return err
		}
		w, err := tx.FindWorkspace(ctx, workspaceID)
		if err != nil {
			return err
		}
		return a.decide(ctx, tx, actor, w, r, troupe.RequestDenied, "", c)
	})
}

// decide records a decision, clears the admins' notifications about it,
// and tells the requester in the panel and by mail.
func (a *App) decide(ctx context.Context, tx *store.Tx, actor troupe.User, w troupe.Workspace, r troupe.JoinRequest, status troupe.RequestStatus, detail string, c Client) error {
	if err := tx.DecideJoinRequest(ctx, r.ID, status, actor.ID, a.now()); err != nil {
		return err
	}
	if err := tx.MarkSubjectNotificationsRead(ctx, r.ID, a.now()); err != nil {
		return err
	}
	kind, note, action := "request_approved", NoteRequestApproved, "join_request.approved"
	if status == troupe.RequestDenied {
		kind, note, action = "request_denied", NoteRequestDenied, "join_request.denied"
	}
	if err := a.notify(ctx, tx, r.User.ID, w.ID, note, r.ID, map[string]string{"workspace": w.Name}); err != nil {
		return err
	}
	if err := a.mailMember(ctx, tx, r.User, mail.Email{Kind: kind, Lang: mailLang(r.User.Locale, Client{}), Path: paths.Home(),
		Params: []any{"workspace", w.Name}}); err != nil {
		return err
	}
	return a.audit(ctx, tx, w.ID, actor, action, r.ID, r.User.Email+" "+detail, c)
}
