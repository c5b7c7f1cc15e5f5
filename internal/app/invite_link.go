package app

import (
	"context"
	"fmt"
	"time"

	"troupe/internal/store"
	"troupe/internal/troupe"
)

// InviteLinkView is a workspace's invite link. Its token is there for
// those who may change the link (TokenState says why it is not): the
// store keeps it sealed beside its hash.
type InviteLinkView struct {
	Role       troupe.Role
	Enabled    bool
	ExpiresAt  *time.Time
	MaxUses    *int
	Uses       int
	Token      string
	TokenState LinkTokenState
	// Changeable: the viewer may change, reset or delete this link (they
	// may give its role).
	Changeable bool
}

// LinkTokenState says whether an invite link's token is shown to the
// viewer, and if not, why.
type LinkTokenState string

// The states of an invite link's token for its viewer.
const (
	// LinkTokenShown: the viewer may copy the link.
	LinkTokenShown LinkTokenState = "available"
	// LinkTokenResetRequired: the link was made before tokens were kept
	// sealed; a reset gives one that can be copied.
	LinkTokenResetRequired LinkTokenState = "reset_required"
	// LinkTokenAboveRole: the link gives a role above the viewer's, so
	// they may not hand it out.
	LinkTokenAboveRole LinkTokenState = "above_role"
)

// InviteLinkInput configures the invite link.
type InviteLinkInput struct {
	Role      troupe.Role
	Enabled   bool
	ExpiresAt *time.Time
	MaxUses   *int
}

func (a *App) linkManager(ctx context.Context, q *store.Queries, actor troupe.User, workspaceID string) (troupe.Member, troupe.Workspace, error) {
	m, err := a.membership(ctx, q, workspaceID, actor)
	if err != nil {
		return m, troupe.Workspace{}, err
	}
	w, err := q.FindWorkspace(ctx, workspaceID)
	if err != nil {
		return m, w, err
	}
	return m, w, allow(troupe.WorkspacePermissionsFor(m.Role, w.Settings).ManageInviteLink, "The workspace's settings do not let you manage the invite link.")
}

// GetInviteLink returns the invite link, or not_found when there is none.
func (a *App) GetInviteLink(ctx context.Context, actor troupe.User, workspaceID string) (_ InviteLinkView, opErr error) {
	defer wrap(&opErr, "get invite link")
	sealer, err := a.linkSealer(ctx)
	if err != nil {
		return InviteLinkView{}, err
	}
	q := a.db.Read()
	m, w, err := a.linkManager(ctx, q, actor, workspaceID)
	if err != nil {
		return InviteLinkView{}, err
	}
	l, err := q.FindInviteLink(ctx, workspaceID)
	if troupe.ErrorCode(err) == troupe.CodeNotFound {
		return InviteLinkView{}, troupe.Errorf(troupe.CodeNotFound, "This workspace has no invite link yet.")
	}
	if err != nil {
		return InviteLinkView{}, err
	}
	return linkView(sealer, l, troupe.WorkspacePermissionsFor(m.Role, w.Settings).ChangeInviteLink(l.Role)), nil
}

// linkView shows the link to someone who may change it (changeable) or
// only see it. Only the former get its token: handing out the link gives
// its role, which the others may not give. A sealed token that no longer
// opens (a server key lost with a restore) reads like one never kept.
func linkView(sealer linkSealer, l store.InviteLink, changeable bool) InviteLinkView {
	v := InviteLinkView{Role: l.Role, Enabled: l.Enabled, ExpiresAt: l.ExpiresAt, MaxUses: l.MaxUses, Uses: l.Uses,
		Changeable: changeable, TokenState: LinkTokenResetRequired}
	switch {
	case !changeable:
		v.TokenState = LinkTokenAboveRole
	case l.TokenSealed != "":
		if token, err := sealer.open(l.WorkspaceID, l.TokenSealed); err == nil {
			v.Token, v.TokenState = token, LinkTokenShown
		}
	}
	return v
}

