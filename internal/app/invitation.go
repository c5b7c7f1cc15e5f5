package app

import (
	"context"
	"errors"
	"fmt"
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

// Invite sends email invitations with role to up to 100 addresses. Each
// address gets its own result; a taken or invalid one never fails the
// batch. Invitations are limited per workspace and per inviter.
func (a *App) Invite(ctx context.Context, actor troupe.User, workspaceID string, emails []string, role troupe.Role, c Client) (_ []InviteResult, opErr error) {
	defer wrap(&opErr, "invite")
	var v troupe.Validation
	if !role.Valid() {
		v.Add("role", "invalid_role", "Choose developer, creator or viewer.")
	}
	switch {
	case len(emails) == 0:
		v.Add("emails", "required", "Enter at least one email address.")
	case len(emails) > MaxInvitesPerBatch:
		v.Add("emails", "too_many", fmt.Sprintf("Invite at most %d people at once.", MaxInvitesPerBatch))
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	// Check the right to invite before counting against the limits.
	w, err := a.GetWorkspace(ctx, actor, workspaceID)
	if err != nil {
		return nil, err
	}
	if err := a.canInvite(w, role); err != nil {
		return nil, err
	}
	if err := a.hitN(ctx, limitInviteWS, workspaceID, len(emails)); err != nil {
		return nil, err
	}
	if err := a.hitN(ctx, limitInviter, actor.ID, len(emails)); err != nil {
		return nil, err
	}
	results := make([]InviteResult, len(emails))
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
		if err := a.canInvite(workspaceView(w, m.Role), role); err != nil {
			return err
		}
		// The mail names the inviter as the store knows them now.
		inviter, err := tx.FindUserByID(ctx, actor.ID)
		if err != nil {
			return err
		}
		return a.inviteBatch(ctx, tx, actor, inviter.User, w, emails, role, results, c)
	})
	if err != nil {
		return nil, fmt.Errorf("invite: %w", err)
	}
	return results, nil
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
func (a *App) inviteBatch(ctx context.Context, tx *store.Tx, actor, inviter troupe.User, w troupe.Workspace, emails []string, role troupe.Role, results []InviteResult, c Client) error {
	now := a.now()
	seen := map[string]bool{}
	var norms []string
	for i, raw := range emails {
		email := strings.TrimSpace(raw)
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
		inv := store.InvitationRecord{Invitation: troupe.Invitation{ID: newID(), WorkspaceID: w.ID, Email: r.Email, Role: role,
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
		m, err := a.render.Render(invitationMail(inviter, w, r.Email, mailLang(facts[troupe.NormalizeEmail(r.Email)].Locale, c), secrets[r.InvitationID]))
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
func invitationMail(inviter troupe.User, w troupe.Workspace, to, lang, secret string) mail.Email {
	e := mail.Email{Kind: "invitation_workspace", To: to, Lang: lang, Path: paths.Invitation(secret),
		Params: []any{"workspace", mail.Name(w.Name)}}
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
	m, err := a.membership(ctx, &tx.Queries, workspaceID, actor)
	if err != nil {
		return troupe.Invitation{}, troupe.Workspace{}, err
	}
	w, err := tx.FindWorkspace(ctx, workspaceID)
	if err != nil {
		return troupe.Invitation{}, troupe.Workspace{}, err
	}
	inv, err := tx.FindInvitation(ctx, workspaceID, id)
	if troupe.ErrorCode(err) == troupe.CodeNotFound || (err == nil && inv.Status != troupe.InvitationPending) {
		return inv, w, troupe.Errorf(troupe.CodeNotFound, "There is no pending invitation with this id.")
	}
	if err != nil {
		return inv, w, err
	}
	if !troupe.WorkspacePermissionsFor(m.Role, w.Settings).ChangeInvitation(inv.InviterID == actor.ID) {
		return inv, w, troupe.Errorf(troupe.CodeForbidden, "Only a Super Admin or the person who sent an invitation can change it.")
	}
	return inv, w, nil
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
		if err := a.sendMail(ctx, tx, invitationMail(sender.User, w, inv.Email, mailLang(locale, c), secret)); err != nil {
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

// SignupWithInvitation creates an account from an invitation link and
// accepts the invitation, all or nothing: the address must be the invited
// one, and holding the link proves it, so the account starts verified and
// signed in. The link's holder may learn that the address already has an
// account; nobody else can.
func (a *App) SignupWithInvitation(ctx context.Context, in SignupInput, secret string, c Client) (_ troupe.User, _ string, opErr error) {
	defer wrap(&opErr, "signup with invitation")
	in, hash, err := a.prepareSignup(ctx, in, c)
	if err != nil {
		return troupe.User{}, "", err
	}
	user := troupe.User{ID: newID(), Email: in.Email, Name: in.Name, EmailVerified: true, Discoverable: true, CreatedAt: a.now()}
	var session, wsID string
	err = a.db.Tx(ctx, func(tx *store.Tx) error {
		if _, err := a.openInvitation(ctx, tx, user, secret); err != nil {
			return err
		}
		if _, err := tx.FindUserByEmail(ctx, in.Email); err == nil {
			return troupe.Errorf(troupe.CodeConflict, "You already have an account with this address: sign in to accept the invitation.")
		} else if troupe.ErrorCode(err) != troupe.CodeNotFound {
			return err
		}
		if err := tx.CreateUser(ctx, store.UserRecord{User: user, PasswordHash: hash}, a.now()); err != nil {
			return err
		}
		if wsID, err = a.acceptInvitation(ctx, tx, user, byToken(secret), true, c); err != nil {
			return err
		}
		session, err = a.newSession(ctx, tx, user.ID, c)
		return err
	})
	if _, err := a.afterAccept(ctx, user, wsID, err); err != nil {
		return troupe.User{}, "", err
	}
	return user, session, nil
}
