package app

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"troupe/internal/mail"
	"troupe/internal/password"
	"troupe/internal/paths"
	"troupe/internal/store"
	"troupe/internal/troupe"
)

// Lifetimes of mailed links.
const (
	verifyTokenTTL = 48 * time.Hour
	resetTokenTTL  = time.Hour
)

// SignupInput is what a new user gives.
type SignupInput struct {
	Email    string
	Password string
	Name     string
	// Next is a path on this site to come back to after verifying (an
	// invite link, say); the web layer vouches that it is local.
	Next string
}

// SignedUp is the outcome of a sign-up.
type SignedUp struct {
	User troupe.User
	// Session is the secret of the new account's first session. It is
	// empty when the address already had an account: its owner was mailed
	// instead, and the person signing up is told to check their email.
	Session string
}

// Signup creates an account, mails a verification link and signs the
// account in at once: an unverified account may do everything except
// what needs a proven address (see verifiedOnly). When the address
// already has an account, nobody is signed in; its owner is mailed
// instead (a few times an hour at most).
func (a *App) Signup(ctx context.Context, in SignupInput, c Client) (_ SignedUp, opErr error) {
	defer wrap(&opErr, "signup")
	in, hash, err := a.prepareSignup(ctx, in, c)
	if err != nil {
		return SignedUp{}, err
	}
	flooded := troupe.ErrorCode(a.hit(ctx, limitSignupMail, troupe.NormalizeEmail(in.Email))) == troupe.CodeRateLimited
	now := a.now()
	user := troupe.User{ID: newID(), Email: in.Email, Name: in.Name, Discoverable: true, CreatedAt: now}
	var session string
	err = a.db.Tx(ctx, func(tx *store.Tx) error {
		existing, err := tx.FindUserByEmail(ctx, in.Email)
		switch {
		case err == nil:
			if flooded {
				return nil
			}
			back := paths.Login()
			if in.Next != "" {
				back = paths.LoginThen(in.Next)
			}
			return a.sendMail(ctx, tx, mail.Email{Kind: "signup_existing", To: existing.Email,
				Lang: mailLang(existing.Locale, c), Path: back})
		case troupe.ErrorCode(err) != troupe.CodeNotFound:
			return err
		}
		if err := tx.CreateUser(ctx, store.UserRecord{User: user, PasswordHash: hash}, now); err != nil {
			return err
		}
		if err := a.mailVerification(ctx, tx, user, in.Next, c); err != nil {
			return err
		}
		session, err = a.newSession(ctx, tx, user.ID, c)
		return err
	})
	if troupe.ErrorCode(err) == troupe.CodeConflict {
		// Another sign-up took the address a moment ago: its owner is
		// the one who hears of it.
		return SignedUp{User: troupe.User{Email: in.Email}}, nil
	}
	if err != nil {
		return SignedUp{}, fmt.Errorf("sign up: %w", err)
	}
	if session == "" {
		return SignedUp{User: troupe.User{Email: in.Email}}, nil
	}
	return SignedUp{User: user, Session: session}, nil
}

// prepareSignup validates a sign-up, counts it against the client's
// limit and hashes the password (in every case, so every answer takes the
// same time).
func (a *App) prepareSignup(ctx context.Context, in SignupInput, c Client) (SignupInput, string, error) {
	in.Email, in.Name = strings.TrimSpace(in.Email), strings.TrimSpace(in.Name)
	var v troupe.Validation
	troupe.ValidateName(&v, "name", in.Name)
	troupe.ValidateEmail(&v, "email", in.Email)
	troupe.ValidatePassword(&v, "password", in.Password)
	if err := v.Err(); err != nil {
		return in, "", err
	}
	if err := a.hit(ctx, limitSignupIP, c.address()); err != nil {
		return in, "", err
	}
	hash, err := a.hasher.Hash(ctx, in.Password)
	return in, hash, err
}

