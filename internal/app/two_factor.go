package app

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base32"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"

	"troupe/internal/password"
	"troupe/internal/store"
	"troupe/internal/troupe"
)

// Server keys of two-factor sign-in: one seals TOTP secrets, one keys
// the hash of recovery codes, one signs the token of a sign-in waiting
// for its code.
const (
	twoFactorSecretKey  = "two-factor-secret"
	recoveryCodeKey     = "recovery-code"
	twoFactorPendingKey = "two-factor-pending"
)

// TwoFactorPendingAge is how long a sign-in whose password was right
// waits for its code.
const TwoFactorPendingAge = 5 * time.Minute

// totpPeriod is the TOTP time step; codes of the step before and after
// the current one are accepted too (clock drift).
const totpPeriod = 30

var totpOpts = totp.ValidateOpts{Period: totpPeriod, Skew: 0, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1}

// limitCodeFail caps wrong codes per account, as limitLoginFail caps wrong
// passwords: six digits are guessable without it.
var limitCodeFail = limit{"two-factor-fail", 10, 15 * time.Minute}

var (
	errInvalidCode = troupe.Errorf(troupe.CodeInvalidCode, "The code is incorrect or was used already.")
	errPendingGone = troupe.Errorf(troupe.CodeUnauthenticated, "This sign-in has expired. Please sign in again.")
)

// TwoFactorSetup is a pending secret for an authenticator app.
type TwoFactorSetup struct {
	Secret string
	// URL is the otpauth:// address the QR code carries.
	URL string
}

// TwoFactorStatus is what the account page shows of two-factor sign-in.
type TwoFactorStatus struct {
	On bool
	// RecoveryCodesLeft counts unused recovery codes.
	RecoveryCodesLeft int
}

// sealer seals TOTP secrets with AES-256-GCM, bound to their account.
func (a *App) twoFactorAEAD(ctx context.Context) (cipher.AEAD, error) {
	key, err := a.serverKey(ctx, twoFactorSecretKey)
	if err != nil {
		return nil, err
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("two-factor key: %w", err)
	}
	return cipher.NewGCM(block)
}

func (a *App) sealTOTP(ctx context.Context, userID, secret string) (string, error) {
	aead, err := a.twoFactorAEAD(ctx)
	if err != nil {
		return "", err
	}
	nonce := make([]byte, aead.NonceSize(), aead.NonceSize()+len(secret)+aead.Overhead())
	rand.Read(nonce)
	return base64.RawURLEncoding.EncodeToString(aead.Seal(nonce, nonce, []byte(secret), []byte("totp|"+userID))), nil
}

func (a *App) openTOTP(ctx context.Context, userID, sealed string) (string, error) {
	aead, err := a.twoFactorAEAD(ctx)
	if err != nil {
		return "", err
	}
	b, err := base64.RawURLEncoding.DecodeString(sealed)
	if err != nil || len(b) < aead.NonceSize() {
		return "", errors.New("two-factor: sealed secret does not open")
	}
	n := aead.NonceSize()
	s, err := aead.Open(nil, b[:n], b[n:], []byte("totp|"+userID))
	if err != nil {
		return "", errors.New("two-factor: sealed secret does not open")
	}
	return string(s), nil
}

// matchTOTP returns the time step of the code among the current step and
// its neighbours, or false.
func (a *App) matchTOTP(secret, code string) (int64, bool) {
	code = strings.ReplaceAll(strings.TrimSpace(code), " ", "")
	if len(code) != 6 {
		return 0, false
	}
	now := a.now()
	step := now.Unix() / totpPeriod
	for _, d := range []int64{0, -1, 1} {
		want, err := totp.GenerateCodeCustom(secret, time.Unix((step+d)*totpPeriod, 0), totpOpts)
		if err == nil && subtle.ConstantTimeCompare([]byte(want), []byte(code)) == 1 {
			return step + d, true
		}
	}
	return 0, false
}