var errLinkAboveRole = troupe.Errorf(troupe.CodeForbidden, "This invite link gives a role above yours: only someone who may give that role can change, reset or delete it.")

// changeableLink loads the workspace's link for a change by the manager m:
// not_found when there is none, forbidden when it gives a role above m's.
func (a *App) changeableLink(ctx context.Context, tx *store.Tx, m troupe.Member, w troupe.Workspace) (store.InviteLink, error) {
	l, err := tx.FindInviteLink(ctx, w.ID)
	if err != nil {
		return l, err
	}
	if !troupe.WorkspacePermissionsFor(m.Role, w.Settings).ChangeInviteLink(l.Role) {
		return l, errLinkAboveRole
	}
	return l, nil
}

// SaveInviteLink creates the invite link (returning its token) or changes
// its role, state, expiry and maximum uses (keeping its token).
func (a *App) SaveInviteLink(ctx context.Context, actor troupe.User, workspaceID string, in InviteLinkInput, c Client) (_ InviteLinkView, opErr error) {
	defer wrap(&opErr, "save invite link")
	return a.writeInviteLink(ctx, actor, workspaceID, &in, c)
}

// ResetInviteLink gives the link a new token; the old link dies.
func (a *App) ResetInviteLink(ctx context.Context, actor troupe.User, workspaceID string, c Client) (_ InviteLinkView, opErr error) {
	defer wrap(&opErr, "reset invite link")
	return a.writeInviteLink(ctx, actor, workspaceID, nil, c)
}

func (a *App) writeInviteLink(ctx context.Context, actor troupe.User, workspaceID string, in *InviteLinkInput, c Client) (InviteLinkView, error) {
	var out InviteLinkView
	// The key is read before the transaction: making it takes SQLite's
	// one writer.
	sealer, err := a.linkSealer(ctx)
	if err != nil {
		return out, err
	}
	err = a.db.Tx(ctx, func(tx *store.Tx) error {
		m, w, err := a.linkManager(ctx, &tx.Queries, actor, workspaceID)
		if err != nil {
			return err
		}
		l, err := a.changeableLink(ctx, tx, m, w)
		exists := err == nil
		if err != nil && troupe.ErrorCode(err) != troupe.CodeNotFound {
			return err
		}
		action := "invite_link.update"
		if in == nil || !exists {
			// Reset, or a first link: a new token, and the creator is
			// whoever made it now.
			if in == nil && !exists {
				return troupe.Errorf(troupe.CodeNotFound, "This workspace has no invite link yet.")
			}
			token, hash := troupe.NewSecret()
			l.WorkspaceID, l.TokenHash, l.CreatedBy, l.CreatedAt, l.Uses = workspaceID, hash, actor.ID, a.now(), 0
			l.TokenSealed = sealer.seal(workspaceID, token)
			action = "invite_link.reset"
			if !exists {
				action = "invite_link.create"
			}
		}
		if in != nil {
			var v troupe.Validation
			if !troupe.WorkspacePermissionsFor(m.Role, w.Settings).Grants(in.Role) {
				v.Add("role", "invalid_role", "Choose a role up to your own; a link never makes Super Admins.")
			}
			if in.ExpiresAt != nil && !in.ExpiresAt.After(a.now()) {
				v.Add("expires_at", "in_past", "Choose an expiry in the future.")
			}
			if in.MaxUses != nil && (*in.MaxUses < 1 || *in.MaxUses > 100_000) {
				v.Add("max_uses", "out_of_range", "Choose between 1 and 100000 uses.")
			}
			if err := v.Err(); err != nil {
				return err
			}
			l.Role, l.Enabled, l.ExpiresAt, l.MaxUses = in.Role, in.Enabled, in.ExpiresAt, in.MaxUses
		}
		if err := tx.SaveInviteLink(ctx, l, a.now()); err != nil {
			return err
		}
		out = linkView(sealer, l, troupe.WorkspacePermissionsFor(m.Role, w.Settings).ChangeInviteLink(l.Role))
		return a.audit(ctx, tx, workspaceID, actor, action, workspaceID, fmt.Sprintf("role=%s enabled=%t", l.Role, l.Enabled), c)
	})
	return out, err
}