func (a *App) mailVerification(ctx context.Context, tx *store.Tx, u troupe.User, next string, c Client) error {
	now := a.now()
	if err := tx.InvalidateUserTokens(ctx, u.ID, troupe.PurposeVerifyEmail, now); err != nil {
		return err
	}
	secret, hash := troupe.NewSecret()
	err := tx.CreateUserToken(ctx, store.UserToken{Hash: hash, UserID: u.ID, Purpose: troupe.PurposeVerifyEmail,
		Email: troupe.NormalizeEmail(u.Email), CreatedAt: now, ExpiresAt: now.Add(verifyTokenTTL)})
	if err != nil {
		return err
	}
	path := paths.VerifyEmail(secret, next)
	// The address has not proven itself: the mail carries no text the
	// person signing up chose, not even their name.
	return a.sendMail(ctx, tx, mail.Email{Kind: "verify_email", To: u.Email, Lang: mailLang(u.Locale, c), Path: path})
}

// ResendVerification mails a new verification link to the actor; older
// links stop working. The link comes back to next (a local path the web
// layer vouches for, or empty).
func (a *App) ResendVerification(ctx context.Context, actor troupe.User, next string, c Client) (opErr error) {
	defer wrap(&opErr, "resend verification")
	if err := a.checkUnverified(ctx, actor); err != nil {
		return err
	}
	return a.db.Tx(ctx, func(tx *store.Tx) error { return a.mailVerification(ctx, tx, actor, next, c) })
}

// checkUnverified lets an account whose address is still unverified ask
// for a verification mail, a few times an hour.
func (a *App) checkUnverified(ctx context.Context, actor troupe.User) error {
	if err := accountOnly(actor); err != nil {
		return err
	}
	if actor.EmailVerified {
		return troupe.Errorf(troupe.CodeConflict, "Your email address is already verified.")
	}
	return a.hit(ctx, limitVerifyResend, actor.ID)
}

// ChangeEmail replaces the address of an account that has not verified
// it yet (a typo at sign-up, say) and mails a verification link to the
// new one; links sent to the old address stop working. It is limited
// like a resend.
func (a *App) ChangeEmail(ctx context.Context, actor troupe.User, email, next string, c Client) (_ troupe.User, opErr error) {
	defer wrap(&opErr, "change email")
	email = strings.TrimSpace(email)
	var v troupe.Validation
	troupe.ValidateEmail(&v, "email", email)
	if err := v.Err(); err != nil {
		return troupe.User{}, err
	}
	if err := a.checkUnverified(ctx, actor); err != nil {
		return troupe.User{}, err
	}
	errTaken := func() error {
		var v troupe.Validation
		v.Add("email", "taken", "This address belongs to another account. Sign in to it instead, or choose another address.")
		return v.Err()
	}
	var user troupe.User
	err := a.db.Tx(ctx, func(tx *store.Tx) error {
		if other, err := tx.FindUserByEmail(ctx, email); err == nil && other.ID != actor.ID {
			return errTaken()
		} else if err != nil && troupe.ErrorCode(err) != troupe.CodeNotFound {
			return err
		}
		if err := tx.UpdateUser(ctx, actor.ID, store.UserUpdate{Email: &email}, a.now()); err != nil {
			return err
		}
		rec, err := tx.FindUserByID(ctx, actor.ID)
		if err != nil {
			return err
		}
		user = rec.User
		return a.mailVerification(ctx, tx, user, next, c)
	})
	if troupe.ErrorCode(err) == troupe.CodeConflict {
		// Another account took the address a moment ago.
		return troupe.User{}, errTaken()
	}
	return user, err
}

// verifiedOnly refuses what needs a proven address — finding workspaces
// and joining them through one's email domain — to an account whose
// address is not verified yet. Every such use case starts with it.
func verifiedOnly(actor troupe.User) error {
	if err := accountOnly(actor); err != nil {
		return err
	}
	if !actor.EmailVerified {
		return troupe.Errorf(troupe.CodeEmailUnverified, "Verify your email address first: open the link we sent to %s.", actor.Email)
	}
	return nil
}

var errInvalidCredentials = troupe.Errorf(troupe.CodeInvalidCredentials, "The email or password is incorrect.")

// LoginResult is the outcome of a right password: a session, or for an
// account with two-factor on, the token of a sign-in waiting for its code
// (see LoginWithCode) and no session.
type LoginResult struct {
	User    troupe.User
	Session string
	Pending string
}