// recoveryHash is the keyed hash a recovery code is stored as. The codes
// are random (60 bits), so a fast hash is enough: nothing to brute-force
// offline without the key, and nothing guessable online past the limits.
func (a *App) recoveryHash(ctx context.Context, userID, code string) (string, error) {
	key, err := a.serverKey(ctx, recoveryCodeKey)
	if err != nil {
		return "", err
	}
	m := hmac.New(sha256.New, key)
	m.Write([]byte(userID + "|" + normalizeRecoveryCode(code)))
	return hex.EncodeToString(m.Sum(nil)), nil
}

func normalizeRecoveryCode(code string) string {
	return strings.ToLower(strings.NewReplacer("-", "", " ", "").Replace(strings.TrimSpace(code)))
}

var recoveryEncoding = base32.StdEncoding.WithPadding(base32.NoPadding)

// newRecoveryCodes returns fresh codes and their hashes.
func (a *App) newRecoveryCodes(ctx context.Context, userID string) ([]string, []string, error) {
	codes := make([]string, troupe.RecoveryCodeCount)
	hashes := make([]string, troupe.RecoveryCodeCount)
	for i := range codes {
		var b [8]byte
		rand.Read(b[:])
		s := strings.ToLower(recoveryEncoding.EncodeToString(b[:]))[:12] // 60 bits
		codes[i] = s[:4] + "-" + s[4:8] + "-" + s[8:]
		h, err := a.recoveryHash(ctx, userID, codes[i])
		if err != nil {
			return nil, nil, err
		}
		hashes[i] = h
	}
	return codes, hashes, nil
}

// TwoFactorState tells whether the actor has two-factor on and how many
// recovery codes remain.
func (a *App) TwoFactorState(ctx context.Context, actor troupe.User) (_ TwoFactorStatus, opErr error) {
	defer wrap(&opErr, "two-factor state")
	if err := accountOnly(actor); err != nil {
		return TwoFactorStatus{}, err
	}
	q := a.db.Read()
	t, err := q.FindTwoFactor(ctx, actor.ID)
	if troupe.ErrorCode(err) == troupe.CodeNotFound || (err == nil && t.ConfirmedAt == nil) {
		return TwoFactorStatus{}, nil
	}
	if err != nil {
		return TwoFactorStatus{}, err
	}
	n, err := q.CountRecoveryCodes(ctx, actor.ID)
	return TwoFactorStatus{On: true, RecoveryCodesLeft: n}, err
}

// EnrollTwoFactor makes a new pending secret for the actor, in place of
// any pending one; it stays off until ConfirmTwoFactor. An account that
// has two-factor on already is a conflict.
func (a *App) EnrollTwoFactor(ctx context.Context, actor troupe.User) (_ TwoFactorSetup, opErr error) {
	defer wrap(&opErr, "enroll two-factor")
	if err := accountOnly(actor); err != nil {
		return TwoFactorSetup{}, err
	}
	key, err := totp.Generate(totp.GenerateOpts{Issuer: "Troupe", AccountName: actor.Email, Period: totpPeriod})
	if err != nil {
		return TwoFactorSetup{}, err
	}
	sealed, err := a.sealTOTP(ctx, actor.ID, key.Secret())
	if err != nil {
		return TwoFactorSetup{}, err
	}
	err = a.db.Tx(ctx, func(tx *store.Tx) error {
		t, err := tx.FindTwoFactor(ctx, actor.ID)
		if err == nil && t.ConfirmedAt != nil {
			return troupe.Errorf(troupe.CodeConflict, "Two-factor authentication is already on.")
		}
		if err != nil && troupe.ErrorCode(err) != troupe.CodeNotFound {
			return err
		}
		return tx.PutPendingTwoFactor(ctx, actor.ID, sealed, a.now())
	})
	if err != nil {
		return TwoFactorSetup{}, err
	}
	return TwoFactorSetup{Secret: key.Secret(), URL: key.URL()}, nil
}