// DeleteInviteLink disables the link for good.
func (a *App) DeleteInviteLink(ctx context.Context, actor troupe.User, workspaceID string, c Client) (opErr error) {
	defer wrap(&opErr, "delete invite link")
	return a.db.Tx(ctx, func(tx *store.Tx) error {
		m, w, err := a.linkManager(ctx, &tx.Queries, actor, workspaceID)
		if err != nil {
			return err
		}
		if _, err := a.changeableLink(ctx, tx, m, w); err != nil && troupe.ErrorCode(err) != troupe.CodeNotFound {
			return err
		}
		if err := tx.DeleteInviteLink(ctx, workspaceID); err != nil {
			return err
		}
		return a.audit(ctx, tx, workspaceID, actor, "invite_link.delete", workspaceID, "", c)
	})
}

// LinkPreview is what an invite link shows before anyone joins.
type LinkPreview struct {
	WorkspaceID   string
	WorkspaceName string
	Role          troupe.Role
}

// PreviewInviteLink names the workspace and role of a working invite
// link, or says that the link no longer works.
func (a *App) PreviewInviteLink(ctx context.Context, token string) (_ LinkPreview, opErr error) {
	defer wrap(&opErr, "preview invite link")
	q := a.db.Read()
	l, err := a.liveLink(ctx, q, token)
	if err != nil {
		return LinkPreview{}, err
	}
	w, err := q.FindWorkspace(ctx, l.WorkspaceID)
	if err != nil {
		return LinkPreview{}, err
	}
	return LinkPreview{WorkspaceID: w.ID, WorkspaceName: w.Name, Role: l.Role}, nil
}

var errInviteLinkInvalid = troupe.Errorf(troupe.CodeLinkInvalid, "This invite link is not valid any more. Ask for a new one.")

// liveLink finds an enabled invite link that has neither expired nor run
// out of uses.
func (a *App) liveLink(ctx context.Context, q *store.Queries, token string) (store.InviteLink, error) {
	if !troupe.WellFormedSecret(token) {
		return store.InviteLink{}, errInviteLinkInvalid
	}
	l, err := q.FindInviteLinkByToken(ctx, troupe.HashSecret(token))
	if troupe.ErrorCode(err) == troupe.CodeNotFound {
		return l, errInviteLinkInvalid
	}
	if err != nil {
		return l, err
	}
	if !l.Enabled || (l.ExpiresAt != nil && !a.now().Before(*l.ExpiresAt)) || (l.MaxUses != nil && l.Uses >= *l.MaxUses) {
		return l, errInviteLinkInvalid
	}
	return l, nil
}

// JoinByLink lets a signed-in user join through the invite link — or,
// under the request policy, file a join request, which needs a verified
// address.
func (a *App) JoinByLink(ctx context.Context, actor troupe.User, token string, c Client) (_ JoinResult, opErr error) {
	defer wrap(&opErr, "join by link")
	if err := accountOnly(actor); err != nil {
		return JoinResult{}, err
	}
	var out JoinResult
	err := a.db.Tx(ctx, func(tx *store.Tx) error {
		l, err := a.liveLink(ctx, &tx.Queries, token)
		if err != nil {
			return err
		}
		out.WorkspaceID = l.WorkspaceID
		at, err := a.attempt(ctx, tx, actor.ID, l.WorkspaceID, troupe.ViaLink, l.Role, l.CreatedBy)
		if err != nil {
			return err
		}
		outcome, err := troupe.CheckJoin(at.JoinAttempt)
		if err != nil {
			return err
		}
		if err := tx.UseInviteLink(ctx, l.TokenHash, a.now()); err != nil {
			if troupe.ErrorCode(err) == troupe.CodeNotFound {
				return errInviteLinkInvalid
			}
			return err
		}
		out.Result, err = a.applyJoin(ctx, tx, actor, at.workspace, outcome, troupe.ViaLink, l.Role, c)
		return err
	})
	return a.afterJoin(ctx, actor, out, err)
}
