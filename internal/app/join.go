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

// JoinWorkspace lets a user whose verified email is at one of the
// workspace's domains join at once (policy domain) or ask (policy request).
func (a *App) JoinWorkspace(ctx context.Context, actor troupe.User, workspaceID string, c Client) (_ JoinResult, opErr error) {
	defer wrap(&opErr, "join workspace")
	if err := verifiedOnly(actor); err != nil {
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
	// Only a domain proven by DNS lets its people in.
	for _, d := range w.VerifiedDomains() {
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
		if err := a.emit(ctx, tx, w.ID, troupe.EventMemberJoined, memberEvent(actor, role, "via", via)); err != nil {
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
	if err := a.emit(ctx, tx, w.ID, troupe.EventJoinRequestCreated, map[string]any{"id": req.ID, "user_id": actor.ID,
		"name": actor.Name, "email": actor.Email, "via": via, "role": role}); err != nil {
		return "", err
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

// Discoverable is a workspace found through the user's company domain.
type Discoverable struct {
	troupe.Workspace
	Requested bool // the user has a pending request there
}

// Discover lists the workspaces a user with a verified company email can
// find: those claiming their domain, verified, with policy request or domain. An
// unverified address finds nothing and is told why (email_unverified).
func (a *App) Discover(ctx context.Context, actor troupe.User) (_ []Discoverable, opErr error) {
	defer wrap(&opErr, "discover")
	if err := verifiedOnly(actor); err != nil {
		return nil, err
	}
	domain := troupe.EmailDomain(actor.Email)
	if troupe.IsPublicMailDomain(domain) {
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

// Suggestions lists people of the workspace's verified domains who could be
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