// PendingTwoFactor returns the actor's pending setup again (to show its
// QR code after a wrong first code), or not_found.
func (a *App) PendingTwoFactor(ctx context.Context, actor troupe.User) (_ TwoFactorSetup, opErr error) {
	defer wrap(&opErr, "pending two-factor")
	t, err := a.db.Read().FindTwoFactor(ctx, actor.ID)
	if err != nil {
		return TwoFactorSetup{}, err
	}
	if t.ConfirmedAt != nil {
		return TwoFactorSetup{}, troupe.Errorf(troupe.CodeConflict, "Two-factor authentication is already on.")
	}
	secret, err := a.openTOTP(ctx, actor.ID, t.Sealed)
	if err != nil {
		return TwoFactorSetup{}, err
	}
	key, err := otp.NewKeyFromURL(fmt.Sprintf("otpauth://totp/Troupe:%s?secret=%s&issuer=Troupe&period=%d&digits=6&algorithm=SHA1",
		strings.ReplaceAll(actor.Email, "@", "%40"), secret, totpPeriod))
	if err != nil {
		return TwoFactorSetup{}, err
	}
	return TwoFactorSetup{Secret: secret, URL: key.URL()}, nil
}

// codeGuard counts an attempt at a code against the account before the
// code is checked, so that attempts sent at once cannot all pass the
// count, and against the client's address; a right code gives its count
// back (keep the ticket for that).
func (a *App) codeGuard(ctx context.Context, userID string, c Client) (ticket, error) {
	if err := a.hit(ctx, limitLoginIP, c.address()); err != nil {
		return ticket{}, err
	}
	return a.take(ctx, limitCodeFail, userID, 1)
}

// ConfirmTwoFactor turns the actor's pending secret on with a first code
// from the authenticator app, and returns the recovery codes, which are
// shown this once.
func (a *App) ConfirmTwoFactor(ctx context.Context, actor troupe.User, code string, c Client) (_ []string, opErr error) {
	defer wrap(&opErr, "confirm two-factor")
	if err := accountOnly(actor); err != nil {
		return nil, err
	}
	if err := requireCode(code); err != nil {
		return nil, err
	}
	t, err := a.db.Read().FindTwoFactor(ctx, actor.ID)
	if troupe.ErrorCode(err) == troupe.CodeNotFound {
		return nil, troupe.Errorf(troupe.CodeConflict, "Start setting up two-factor authentication first.")
	}
	if err != nil {
		return nil, err
	}
	if t.ConfirmedAt != nil {
		return nil, troupe.Errorf(troupe.CodeConflict, "Two-factor authentication is already on.")
	}
	guard, err := a.codeGuard(ctx, actor.ID, c)
	if err != nil {
		return nil, err
	}
	secret, err := a.openTOTP(ctx, actor.ID, t.Sealed)
	if err != nil {
		return nil, err
	}
	step, ok := a.matchTOTP(secret, code)
	if !ok {
		return nil, errInvalidCode
	}
	_ = a.giveBack(ctx, guard)
	codes, hashes, err := a.newRecoveryCodes(ctx, actor.ID)
	if err != nil {
		return nil, err
	}
	err = a.db.Tx(ctx, func(tx *store.Tx) error {
		if err := tx.ConfirmTwoFactor(ctx, actor.ID, step, a.now()); err != nil {
			if troupe.ErrorCode(err) == troupe.CodeNotFound {
				return troupe.Errorf(troupe.CodeConflict, "Two-factor authentication is already on.")
			}
			return err
		}
		if err := tx.SetRecoveryCodes(ctx, actor.ID, hashes); err != nil {
			return err
		}
		return a.auditAccount(ctx, tx, actor, troupe.AuditTwoFactorEnable, c)
	})
	if err != nil {
		return nil, err
	}
	return codes, nil
}

func requireCode(code string) error {
	if strings.TrimSpace(code) == "" {
		var v troupe.Validation
		v.Add("code", "required", "Enter the code from your authenticator app.")
		return v.Err()
	}
	if len(code) > 64 {
		return errInvalidCode
	}
	return nil
}