// Login checks credentials and opens a session, returning its secret;
// an account with two-factor on gets a pending sign-in instead.
// Attempts are limited before any hashing: per client address and, for
// failures, per account (from a browser that never signed in to it) or
// per device (from one that did, see signInGuard).
func (a *App) Login(ctx context.Context, email, pass string, c Client) (_ LoginResult, opErr error) {
	defer wrap(&opErr, "login")
	u, secret, err := a.login(ctx, email, pass, c)
	if err != nil {
		return LoginResult{}, err
	}
	if secret == "" {
		pending, err := a.pendingToken(ctx, u.ID)
		return LoginResult{User: u, Pending: pending}, err
	}
	return LoginResult{User: u, Session: secret}, nil
}

func (a *App) login(ctx context.Context, email, pass string, c Client) (troupe.User, string, error) {
	email = strings.TrimSpace(email)
	var v troupe.Validation
	if email == "" {
		v.Add("email", "required", "Enter your email address.")
	}
	if pass == "" {
		v.Add("password", "required", "Enter your password.")
	}
	if err := v.Err(); err != nil {
		return troupe.User{}, "", err
	}
	// Guesses at share pages wait while a sign-in is under way.
	defer a.hasher.Hold()()
	var rec store.UserRecord
	if len(email) <= troupe.MaxEmailLen && len(pass) <= 4*troupe.MaxPasswordLen {
		var err error
		rec, err = a.db.Read().FindUserByEmail(ctx, email)
		if err != nil && troupe.ErrorCode(err) != troupe.CodeNotFound {
			return troupe.User{}, "", err
		}
	}
	g, err := a.guard(ctx, rec.ID, email, c)
	if err != nil {
		return troupe.User{}, "", err
	}
	if !g.trusted {
		if err := a.hit(ctx, limitLoginIP, c.address()); err != nil {
			return troupe.User{}, "", err
		}
	}
	if len(email) > troupe.MaxEmailLen || len(pass) > 4*troupe.MaxPasswordLen {
		return troupe.User{}, "", errInvalidCredentials
	}
	if err := g.check(ctx, a); err != nil {
		return troupe.User{}, "", err
	}
	// An unknown address is checked against a dummy hash: same time.
	if err := a.hasher.Verify(ctx, rec.PasswordHash, pass); err != nil {
		if errors.Is(err, password.ErrMismatch) {
			return troupe.User{}, "", g.fail(ctx, a)
		}
		return troupe.User{}, "", err
	}
	if err := a.passwordRefused(ctx, a.db.Read(), rec); err != nil {
		return troupe.User{}, "", err
	}
	if rec.TwoFactor {
		return rec.User, "", nil
	}
	var secret string
	err = a.db.Tx(ctx, func(tx *store.Tx) error {
		secret, err = a.newSession(ctx, tx, rec.ID, c)
		return err
	})
	if err != nil {
		return troupe.User{}, "", fmt.Errorf("log in: %w", err)
	}
	return rec.User, secret, nil
}

func (a *App) newSession(ctx context.Context, tx *store.Tx, userID string, c Client) (string, error) {
	now := a.now()
	secret, hash := troupe.NewSecret()
	err := tx.CreateSession(ctx, store.Session{IDHash: hash, UserID: userID, CreatedAt: now, LastSeenAt: now,
		ExpiresAt: now.Add(a.cfg.SessionIdle), IP: c.IP, UserAgent: truncate(c.UserAgent, 300)})
	return secret, err
}

