package app

import (
	"context"
	"encoding/json"

	"troupe/internal/store"
	"troupe/internal/troupe"
)

// Notification kinds.
const (
	NoteJoinRequest        = "join_request"
	NoteInvitationAccepted = "invitation_accepted"
	NoteRequestApproved    = "request_approved"
	NoteRequestDenied      = "request_denied"
	NoteRoleChanged        = "role_changed"
	NoteSeatLimit          = "seat_limit"
	NoteDomainUnverified   = "domain_unverified"
)

// notify stores a notification for userID inside tx; data is any JSON
// value describing it.
func (a *App) notify(ctx context.Context, tx *store.Tx, userID, workspaceID, kind, subjectID string, data any) error {
	raw, err := json.Marshal(data)
	if err != nil {
		return err
	}
	return tx.AddNotification(ctx, troupe.Notification{ID: newID(), UserID: userID, WorkspaceID: workspaceID, Kind: kind,
		SubjectID: subjectID, Data: string(raw), CreatedAt: a.now()})
}

// ListNotifications pages through the actor's notifications, newest first,
// and says how many are unread.
func (a *App) ListNotifications(ctx context.Context, actor troupe.User, cursor string, limit int) (_ []troupe.Notification, _ string, _ int, opErr error) {
	defer wrap(&opErr, "list notifications")
	if err := accountOnly(actor); err != nil {
		return nil, "", 0, err
	}
	q := a.db.Read()
	items, next, err := q.ListNotifications(ctx, actor.ID, cursor, pageSize(limit))
	if err != nil {
		return nil, "", 0, err
	}
	unread, err := q.CountUnread(ctx, actor.ID)
	return items, next, unread, err
}

// UnreadCount counts the actor's unread notifications.
func (a *App) UnreadCount(ctx context.Context, actor troupe.User) (_ int, opErr error) {
	defer wrap(&opErr, "unread count")
	if err := accountOnly(actor); err != nil {
		return 0, err
	}
	return a.db.Read().CountUnread(ctx, actor.ID)
}

// MarkRead marks one notification read.
func (a *App) MarkRead(ctx context.Context, actor troupe.User, id string) (opErr error) {
	defer wrap(&opErr, "mark read")
	if err := accountOnly(actor); err != nil {
		return err
	}
	return a.db.Tx(ctx, func(tx *store.Tx) error { return tx.MarkNotificationRead(ctx, actor.ID, id, a.now()) })
}

// MarkAllRead marks every notification of the actor read.
func (a *App) MarkAllRead(ctx context.Context, actor troupe.User) (opErr error) {
	defer wrap(&opErr, "mark all read")
	if err := accountOnly(actor); err != nil {
		return err
	}
	return a.db.Tx(ctx, func(tx *store.Tx) error { return tx.MarkAllNotificationsRead(ctx, actor.ID, a.now()) })
}

// notifyAdmins notifies every Super Admin of a workspace.
func (a *App) notifyAdmins(ctx context.Context, tx *store.Tx, workspaceID, kind, subjectID string, data any) ([]troupe.Member, error) {
	admins, err := tx.ListMembersByRole(ctx, workspaceID, troupe.RoleSuperAdmin)
	if err != nil {
		return nil, err
	}
	for _, ad := range admins {
		if err := a.notify(ctx, tx, ad.User.ID, workspaceID, kind, subjectID, data); err != nil {
			return nil, err
		}
	}
	return admins, nil
}