// auditAccount records a change to the actor's own account in the audit
// log of every workspace they are in: each workspace's admins see how its
// members sign in.
func (a *App) auditAccount(ctx context.Context, tx *store.Tx, actor troupe.User, action string, c Client) error {
	ids, err := tx.UserWorkspaceIDs(ctx, actor.ID)
	if err != nil {
		return err
	}
	for _, id := range ids {
		var err error
		switch action {
		case troupe.AuditTwoFactorEnable:
			err = a.audit(ctx, tx, id, actor, "two_factor.enable", actor.ID, "", c)
		case troupe.AuditTwoFactorDisable:
			err = a.audit(ctx, tx, id, actor, "two_factor.disable", actor.ID, "", c)
		case troupe.AuditRecoveryCodesRenew:
			err = a.audit(ctx, tx, id, actor, "two_factor.recovery_codes", actor.ID, "", c)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// checkPassword verifies the actor's password, limited like sign-in; a
// wrong one is a validation error on field.
func (a *App) checkPassword(ctx context.Context, actor troupe.User, pass, field, label string, c Client) error {
	if pass == "" {
		var v troupe.Validation
		v.Add(field, "required", "Enter your password.")
		return v.Err()
	}
	g, err := a.guard(ctx, actor.ID, actor.Email, c)
	if err != nil {
		return err
	}
	if err := g.check(ctx, a); err != nil {
		return err
	}
	rec, err := a.db.Read().FindUserByID(ctx, actor.ID)
	if err != nil {
		return err
	}
	if len(pass) > 4*troupe.MaxPasswordLen {
		pass = ""
	}
	if err := a.hasher.Verify(ctx, rec.PasswordHash, pass); err != nil {
		if errors.Is(err, password.ErrMismatch) {
			if err := g.fail(ctx, a); troupe.ErrorCode(err) != troupe.CodeInvalidCredentials {
				return err
			}
			var v troupe.Validation
			v.Add(field, "incorrect", label)
			return v.Err()
		}
		return err
	}
	return nil
}

// DisableTwoFactor turns two-factor off for the actor, with their password.
func (a *App) DisableTwoFactor(ctx context.Context, actor troupe.User, pass string, c Client) (opErr error) {
	defer wrap(&opErr, "disable two-factor")
	if err := accountOnly(actor); err != nil {
		return err
	}
	if err := a.checkPassword(ctx, actor, pass, "password", "The password is incorrect.", c); err != nil {
		return err
	}
	return a.db.Tx(ctx, func(tx *store.Tx) error {
		t, err := tx.FindTwoFactor(ctx, actor.ID)
		if troupe.ErrorCode(err) == troupe.CodeNotFound || (err == nil && t.ConfirmedAt == nil) {
			// Off already; a pending secret goes too.
			return tx.DeleteTwoFactor(ctx, actor.ID, a.now())
		}
		if err != nil {
			return err
		}
		if err := tx.DeleteTwoFactor(ctx, actor.ID, a.now()); err != nil {
			return err
		}
		return a.auditAccount(ctx, tx, actor, troupe.AuditTwoFactorDisable, c)
	})
}

// RenewRecoveryCodes replaces the actor's recovery codes, with their
// password, and returns the new ones.
func (a *App) RenewRecoveryCodes(ctx context.Context, actor troupe.User, pass string, c Client) (_ []string, opErr error) {
	defer wrap(&opErr, "renew recovery codes")
	if err := accountOnly(actor); err != nil {
		return nil, err
	}
	if err := a.checkPassword(ctx, actor, pass, "password", "The password is incorrect.", c); err != nil {
		return nil, err
	}
	codes, hashes, err := a.newRecoveryCodes(ctx, actor.ID)
	if err != nil {
		return nil, err
	}
	err = a.db.Tx(ctx, func(tx *store.Tx) error {
		t, err := tx.FindTwoFactor(ctx, actor.ID)
		if troupe.ErrorCode(err) == troupe.CodeNotFound || (err == nil && t.ConfirmedAt == nil) {
			return troupe.Errorf(troupe.CodeConflict, "Two-factor authentication is off.")
		}
		if err != nil {
			return err
		}
		if err := tx.SetRecoveryCodes(ctx, actor.ID, hashes); err != nil {
			return err
		}
		return a.auditAccount(ctx, tx, actor, troupe.AuditRecoveryCodesRenew, c)
	})
	if err != nil {
		return nil, err
	}
	return codes, nil
}

// pendingToken signs "user.expiry" for the code step of a sign-in.
func (a *App) pendingToken(ctx context.Context, userID string) (string, error) {
	key, err := a.serverKey(ctx, twoFactorPendingKey)
	if err != nil {
		return "", err
	}
	body := userID + "." + strconv.FormatInt(a.now().Add(TwoFactorPendingAge).Unix(), 10)
	return body + "." + pendingMAC(key, body), nil
}

func pendingMAC(key []byte, body string) string {
	m := hmac.New(sha256.New, key)
	m.Write([]byte("two-factor-pending|" + body))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// pendingUser checks a pending sign-in token and returns its user id.
func (a *App) pendingUser(ctx context.Context, token string) (string, error) {
	parts := strings.Split(token, ".")
	if len(parts) != 3 || len(token) > 200 {
		return "", errPendingGone
	}
	key, err := a.serverKey(ctx, twoFactorPendingKey)
	if err != nil {
		return "", err
	}
	body := parts[0] + "." + parts[1]
	if !hmac.Equal([]byte(parts[2]), []byte(pendingMAC(key, body))) {
		return "", errPendingGone
	}
	exp, err := strconv.ParseInt(parts[1], 10, 64)
	if err != nil || a.now().Unix() >= exp {
		return "", errPendingGone
	}
	return parts[0], nil
}

// LoginWithCode finishes a sign-in that waits for its second factor: a
// TOTP code (never accepted twice) or an unused recovery code (used up).
// Wrong codes are limited per account like wrong passwords.
func (a *App) LoginWithCode(ctx context.Context, pending, code string, c Client) (_ troupe.User, _ string, opErr error) {
	defer wrap(&opErr, "login with code")
	userID, err := a.pendingUser(ctx, pending)
	if err != nil {
		return troupe.User{}, "", err
	}
	if err := requireCode(code); err != nil {
		return troupe.User{}, "", err
	}
	guard, err := a.codeGuard(ctx, userID, c)
	if err != nil {
		return troupe.User{}, "", err
	}
	t, err := a.db.Read().FindTwoFactor(ctx, userID)
	if troupe.ErrorCode(err) == troupe.CodeNotFound || (err == nil && t.ConfirmedAt == nil) {
		// Turned off meanwhile: the password alone signs in again.
		return troupe.User{}, "", errPendingGone
	}
	if err != nil {
		return troupe.User{}, "", err
	}
	secret, err := a.openTOTP(ctx, userID, t.Sealed)
	if err != nil {
		return troupe.User{}, "", err
	}
	var rec store.UserRecord
	var session string
	err = a.db.Tx(ctx, func(tx *store.Tx) error {
		if step, ok := a.matchTOTP(secret, code); ok {
			if err := tx.UseTwoFactorStep(ctx, userID, step); err != nil {
				return err
			}
		} else {
			h, err := a.recoveryHash(ctx, userID, code)
			if err != nil {
				return err
			}
			if err := tx.UseRecoveryCode(ctx, userID, h, a.now()); err != nil {
				return err
			}
		}
		var err error
		if rec, err = tx.FindUserByID(ctx, userID); err != nil {
			return err
		}
		session, err = a.newSession(ctx, tx, userID, c)
		return err
	})
	if troupe.ErrorCode(err) == troupe.CodeNotFound {
		return troupe.User{}, "", errInvalidCode
	}
	if err != nil {
		return troupe.User{}, "", err
	}
	_ = a.giveBack(ctx, guard)
	return rec.User, session, nil
}