// truncate cuts s to at most n bytes of valid UTF-8.
func truncate(s string, n int) string {
	s = strings.ToValidUTF8(s, "")
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

var errNoSession = troupe.Errorf(troupe.CodeUnauthenticated, "Please sign in.")

// Authenticate returns the user of a session secret. Sessions slide: each
// use (at most once a minute) pushes the expiry back.
func (a *App) Authenticate(ctx context.Context, secret string) (_ troupe.User, opErr error) {
	defer wrap(&opErr, "authenticate")
	if !troupe.WellFormedSecret(secret) {
		return troupe.User{}, errNoSession
	}
	now := a.now()
	s, u, err := a.db.FindSessionUser(ctx, troupe.HashSecret(secret), now)
	if troupe.ErrorCode(err) == troupe.CodeNotFound {
		return troupe.User{}, errNoSession
	}
	if err != nil {
		return troupe.User{}, err
	}
	if now.Sub(s.LastSeenAt) > time.Minute {
		// Best effort: a busy database must not fail the request itself;
		// the next request slides the session instead.
		expires := now.Add(a.cfg.SessionIdle)
		if a.db.Tx(ctx, func(tx *store.Tx) error { return tx.TouchSession(ctx, s.IDHash, now, expires) }) == nil {
			a.db.SessionTouched(s.IDHash, now, expires)
		}
	}
	return u.User, nil
}

// Logout ends the session with secret; an unknown secret is not an error.
func (a *App) Logout(ctx context.Context, secret string) (opErr error) {
	defer wrap(&opErr, "logout")
	if !troupe.WellFormedSecret(secret) {
		return nil
	}
	return a.db.Tx(ctx, func(tx *store.Tx) error { return tx.DeleteSession(ctx, troupe.HashSecret(secret)) })
}

var errLinkInvalid = troupe.Errorf(troupe.CodeTokenInvalid, "This link is not valid. It may have been used already or replaced by a newer one.")

// checkToken finds a mailed token that is unused and unexpired.
func (a *App) checkToken(ctx context.Context, q *store.Queries, secret string, purpose troupe.TokenPurpose) (store.UserToken, error) {
	if !troupe.WellFormedSecret(secret) {
		return store.UserToken{}, errLinkInvalid
	}
	t, err := q.FindUserToken(ctx, troupe.HashSecret(secret), purpose)
	if troupe.ErrorCode(err) == troupe.CodeNotFound {
		return store.UserToken{}, errLinkInvalid
	}
	if err != nil {
		return store.UserToken{}, err
	}
	if t.UsedAt != nil {
		return store.UserToken{}, errLinkInvalid
	}
	if !a.now().Before(t.ExpiresAt) {
		return store.UserToken{}, troupe.Errorf(troupe.CodeTokenExpired, "This link has expired. Ask for a new one.")
	}
	return t, nil
}

// useToken checks a mailed token and marks it used inside tx; of two
// concurrent uses, one fails.
func (a *App) useToken(ctx context.Context, tx *store.Tx, secret string, purpose troupe.TokenPurpose) (store.UserToken, error) {
	t, err := a.checkToken(ctx, &tx.Queries, secret, purpose)
	if err != nil {
		return t, err
	}
	if err := tx.UseUserToken(ctx, t.Hash, a.now()); err != nil {
		if troupe.ErrorCode(err) == troupe.CodeNotFound {
			return store.UserToken{}, errLinkInvalid
		}
		return store.UserToken{}, err
	}
	return t, nil
}

// VerifyEmail marks the address of a verification link verified.
func (a *App) VerifyEmail(ctx context.Context, secret string) (_ troupe.User, opErr error) {
	defer wrap(&opErr, "verify email")
	var user troupe.User
	err := a.db.Tx(ctx, func(tx *store.Tx) error {
		t, err := a.useToken(ctx, tx, secret, troupe.PurposeVerifyEmail)
		if err != nil {
			return err
		}
		rec, err := tx.FindUserByID(ctx, t.UserID)
		if err != nil {
			return err
		}
		if troupe.NormalizeEmail(rec.Email) != t.Email {
			return troupe.Errorf(troupe.CodeTokenInvalid, "This link was for another email address.")
		}
		if err := tx.UpdateUser(ctx, rec.ID, store.UserUpdate{VerifyEmail: true}, a.now()); err != nil {
			return err
		}
		user = rec.User
		user.EmailVerified = true
		return nil
	})
	return user, err
}

// RequestPasswordReset queues a reset for the address and answers at once.
// Whether the address has an account is looked at later, by the queued
// task, so the answer looks and takes the same either way.
func (a *App) RequestPasswordReset(ctx context.Context, email string, c Client) (opErr error) {
	defer wrap(&opErr, "request password reset")
	email = strings.TrimSpace(email)
	var v troupe.Validation
	troupe.ValidateEmail(&v, "email", email)
	if err := v.Err(); err != nil {
		return err
	}
	if err := a.hit(ctx, limitResetIP, c.address()); err != nil {
		return err
	}
	if err := a.hit(ctx, limitResetAccount, troupe.NormalizeEmail(email)); err != nil {
		return err
	}
	return a.db.Tx(ctx, func(tx *store.Tx) error {
		return a.queue.EnqueueTask(ctx, tx, taskPasswordReset, resetRequest{Email: email, Lang: c.Lang})
	})
}

const taskPasswordReset = "password_reset"

type resetRequest struct {
	Email string `json:"email"`
	Lang  string `json:"lang"`
}

// runPasswordReset mails a reset link when the address has an account,
// and does nothing otherwise.
func (a *App) runPasswordReset(ctx context.Context, payload json.RawMessage) error {
	var req resetRequest
	if err := json.Unmarshal(payload, &req); err != nil {
		return err
	}
	return a.db.Tx(ctx, func(tx *store.Tx) error {
		rec, err := tx.FindUserByEmail(ctx, req.Email)
		if troupe.ErrorCode(err) == troupe.CodeNotFound {
			return nil
		}
		if err != nil {
			return err
		}
		now := a.now()
		if err := tx.InvalidateUserTokens(ctx, rec.ID, troupe.PurposePasswordReset, now); err != nil {
			return err
		}
		secret, hash := troupe.NewSecret()
		err = tx.CreateUserToken(ctx, store.UserToken{Hash: hash, UserID: rec.ID, Purpose: troupe.PurposePasswordReset,
			Email: troupe.NormalizeEmail(rec.Email), CreatedAt: now, ExpiresAt: now.Add(resetTokenTTL)})
		if err != nil {
			return err
		}
		return a.sendMail(ctx, tx, mail.Email{Kind: "password_reset", To: rec.Email, Lang: mailLang(rec.Locale, Client{Lang: req.Lang}),
			Path: paths.ResetPassword(secret)})
	})
}

// ResetPassword sets a new password from a reset link, ends every session
// of the account and marks the address verified (the link proved it). The
// link is checked before any hashing, and attempts are limited.
func (a *App) ResetPassword(ctx context.Context, secret, newPassword string, c Client) (opErr error) {
	defer wrap(&opErr, "reset password")
	var v troupe.Validation
	troupe.ValidatePassword(&v, "password", newPassword)
	if err := v.Err(); err != nil {
		return err
	}
	if err := a.hit(ctx, limitResetConfirmIP, c.address()); err != nil {
		return err
	}
	// A read-only look first: a bad link costs no hash.
	if _, err := a.checkToken(ctx, a.db.Read(), secret, troupe.PurposePasswordReset); err != nil {
		return err
	}
	hash, err := a.hasher.Hash(ctx, newPassword)
	if err != nil {
		return err
	}
	return a.db.Tx(ctx, func(tx *store.Tx) error {
		t, err := a.useToken(ctx, tx, secret, troupe.PurposePasswordReset)
		if err != nil {
			return err
		}
		rec, err := tx.FindUserByID(ctx, t.UserID)
		if err != nil {
			return err
		}
		upd := store.UserUpdate{PasswordHash: &hash, VerifyEmail: troupe.NormalizeEmail(rec.Email) == t.Email}
		return a.passwordChanged(ctx, tx, rec.User, upd, c)
	})
}

// passwordChanged stores a new password, ends every session, and lifts
// the limits on failed sign-ins to the account: whoever changed it proved
// they own it.
func (a *App) passwordChanged(ctx context.Context, tx *store.Tx, u troupe.User, upd store.UserUpdate, c Client) error {
	if err := tx.UpdateUser(ctx, u.ID, upd, a.now()); err != nil {
		return err
	}
	norm := troupe.NormalizeEmail(u.Email)
	if err := a.forget(ctx, tx, limitLoginAccountFail, norm); err != nil {
		return err
	}
	if err := a.forget(ctx, tx, limitLoginFail, norm); err != nil {
		return err
	}
	if err := tx.DeleteUserSessions(ctx, u.ID); err != nil {
		return err
	}
	if err := tx.InvalidateUserTokens(ctx, u.ID, troupe.PurposePasswordReset, a.now()); err != nil {
		return err
	}
	return a.sendMail(ctx, tx, mail.Email{Kind: "password_changed", To: u.Email, Lang: mailLang(u.Locale, c),
		Path: paths.ForgotPassword()})
}

// ProfileUpdate lists the account fields to change; nil stays. A new
// password needs the current one.
type ProfileUpdate struct {
	Name         *string
	Locale       *string
	Discoverable *bool
	// CommentMail is when to mail about comments: none, mentions or all.
	CommentMail     *string
	CurrentPassword *string
	NewPassword     *string
}

// UpdateProfile changes the actor's name, language, discoverability and
// password, all or nothing. Changing the password ends every session of
// the account and returns the secret of a new one for the caller.
func (a *App) UpdateProfile(ctx context.Context, actor troupe.User, upd ProfileUpdate, c Client) (_ troupe.User, _ string, opErr error) {
	defer wrap(&opErr, "update profile")
	if err := accountOnly(actor); err != nil {
		return troupe.User{}, "", err
	}
	var v troupe.Validation
	if upd.Name != nil {
		name := strings.TrimSpace(*upd.Name)
		upd.Name = &name
		troupe.ValidateName(&v, "name", name)
	}
	if upd.Locale != nil && !troupe.ValidLocale(*upd.Locale) {
		v.Add("locale", "invalid", "Choose English, French or the browser's language.")
	}
	if upd.CommentMail != nil && !troupe.ValidCommentMail(*upd.CommentMail) {
		v.Add("comment_mail", "invalid", "Choose none, mentions or all.")
	}
	changePassword := upd.NewPassword != nil || upd.CurrentPassword != nil
	if changePassword {
		if upd.CurrentPassword == nil || *upd.CurrentPassword == "" {
			v.Add("current_password", "required", "Enter your current password.")
		}
		if upd.NewPassword == nil {
			v.Add("new_password", "required", "Enter a new password.")
		} else {
			troupe.ValidatePassword(&v, "new_password", *upd.NewPassword)
		}
	}
	if err := v.Err(); err != nil {
		return troupe.User{}, "", err
	}
	var hash *string
	if changePassword {
		h, err := a.checkAndHash(ctx, actor, *upd.CurrentPassword, *upd.NewPassword, c)
		if err != nil {
			return troupe.User{}, "", err
		}
		hash = &h
	}
	var user troupe.User
	var secret string
	err := a.db.Tx(ctx, func(tx *store.Tx) error {
		err := tx.UpdateUser(ctx, actor.ID, store.UserUpdate{Name: upd.Name, Locale: upd.Locale, Discoverable: upd.Discoverable,
			CommentMail: upd.CommentMail}, a.now())
		if err != nil {
			return err
		}
		rec, err := tx.FindUserByID(ctx, actor.ID)
		if err != nil {
			return err
		}
		user = rec.User
		if hash == nil {
			return nil
		}
		if err := a.passwordChanged(ctx, tx, rec.User, store.UserUpdate{PasswordHash: hash}, c); err != nil {
			return err
		}
		secret, err = a.newSession(ctx, tx, rec.ID, c)
		return err
	})
	if err != nil {
		return troupe.User{}, "", fmt.Errorf("update profile: %w", err)
	}
	return user, secret, nil
}

// checkAndHash verifies the actor's current password (limited like
// sign-in, since it can be guessed here too) and hashes the next one.
func (a *App) checkAndHash(ctx context.Context, actor troupe.User, current, next string, c Client) (string, error) {
	g, err := a.guard(ctx, actor.ID, actor.Email, c)
	if err != nil {
		return "", err
	}
	if err := g.check(ctx, a); err != nil {
		return "", err
	}
	rec, err := a.db.Read().FindUserByID(ctx, actor.ID)
	if err != nil {
		return "", err
	}
	if err := a.hasher.Verify(ctx, rec.PasswordHash, current); err != nil {
		if errors.Is(err, password.ErrMismatch) {
			if err := g.fail(ctx, a); troupe.ErrorCode(err) != troupe.CodeInvalidCredentials {
				return "", err
			}
			var v troupe.Validation
			v.Add("current_password", "incorrect", "The current password is incorrect.")
			return "", v.Err()
		}
		return "", err
	}
	return a.hasher.Hash(ctx, next)
}
