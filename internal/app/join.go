package app

import (
	"context"
	"errors"
	"fmt"
	"time"

	"troupe/internal/mail"
	"troupe/internal/paths"
	"troupe/internal/store"
	"troupe/internal/troupe"
)

// deniedCooldown is how long a denied user waits before asking again.
const deniedCooldown = 24 * time.Hour

// JoinResult says whether someone joined at once or filed a request.
type JoinResult struct {
	Result      string // "joined" or "requested"
	WorkspaceID string
}

// InviteLinkView is a workspace's invite link. Token and URL are known only
// right after the link is made or reset: only the token's hash is stored.
type InviteLinkView struct {
	Role      troupe.Role
	Enabled   bool
	ExpiresAt *time.Time
	MaxUses   *int
	Uses      int
	Token     string
	// Changeable: the viewer may change, reset or delete this link (they
	// may give its role).
	Changeable bool
}

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
	return linkView(l, "", troupe.WorkspacePermissionsFor(m.Role, w.Settings).ChangeInviteLink(l.Role)), nil
}

func linkView(l store.InviteLink, token string, changeable bool) InviteLinkView {
	return InviteLinkView{Role: l.Role, Enabled: l.Enabled, ExpiresAt: l.ExpiresAt, MaxUses: l.MaxUses, Uses: l.Uses, Token: token,
		Changeable: changeable}
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
	err := a.db.Tx(ctx, func(tx *store.Tx) error {
		m, w, err := a.linkManager(ctx, &tx.Queries, actor, workspaceID)
		if err != nil {
			return err
		}
		l, err := a.changeableLink(ctx, tx, m, w)
		exists := err == nil
		if err != nil && troupe.ErrorCode(err) != troupe.CodeNotFound {
			return err
		}
		action, token := "invite_link.update", ""
		if in == nil || !exists {
			// Reset, or a first link: a new token, and the creator is
			// whoever made it now.
			if in == nil && !exists {
				return troupe.Errorf(troupe.CodeNotFound, "This workspace has no invite link yet.")
			}
			var hash string
			token, hash = troupe.NewSecret()
			l.WorkspaceID, l.TokenHash, l.CreatedBy, l.CreatedAt, l.Uses = workspaceID, hash, actor.ID, a.now(), 0
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
		out = linkView(l, token, troupe.WorkspacePermissionsFor(m.Role, w.Settings).ChangeInviteLink(l.Role))
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
	return LinkPreview{WorkspaceName: w.Name, Role: l.Role}, nil
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

// JoinByLink lets a signed-in user with a verified email join through the
// invite link — or, under the request policy, file a join request.
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

// JoinWorkspace lets a user whose verified email is at one of the
// workspace's domains join at once (policy domain) or ask (policy request).
func (a *App) JoinWorkspace(ctx context.Context, actor troupe.User, workspaceID string, c Client) (_ JoinResult, opErr error) {
	defer wrap(&opErr, "join workspace")
	if err := accountOnly(actor); err != nil {
		return JoinResult{}, err
	}
	out := JoinResult{WorkspaceID: workspaceID}
	err := a.db.Tx(ctx, func(tx *store.Tx) error {
		at, err := a.attempt(ctx, tx, actor.ID, workspaceID, troupe.ViaDomain, troupe.RoleCreator, "")
		if troupe.ErrorCode(err) == troupe.CodeNotFound || (err == nil && at.Settings.JoinPolicy == troupe.JoinInviteOnly) || (err == nil && !at.DomainMatches) {
			// Workspaces one cannot discover stay invisible.
			return troupe.Errorf(troupe.CodeNotFound, "There is no workspace you can join with this id.")
		}
		if err != nil {
			return err
		}
		outcome, err := troupe.CheckJoin(at.JoinAttempt)
		if err != nil {
			return err
		}
		out.Result, err = a.applyJoin(ctx, tx, actor, at.workspace, outcome, troupe.ViaDomain, troupe.RoleCreator, c)
		return err
	})
	return a.afterJoin(ctx, actor, out, err)
}

// joinAttempt is what the join gate decides on, with what applying the
// decision needs: the workspace, locked, and the granter as a member
// (zero when there is none or they have left).
type joinAttempt struct {
	troupe.JoinAttempt
	workspace troupe.Workspace
	granter   troupe.Member
}

// attempt is the one way to build a join attempt, whichever way userID
// comes in (invitation, link, domain or approval): it locks the
// workspace, so seats are counted under the lock, and reads the
// newcomer's address and membership and the granter's current role, all
// inside tx.
func (a *App) attempt(ctx context.Context, tx *store.Tx, userID, workspaceID string, via troupe.JoinVia, role troupe.Role, granterID string) (joinAttempt, error) {
	var at joinAttempt
	w, err := tx.LockWorkspace(ctx, workspaceID)
	if err != nil {
		return at, err
	}
	at.workspace = w
	rec, err := tx.FindUserByID(ctx, userID)
	if err != nil {
		return at, err
	}
	at.JoinAttempt = troupe.JoinAttempt{Via: via, Role: role, Settings: w.Settings, SeatsTotal: w.Seats, SeatsUsed: w.SeatsUsed,
		// Accepting a mailed invitation proves the address.
		EmailVerified: rec.EmailVerified || via == troupe.ViaInvitation}
	for _, d := range w.Domains {
		if rec.EmailVerified && troupe.EmailDomain(rec.Email) == d {
			at.DomainMatches = true
		}
	}
	if _, at.AlreadyMember, err = memberIfAny(ctx, &tx.Queries, workspaceID, userID); err != nil {
		return at, err
	}
	if granterID != "" {
		if at.granter, _, err = memberIfAny(ctx, &tx.Queries, workspaceID, granterID); err != nil {
			return at, err
		}
		at.GranterRole = at.granter.Role // empty when they left
	}
	return at, nil
}

// applyJoin carries out the gate's outcome: a membership, or a request
// for the Super Admins (with a notification and a mail each).
func (a *App) applyJoin(ctx context.Context, tx *store.Tx, actor troupe.User, w troupe.Workspace, outcome troupe.JoinOutcome, via troupe.JoinVia, role troupe.Role, c Client) (string, error) {
	if outcome == troupe.JoinNow {
		if err := tx.AddMember(ctx, w.ID, actor.ID, role, a.now()); err != nil {
			return "", err
		}
		return "joined", a.audit(ctx, tx, w.ID, actor, "member.join", actor.ID, fmt.Sprintf("%s as %s via %s", actor.Email, role, via), c)
	}
	if last, err := tx.LastDenial(ctx, w.ID, actor.ID); err != nil {
		return "", err
	} else if last != nil && a.now().Sub(*last) < deniedCooldown {
		return "", &troupe.Error{Code: troupe.CodeRateLimited, Message: "Your last request was denied; you can ask again 24 hours after it.",
			RetryAfter: last.Add(deniedCooldown).Sub(a.now()).Round(time.Second)}
	}
	req := troupe.JoinRequest{ID: newID(), WorkspaceID: w.ID, User: actor, Via: via, Role: role, CreatedAt: a.now()}
	if err := tx.CreateJoinRequest(ctx, req); err != nil {
		return "", err
	}
	admins, err := a.notifyAdmins(ctx, tx, w.ID, NoteJoinRequest, req.ID,
		map[string]string{"workspace": w.Name, "name": actor.Name, "email": actor.Email, "request_id": req.ID})
	if err != nil {
		return "", err
	}
	for _, ad := range admins {
		if err := a.mailMember(ctx, tx, ad.User, mail.Email{Kind: "join_request", Lang: mailLang(ad.User.Locale, Client{}),
			Path: paths.Members(w.ID), Params: []any{"name", actor.Name, "email", actor.Email, "workspace", w.Name}}); err != nil {
			return "", err
		}
	}
	return "requested", a.audit(ctx, tx, w.ID, actor, "join_request.create", req.ID, actor.Email, c)
}

func (a *App) afterJoin(ctx context.Context, actor troupe.User, out JoinResult, err error) (JoinResult, error) {
	if troupe.ErrorCode(err) == troupe.CodeSeatLimitReached && out.WorkspaceID != "" {
		if nerr := a.noticeSeatLimit(ctx, out.WorkspaceID, actor); nerr != nil {
			err = errors.Join(err, nerr)
		}
	}
	return out, err
}

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
	kind, note := "request_approved", NoteRequestApproved
	if status == troupe.RequestDenied {
		kind, note = "request_denied", NoteRequestDenied
	}
	if err := a.notify(ctx, tx, r.User.ID, w.ID, note, r.ID, map[string]string{"workspace": w.Name}); err != nil {
		return err
	}
	if err := a.mailMember(ctx, tx, r.User, mail.Email{Kind: kind, Lang: mailLang(r.User.Locale, Client{}), Path: paths.Home(),
		Params: []any{"workspace", w.Name}}); err != nil {
		return err
	}
	return a.audit(ctx, tx, w.ID, actor, "join_request."+string(status), r.ID, r.User.Email+" "+detail, c)
}

// Discoverable is a workspace found through the user's company domain.
type Discoverable struct {
	troupe.Workspace
	Requested bool // the user has a pending request there
}

// Discover lists the workspaces a user with a verified company email can
// find: those claiming their domain with policy request or domain.
func (a *App) Discover(ctx context.Context, actor troupe.User) (_ []Discoverable, opErr error) {
	defer wrap(&opErr, "discover")
	if err := accountOnly(actor); err != nil {
		return nil, err
	}
	domain := troupe.EmailDomain(actor.Email)
	if !actor.EmailVerified || troupe.IsPublicMailDomain(domain) {
		return []Discoverable{}, nil
	}
	q := a.db.Read()
	ws, err := q.DiscoverWorkspaces(ctx, domain, actor.ID)
	if err != nil {
		return nil, err
	}
	pending, err := q.PendingRequestWorkspaces(ctx, actor.ID)
	if err != nil {
		return nil, err
	}
	out := make([]Discoverable, 0, len(ws))
	for _, w := range ws {
		out = append(out, Discoverable{Workspace: w, Requested: pending[w.ID]})
	}
	return out, nil
}

// Suggestions lists people of the workspace's domains who could be
// invited (for those who may invite).
func (a *App) Suggestions(ctx context.Context, actor troupe.User, workspaceID string) (_ []troupe.User, opErr error) {
	defer wrap(&opErr, "suggestions")
	q := a.db.Read()
	_, can, err := a.permissions(ctx, q, workspaceID, actor)
	if err != nil {
		return nil, err
	}
	if err := allow(can.Invite, "Only those who may invite see suggestions."); err != nil {
		return nil, err
	}
	return q.Suggestions(ctx, workspaceID, a.now(), 50)
}
