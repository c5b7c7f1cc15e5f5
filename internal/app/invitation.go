package app

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"troupe/internal/mail"
	"troupe/internal/paths"
	"troupe/internal/store"
	"troupe/internal/troupe"
)

// invitationTTL is how long an invitation link works.
const invitationTTL = 7 * 24 * time.Hour

// MaxInvitesPerBatch bounds one invitation request.
const MaxInvitesPerBatch = 100

// Per-address results of an invitation batch.
const (
	InviteInvited        = "invited"
	InviteAlreadyMember  = "already_member"
	InviteAlreadyInvited = "already_invited"
	InviteInvalid        = "invalid"
)

// InviteResult is what happened to one address of a batch.
type InviteResult struct {
	Email        string
	Result       string
	InvitationID string
	Detail       string
}

// Invitee is one address of an invitation batch and the role it is
// offered.
type Invitee struct {
	Email string
	Role  troupe.Role
}

// Invite sends email invitations with one role to up to 100 addresses;
// see InviteEach.
func (a *App) Invite(ctx context.Context, actor troupe.User, workspaceID string, emails []string, role troupe.Role, c Client) (_ []InviteResult, opErr error) {
	defer wrap(&opErr, "invite")
	if !role.Valid() {
		var v troupe.Validation
		v.Add("role", "invalid_role", "Choose developer, creator or viewer.")
		return nil, v.Err()
	}
	invitees := make([]Invitee, len(emails))
	for i, e := range emails {
		invitees[i] = Invitee{Email: e, Role: role}
	}
	return a.InviteEach(ctx, actor, workspaceID, invitees, c)
}

// InviteEach sends email invitations to up to 100 addresses, each with
// its own role. Each address gets its own result; a taken or invalid one
// never fails the batch, while a role the actor may not give fails it
// all. Invitations are limited per workspace and per inviter.
func (a *App) InviteEach(ctx context.Context, actor troupe.User, workspaceID string, invitees []Invitee, c Client) (_ []InviteResult, opErr error) {
	defer wrap(&opErr, "invite")
	var v troupe.Validation
	switch {
	case len(invitees) == 0:
		v.Add("emails", "required", "Enter at least one email address.")
	case len(invitees) > MaxInvitesPerBatch:
		v.Add("emails", "too_many", fmt.Sprintf("Invite at most %d people at once.", MaxInvitesPerBatch))
	}
	var roles []troupe.Role
	for i, in := range invitees {
		if !in.Role.Valid() {
			v.Add(fmt.Sprintf("invitations[%d].role", i), "invalid_role", "Choose developer, creator or viewer.")
		} else if !slices.Contains(roles, in.Role) {
			roles = append(roles, in.Role)
		}
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	// Check the right to invite before counting against the limits.
	w, err := a.GetWorkspace(ctx, actor, workspaceID)
	if err != nil {
		return nil, err
	}
	if err := a.canInviteAll(w, roles); err != nil {
		return nil, err
	}
	if err := a.hitN(ctx, limitInviteWS, workspaceID, len(invitees)); err != nil {
		return nil, err
	}
	if err := a.hitN(ctx, limitInviter, actor.ID, len(invitees)); err != nil {
		return nil, err
	}
	results := make([]InviteResult, len(invitees))
	err = a.db.Tx(ctx, func(tx *store.Tx) error {
		// Decide again inside the transaction: the right may have changed.
		m, err := a.membership(ctx, &tx.Queries, workspaceID, actor)
		if err != nil {
			return err
		}
		w, err := tx.FindWorkspace(ctx, workspaceID)
		if err != nil {
			return err
		}
		if err := a.canInviteAll(workspaceView(w, m.Role), roles); err != nil {
			return err
		}
		// The mail names the inviter as the store knows them now.
		inviter, err := tx.FindUserByID(ctx, actor.ID)
		if err != nil {
			return err
		}
		return a.inviteBatch(ctx, tx, actor, inviter.User, w, invitees, results, c)
	})
	if err != nil {
		return nil, fmt.Errorf("invite: %w", err)
	}
	return results, nil
}

func (a *App) canInviteAll(w WorkspaceView, roles []troupe.Role) error {
	for _, r := range roles {
		if err := a.canInvite(w, r); err != nil {
			return err
		}
	}
	return nil
}

func (a *App) canInvite(w WorkspaceView, role troupe.Role) error {
	if !w.Can.Invite {
		return troupe.Errorf(troupe.CodeForbidden, "Only Super Admins can invite people to this workspace.")
	}
	if !w.Can.Grants(role) {
		return troupe.Errorf(troupe.CodeForbidden, "You can invite people with at most your own role, and never as Super Admin.")
	}
	return nil
}

// inviteBatch fills results for emails with a handful of set-based
// statements, whatever the batch size: one look at existing accounts, one
// update for stale invitations, one insert of invitations, one of audit
// entries and one of mail jobs.
func (a *App) inviteBatch(ctx context.Context, tx *store.Tx, actor, inviter troupe.User, w troupe.Workspace, invitees []Invitee, results []InviteResult, c Client) error {
	now := a.now()
	seen := map[string]bool{}
	var norms []string
	for i, in := range invitees {
		email := strings.TrimSpace(in.Email)
		results[i] = InviteResult{Email: email}
		var ev troupe.Validation
		troupe.ValidateEmail(&ev, "email", email)
		norm := troupe.NormalizeEmail(email)
		switch {
		case ev.Err() != nil:
			results[i].Result, results[i].Detail = InviteInvalid, "This is not a valid email address."
		case seen[norm]:
			results[i].Result, results[i].Detail = InviteAlreadyInvited, "This address appears twice in the list."
		default:
			seen[norm] = true
			norms = append(norms, norm)
		}
	}
	if len(norms) == 0 {
		return nil
	}
	facts, err := tx.InviteeFacts(ctx, w.ID, norms)
	if err != nil {
		return err
	}
	if err := tx.ExpireInvitations(ctx, w.ID, norms, now); err != nil {
		return err
	}
	var invs []store.InvitationRecord
	secrets := map[string]string{} // invitation id → link secret
	for i := range results {
		r := &results[i]
		if r.Result != "" {
			continue
		}
		if facts[troupe.NormalizeEmail(r.Email)].Member {
			r.Result, r.Detail = InviteAlreadyMember, "Already a member of this workspace."
			continue
		}
		secret, hash := troupe.NewSecret()
		inv := store.InvitationRecord{Invitation: troupe.Invitation{ID: newID(), WorkspaceID: w.ID, Email: r.Email, Role: invitees[i].Role,
			InviterID: actor.ID, Status: troupe.InvitationPending, CreatedAt: now, ExpiresAt: now.Add(invitationTTL)}, TokenHash: hash}
		invs = append(invs, inv)
		secrets[inv.ID] = secret
		r.InvitationID = inv.ID
	}
	created, err := tx.CreateInvitations(ctx, invs)
	if err != nil {
		return err
	}
	var audits []troupe.AuditEntry
	var msgs []mail.Message
	for i := range results {
		r := &results[i]
		if r.Result != "" {
			continue
		}
		if !created[r.InvitationID] {
			r.Result, r.Detail, r.InvitationID = InviteAlreadyInvited, "An invitation to this address is already pending.", ""
			continue
		}
		r.Result = InviteInvited
		role := invitees[i].Role
		m, err := a.render.Render(invitationMail(inviter, w, r.Email, role, mailLang(facts[troupe.NormalizeEmail(r.Email)].Locale, c), secrets[r.InvitationID]))
		if err != nil {
			return err
		}
		msgs = append(msgs, m)
		audits = append(audits, troupe.AuditEntry{ID: newID(), WorkspaceID: w.ID, ActorID: actor.ID, Action: "invitation.create",
			Target: r.InvitationID, Detail: r.Email + " as " + string(role), IP: c.IP, CreatedAt: now})
	}
	if err := tx.AddAudits(ctx, audits); err != nil {
		return err
	}
	return a.queue.EnqueueMails(ctx, tx, msgs)
}

// invitationMail is the mail of an invitation. Its address has not
// proven itself yet, so the mail carries as little text chosen by others
// as it can: the inviter's name only when their own address is verified,
// and the names cleaned and shortened.
func invitationMail(inviter troupe.User, w troupe.Workspace, to string, role troupe.Role, lang, secret string) mail.Email {
	e := mail.Email{Kind: "invitation_workspace", To: to, Lang: lang, Path: paths.Invitation(secret),
		Params: []any{"workspace", mail.Name(w.Name), "role", mail.Key("role." + string(role))}}
	if name := mail.Name(inviter.Name); inviter.EmailVerified && name != "" {
		e.Kind = "invitation"
		e.Params = append(e.Params, "inviter", name)
	}
	return e
}

// ListMyInvitations returns the actor's pending invitations: only once the
// actor's address is verified, since holding an account with an address
// does not prove owning it (the mailed link does).
func (a *App) ListMyInvitations(ctx context.Context, actor troupe.User) (_ []troupe.MyInvitation, opErr error) {
	defer wrap(&opErr, "list my invitations")
	if err := accountOnly(actor); err != nil {
		return nil, err
	}
	if !actor.EmailVerified {
		return []troupe.MyInvitation{}, nil
	}
	return a.db.Read().ListInvitationsForEmail(ctx, actor.Email, a.now())
}

// manageInvitation loads an invitation that the actor may resend or
// revoke: Super Admins any, others their own while they may still invite.
func (a *App) manageInvitation(ctx context.Context, tx *store.Tx, actor troupe.User, workspaceID, id string) (troupe.Invitation, troupe.Workspace, error) {
	inv, w, _, err := a.changeableInvitation(ctx, tx, actor, workspaceID, id)
	return inv, w, err
}

// changeableInvitation is manageInvitation that also returns the actor's
// rights in the workspace.
func (a *App) changeableInvitation(ctx context.Context, tx *store.Tx, actor troupe.User, workspaceID, id string) (troupe.Invitation, troupe.Workspace, troupe.WorkspacePermissions, error) {
	var can troupe.WorkspacePermissions
	m, err := a.membership(ctx, &tx.Queries, workspaceID, actor)
	if err != nil {
		return troupe.Invitation{}, troupe.Workspace{}, can, err
	}
	w, err := tx.FindWorkspace(ctx, workspaceID)
	if err != nil {
		return troupe.Invitation{}, troupe.Workspace{}, can, err
	}
	can = troupe.WorkspacePermissionsFor(m.Role, w.Settings)
	inv, err := tx.FindInvitation(ctx, workspaceID, id)
	if troupe.ErrorCode(err) == troupe.CodeNotFound || (err == nil && inv.Status != troupe.InvitationPending) {
		return inv, w, can, troupe.Errorf(troupe.CodeNotFound, "There is no pending invitation with this id.")
	}
	if err != nil {
		return inv, w, can, err
	}
	if !can.ChangeInvitation(inv.InviterID == actor.ID) {
		return inv, w, can, troupe.Errorf(troupe.CodeForbidden, "Only a Super Admin or the person who sent an invitation can change it.")
	}
	return inv, w, can, nil
}

// ChangeInvitationRole changes the role a pending invitation offers,
// under the rule for inviting: whoever may change the invitation, and
// only between roles they may give. The invitation keeps its link; its
// page and the join say the new role.
func (a *App) ChangeInvitationRole(ctx context.Context, actor troupe.User, workspaceID, id string, role troupe.Role, c Client) (_ troupe.Invitation, opErr error) {
	defer wrap(&opErr, "change invitation role")
	if !role.Valid() {
		var v troupe.Validation
		v.Add("role", "invalid_role", "Choose developer, creator or viewer.")
		return troupe.Invitation{}, v.Err()
	}
	var out troupe.Invitation
	err := a.db.Tx(ctx, func(tx *store.Tx) error {
		inv, _, can, err := a.changeableInvitation(ctx, tx, actor, workspaceID, id)
		if err != nil {
			return err
		}
		if !can.ChangeInvitationRole(inv.InviterID == actor.ID, inv.Role, role) {
			return troupe.Errorf(troupe.CodeForbidden, "You can give an invitation at most your own role, and never Super Admin.")
		}
		out = inv
		if inv.Role == role {
			return nil
		}
		if err := tx.UpdateInvitationRole(ctx, inv.ID, role, a.now()); err != nil {
			return err
		}
		out.Role = role
		return a.audit(ctx, tx, workspaceID, actor, "invitation.role", inv.ID, troupe.InvitationRoleDetail(inv.Email, inv.Role, role), c)
	})
	return out, err
}

// ResendInvitation mails an invitation again with a new token (the old
// link dies) and a fresh 7-day expiry.
func (a *App) ResendInvitation(ctx context.Context, actor troupe.User, workspaceID, id string, c Client) (opErr error) {
	defer wrap(&opErr, "resend invitation")
	if err := a.hit(ctx, limitInviter, actor.ID); err != nil {
		return err
	}
	return a.db.Tx(ctx, func(tx *store.Tx) error {
		inv, w, err := a.manageInvitation(ctx, tx, actor, workspaceID, id)
		if err != nil {
			return err
		}
		secret, hash := troupe.NewSecret()
		if err := tx.RotateInvitationToken(ctx, inv.ID, hash, a.now().Add(invitationTTL), a.now()); err != nil {
			return err
		}
		locale := ""
		if u, err := tx.FindUserByEmail(ctx, inv.Email); err == nil {
			locale = u.Locale
		} else if troupe.ErrorCode(err) != troupe.CodeNotFound {
			return err
		}
		sender, err := tx.FindUserByID(ctx, actor.ID)
		if err != nil {
			return err
		}
		if err := a.sendMail(ctx, tx, invitationMail(sender.User, w, inv.Email, inv.Role, mailLang(locale, c), secret)); err != nil {
			return err
		}
		return a.audit(ctx, tx, workspaceID, actor, "invitation.resend", inv.ID, inv.Email, c)
	})
}

// RevokeInvitation kills a pending invitation.
func (a *App) RevokeInvitation(ctx context.Context, actor troupe.User, workspaceID, id string, c Client) (opErr error) {
	defer wrap(&opErr, "revoke invitation")
	return a.db.Tx(ctx, func(tx *store.Tx) error {
		inv, _, err := a.manageInvitation(ctx, tx, actor, workspaceID, id)
		if err != nil {
			return err
		}
		if err := tx.SetInvitationStatus(ctx, inv.ID, troupe.InvitationRevoked, a.now()); err != nil {
			return err
		}
		return a.audit(ctx, tx, workspaceID, actor, "invitation.revoke", inv.ID, inv.Email, c)
	})
}

// openInvitation checks an invitation token for the actor: it must be
// pending, unexpired and addressed to the actor's email.
func (a *App) openInvitation(ctx context.Context, tx *store.Tx, actor troupe.User, secret string) (troupe.Invitation, error) {
	inv, err := a.findInvitation(ctx, &tx.Queries, byToken(secret))
	if err != nil {
		return inv, err
	}
	return inv, a.checkInvitee(inv, actor)
}

// invitationRef finds an invitation: by the secret of its link, or by id
// for the invited person picking it from their list.
type invitationRef func(ctx context.Context, q *store.Queries) (troupe.Invitation, error)

var errNoInvitation = troupe.Errorf(troupe.CodeNotFound, "This invitation does not exist.")

var errVerifyFirst = troupe.Errorf(troupe.CodeEmailUnverified, "Verify your email address first, or open the invitation from its email.")

func byToken(secret string) invitationRef {
	return func(ctx context.Context, q *store.Queries) (troupe.Invitation, error) {
		if !troupe.WellFormedSecret(secret) {
			return troupe.Invitation{}, errNoInvitation
		}
		return q.FindInvitationByToken(ctx, troupe.HashSecret(secret))
	}
}

// byID finds an invitation by id; the invitee must have verified their
// address, as the id proves nothing.
func byID(id string) invitationRef {
	return func(ctx context.Context, q *store.Queries) (troupe.Invitation, error) {
		return q.FindInvitationByID(ctx, id)
	}
}

// findInvitation returns an invitation that is pending and unexpired.
func (a *App) findInvitation(ctx context.Context, q *store.Queries, ref invitationRef) (troupe.Invitation, error) {
	inv, err := ref(ctx, q)
	if troupe.ErrorCode(err) == troupe.CodeNotFound {
		return inv, errNoInvitation
	}
	if err != nil {
		return inv, err
	}
	if inv.Status != troupe.InvitationPending {
		return inv, troupe.Errorf(troupe.CodeInvitationInvalid, "This invitation was already %s.", inv.Status)
	}
	if !a.now().Before(inv.ExpiresAt) {
		return inv, troupe.Errorf(troupe.CodeInvitationExpired, "This invitation has expired. Ask for a new one.")
	}
	return inv, nil
}

// checkInvitee fails unless the actor's address is the invited one.
func (a *App) checkInvitee(inv troupe.Invitation, actor troupe.User) error {
	if troupe.NormalizeEmail(actor.Email) != troupe.NormalizeEmail(inv.Email) {
		return troupe.Errorf(troupe.CodeEmailMismatch, "This invitation was sent to another email address. Sign in with that address to accept it.")
	}
	return nil
}

// InvitationPreview is what an invitation link shows before anyone acts.
type InvitationPreview struct {
	WorkspaceName string
	InviterName   string
	Email         string
	Role          troupe.Role
	ExpiresAt     time.Time
}

// PreviewInvitation describes the invitation of a link to whoever holds
// it, or says why it no longer works.
func (a *App) PreviewInvitation(ctx context.Context, secret string) (_ InvitationPreview, opErr error) {
	defer wrap(&opErr, "preview invitation")
	q := a.db.Read()
	inv, err := a.findInvitation(ctx, q, byToken(secret))
	if err != nil {
		return InvitationPreview{}, err
	}
	w, err := q.FindWorkspace(ctx, inv.WorkspaceID)
	if err != nil {
		return InvitationPreview{}, err
	}
	inviter, err := q.FindUserByID(ctx, inv.InviterID)
	if err != nil {
		return InvitationPreview{}, err
	}
	return InvitationPreview{WorkspaceName: w.Name, InviterName: inviter.Name, Email: inv.Email, Role: inv.Role, ExpiresAt: inv.ExpiresAt}, nil
}

// AcceptInvitation makes the actor a member through the join gate. When
// every seat is taken the invitation stays pending and the Super Admins
// are told.
func (a *App) AcceptInvitation(ctx context.Context, actor troupe.User, secret string, c Client) (_ WorkspaceView, opErr error) {
	defer wrap(&opErr, "accept invitation")
	var wsID string
	err := a.db.Tx(ctx, func(tx *store.Tx) (err error) {
		wsID, err = a.acceptInvitation(ctx, tx, actor, byToken(secret), true, c)
		return err
	})
	return a.afterAccept(ctx, actor, wsID, err)
}

// AcceptMyInvitation accepts one of the actor's pending invitations, by
// id, from their list.
func (a *App) AcceptMyInvitation(ctx context.Context, actor troupe.User, id string, c Client) (_ WorkspaceView, opErr error) {
	defer wrap(&opErr, "accept my invitation")
	var wsID string
	err := a.db.Tx(ctx, func(tx *store.Tx) (err error) {
		wsID, err = a.acceptInvitation(ctx, tx, actor, byID(id), false, c)
		return err
	})
	return a.afterAccept(ctx, actor, wsID, err)
}

func (a *App) afterAccept(ctx context.Context, actor troupe.User, wsID string, err error) (WorkspaceView, error) {
	if troupe.ErrorCode(err) == troupe.CodeSeatLimitReached {
		// The invitation waits for the first free seat.
		werr := a.db.Tx(ctx, func(tx *store.Tx) error { return tx.MarkSeatWait(ctx, wsID, actor.Email, a.now()) })
		if werr != nil {
			err = errors.Join(err, werr)
		}
		if nerr := a.noticeSeatLimit(ctx, wsID, actor); nerr != nil {
			err = errors.Join(err, nerr)
		}
	}
	if err != nil {
		return WorkspaceView{}, err
	}
	return a.GetWorkspace(ctx, actor, wsID)
}

// acceptInvitation applies an acceptance inside tx and returns the
// workspace's id (also on failure, when the invitation was found).
func (a *App) acceptInvitation(ctx context.Context, tx *store.Tx, actor troupe.User, ref invitationRef, byLink bool, c Client) (string, error) {
	if err := accountOnly(actor); err != nil {
		return "", err
	}
	if !byLink && !actor.EmailVerified {
		return "", errVerifyFirst
	}
	inv, err := a.findInvitation(ctx, &tx.Queries, ref)
	if err != nil {
		return "", err
	}
	if err := a.checkInvitee(inv, actor); err != nil {
		return "", err
	}
	at, err := a.attempt(ctx, tx, actor.ID, inv.WorkspaceID, troupe.ViaInvitation, inv.Role, inv.InviterID)
	if err != nil {
		return inv.WorkspaceID, err
	}
	// An inviter who has left has no role: the gate finds the invitation void.
	w, inviter := at.workspace, at.granter
	if _, err := troupe.CheckJoin(at.JoinAttempt); err != nil {
		return w.ID, err
	}
	if err := tx.AddMember(ctx, w.ID, actor.ID, inv.Role, a.now()); err != nil {
		return w.ID, err
	}
	if err := tx.SetInvitationStatus(ctx, inv.ID, troupe.InvitationAccepted, a.now()); err != nil {
		return w.ID, err
	}
	if err := a.emit(ctx, tx, w.ID, troupe.EventMemberJoined, memberEvent(actor, inv.Role, "via", troupe.ViaInvitation)); err != nil {
		return w.ID, err
	}
	if err := a.emit(ctx, tx, w.ID, troupe.EventInvitationAccepted, map[string]any{"id": inv.ID, "email": inv.Email,
		"role": inv.Role, "user_id": actor.ID, "inviter_id": inv.InviterID}); err != nil {
		return w.ID, err
	}
	// Accepting through the mailed link proves the address, like a
	// verification link.
	if err := tx.UpdateUser(ctx, actor.ID, store.UserUpdate{VerifyEmail: true}, a.now()); err != nil {
		return w.ID, err
	}
	if err := a.mailMember(ctx, tx, inviter.User, mail.Email{Kind: "invitation_accepted",
		Lang: mailLang(inviter.User.Locale, Client{}), Path: paths.Home(), Params: []any{"name", actor.Name, "email", actor.Email, "workspace", w.Name}}); err != nil {
		return w.ID, err
	}
	if err := a.notify(ctx, tx, inviter.User.ID, w.ID, NoteInvitationAccepted, inv.ID,
		map[string]string{"workspace": w.Name, "name": actor.Name, "email": actor.Email}); err != nil {
		return w.ID, err
	}
	return w.ID, a.audit(ctx, tx, w.ID, actor, "invitation.accept", inv.ID, actor.Email+" as "+string(inv.Role), c)
}

// DeclineInvitation turns an invitation down.
func (a *App) DeclineInvitation(ctx context.Context, actor troupe.User, secret string, c Client) (opErr error) {
	defer wrap(&opErr, "decline invitation")
	return a.declineInvitation(ctx, actor, byToken(secret), true, c)
}

// DeclineMyInvitation turns down one of the actor's invitations by id.
func (a *App) DeclineMyInvitation(ctx context.Context, actor troupe.User, id string, c Client) (opErr error) {
	defer wrap(&opErr, "decline my invitation")
	return a.declineInvitation(ctx, actor, byID(id), false, c)
}

func (a *App) declineInvitation(ctx context.Context, actor troupe.User, ref invitationRef, byLink bool, c Client) error {
	if err := accountOnly(actor); err != nil {
		return err
	}
	if !byLink && !actor.EmailVerified {
		return errVerifyFirst
	}
	return a.db.Tx(ctx, func(tx *store.Tx) error {
		inv, err := a.findInvitation(ctx, &tx.Queries, ref)
		if err != nil {
			return err
		}
		if err := a.checkInvitee(inv, actor); err != nil {
			return err
		}
		if err := tx.SetInvitationStatus(ctx, inv.ID, troupe.InvitationDeclined, a.now()); err != nil {
			return err
		}
		return a.audit(ctx, tx, inv.WorkspaceID, actor, "invitation.decline", inv.ID, actor.Email, c)
	})
}

// noticeSeatLimit tells the Super Admins that someone could not join for
// lack of seats — at most once an hour per workspace, so a crowd at the
// door does not flood their inbox.
func (a *App) noticeSeatLimit(ctx context.Context, workspaceID string, who troupe.User) error {
	if err := a.hit(ctx, limitSeatNotice, workspaceID); troupe.ErrorCode(err) == troupe.CodeRateLimited {
		return nil
	} else if err != nil {
		return err
	}
	return a.db.Tx(ctx, func(tx *store.Tx) error {
		w, err := tx.FindWorkspace(ctx, workspaceID)
		if err != nil {
			return err
		}
		admins, err := a.notifyAdmins(ctx, tx, workspaceID, NoteSeatLimit, workspaceID,
			map[string]any{"workspace": w.Name, "email": who.Email, "seats": w.Seats})
		if err != nil {
			return err
		}
		// One mail per admin: no admin sees another's address.
		for _, ad := range admins {
			err := a.mailMember(ctx, tx, ad.User, mail.Email{Kind: "seat_limit", Lang: mailLang(ad.User.Locale, Client{}),
				Path: paths.Seats(w.ID), Params: []any{"workspace", w.Name, "email", who.Email, "seats", w.Seats}})
			if err != nil {
				return err
			}
		}
		return nil
	})
}

// InvitationSignup is an account made from an invitation link, signed
// in by Session. It is a member of the workspace unless every seat was
// taken (WaitingForSeat): the account stays, the invitation stays pending
// for it to accept once a seat frees, and the Super Admins are told.
type InvitationSignup struct {
	User           troupe.User
	Session        string
	WorkspaceID    string
	WaitingForSeat bool
}

// SignupWithInvitation creates an account from an invitation link and
// accepts the invitation: the address must be the invited one, and
// holding the link proves it, so the account starts verified and signed
// in. Only a lack of seats keeps the account without the membership;
// anything else the invitation refuses creates nothing. The link's holder
// may learn that the address already has an account; nobody else can.
func (a *App) SignupWithInvitation(ctx context.Context, in SignupInput, secret string, c Client) (_ InvitationSignup, opErr error) {
	defer wrap(&opErr, "signup with invitation")
	in, hash, err := a.prepareSignup(ctx, in, c)
	if err != nil {
		return InvitationSignup{}, err
	}
	out := InvitationSignup{User: troupe.User{ID: newID(), Email: in.Email, Name: in.Name, EmailVerified: true, Discoverable: true, CreatedAt: a.now()}}
	err = a.db.Tx(ctx, func(tx *store.Tx) error {
		if _, err := a.openInvitation(ctx, tx, out.User, secret); err != nil {
			return err
		}
		if _, err := tx.FindUserByEmail(ctx, in.Email); err == nil {
			return troupe.Errorf(troupe.CodeConflict, "You already have an account with this address: sign in to accept the invitation.")
		} else if troupe.ErrorCode(err) != troupe.CodeNotFound {
			return err
		}
		if err := tx.CreateUser(ctx, store.UserRecord{User: out.User, PasswordHash: hash}, a.now()); err != nil {
			return err
		}
		// The gate refuses a full workspace before writing anything, so
		// the account can still be kept.
		out.WorkspaceID, err = a.acceptInvitation(ctx, tx, out.User, byToken(secret), true, c)
		if troupe.ErrorCode(err) == troupe.CodeSeatLimitReached {
			out.WaitingForSeat = true
			if err := tx.MarkSeatWait(ctx, out.WorkspaceID, out.User.Email, a.now()); err != nil {
				return err
			}
		} else if err != nil {
			return err
		}
		out.Session, err = a.newSession(ctx, tx, out.User.ID, c)
		return err
	})
	if err != nil {
		return InvitationSignup{}, err
	}
	if out.WaitingForSeat {
		// The account exists and is signed in: a notice that fails is
		// logged, not turned into a failed sign-up.
		if err := a.noticeSeatLimit(ctx, out.WorkspaceID, out.User); err != nil {
			a.log.ErrorContext(ctx, "seat-limit notice", "workspace", out.WorkspaceID, "err", err)
		}
	}
	return out, nil
}

// maxAdmittedAtOnce bounds the waiting invitations one freed seat count
// looks at.
const maxAdmittedAtOnce = 100

// admitSeatWaiters lets in, inside tx, those who were refused for lack of
// seats and still hold a pending invitation, first come first, while
// seats last: called wherever seats free up (more seats bought, a member
// removed or leaving). Each goes through the join gate like any
// acceptance; an invitation the gate now refuses for another reason (its
// inviter lost the right to invite) is left as it is.
func (a *App) admitSeatWaiters(ctx context.Context, tx *store.Tx, workspaceID string) error {
	waiters, err := tx.ListSeatWaiters(ctx, workspaceID, a.now(), maxAdmittedAtOnce)
	if err != nil {
		return err
	}
	for _, wt := range waiters {
		rec, err := tx.FindUserByID(ctx, wt.UserID)
		if err != nil {
			return err
		}
		// The refused accept proved the address (by the mailed link or
		// a verified account), so the waiting invitation stands for it.
		_, err = a.acceptInvitation(ctx, tx, rec.User, byID(wt.InvitationID), true, Client{})
		switch code := troupe.ErrorCode(err); {
		case err == nil:
			inv, ferr := tx.FindInvitationByID(ctx, wt.InvitationID)
			if ferr != nil {
				return ferr
			}
			w, ferr := tx.FindWorkspace(ctx, workspaceID)
			if ferr != nil {
				return ferr
			}
			rec.User.EmailVerified = true
			if err := a.mailMember(ctx, tx, rec.User, mail.Email{Kind: "seat_freed", Lang: mailLang(rec.User.Locale, Client{}),
				Path: paths.Workspace(workspaceID), Params: []any{"workspace", w.Name, "role", mail.Key("role." + string(inv.Role))}}); err != nil {
				return err
			}
		case code == troupe.CodeSeatLimitReached:
			return nil
		case code == troupe.CodeInternal:
			return err
		}
	}
	return nil
}
