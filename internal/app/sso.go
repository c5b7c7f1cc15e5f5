package app

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"strings"
	"time"
	"unicode/utf8"

	"troupe/internal/store"
	"troupe/internal/troupe"
)

// ProviderClaims is what an identity provider's verified ID token (and,
// where the token lacks them, its userinfo) says of the person signing in.
type ProviderClaims struct {
	// Provider is the provider's id in the configuration, Subject its
	// stable id for the person.
	Provider, Subject string
	Email             string
	EmailVerified     bool
	Name              string
	Groups            []string
}

var errProviderEmailUnverified = troupe.Errorf(troupe.CodeEmailUnverified,
	"Your account at the identity provider has no verified email address, so it cannot sign in here.")

// SignInWithProvider signs in the person an identity provider vouched
// for: through the identity already linked to a user; else, when the
// provider says the address is verified, by linking it to the account
// with that verified address, or to a new verified account made now (no
// password: they sign in through the provider). An account whose address
// was never verified is not linked: whoever made it may not own the
// address, and linking would hand the account to them.
func (a *App) SignInWithProvider(ctx context.Context, pc ProviderClaims, c Client) (_ troupe.User, session string, opErr error) {
	defer wrap(&opErr, "sign in with provider")
	now := a.now()
	var user troupe.User
	err := a.db.Tx(ctx, func(tx *store.Tx) error {
		id, err := tx.FindIdentity(ctx, pc.Provider, pc.Subject)
		switch troupe.ErrorCode(err) {
		case troupe.CodeNotFound:
			if user, err = a.linkProviderAccount(ctx, tx, pc); err != nil {
				return err
			}
		default:
			if err != nil {
				return err
			}
			rec, err := tx.FindUserByID(ctx, id.UserID)
			if err != nil {
				return err
			}
			user = rec.User
			if err := tx.TouchIdentity(ctx, pc.Provider, pc.Subject, pc.Email, now); err != nil {
				return err
			}
		}
		if err := a.applySSORoles(ctx, tx, user, pc, c); err != nil {
			return err
		}
		session, err = a.newSession(ctx, tx, user.ID, c)
		return err
	})
	return user, session, err
}

// linkProviderAccount links a first sign-in through a provider to the
// account with its verified address, or to a new one.
func (a *App) linkProviderAccount(ctx context.Context, tx *store.Tx, pc ProviderClaims) (troupe.User, error) {
	if !pc.EmailVerified || pc.Email == "" {
		return troupe.User{}, errProviderEmailUnverified
	}
	now := a.now()
	link := troupe.Identity{Provider: pc.Provider, Subject: pc.Subject, Email: pc.Email, CreatedAt: now}
	rec, err := tx.FindUserByEmail(ctx, pc.Email)
	switch {
	case err == nil && !rec.EmailVerified:
		return troupe.User{}, troupe.Errorf(troupe.CodeConflict,
			"An account with %s exists but its address was never verified. Sign in with its password and verify the address, then use single sign-on.", rec.Email)
	case err == nil:
		link.UserID = rec.ID
		return rec.User, tx.LinkIdentity(ctx, link)
	case troupe.ErrorCode(err) != troupe.CodeNotFound:
		return troupe.User{}, err
	}
	var v troupe.Validation
	troupe.ValidateEmail(&v, "email", pc.Email)
	if err := v.Err(); err != nil {
		return troupe.User{}, err
	}
	name := strings.TrimSpace(pc.Name)
	if name == "" || utf8.RuneCountInString(name) > troupe.MaxNameLen {
		name, _, _ = strings.Cut(pc.Email, "@")
	}
	user := troupe.User{ID: newID(), Email: pc.Email, Name: name, EmailVerified: true, Discoverable: true, CreatedAt: now}
	if err := tx.CreateUser(ctx, store.UserRecord{User: user}, now); err != nil {
		return troupe.User{}, err
	}
	link.UserID = user.ID
	return user, tx.LinkIdentity(ctx, link)
}

// ListIdentities returns the actor's identities at providers.
func (a *App) ListIdentities(ctx context.Context, actor troupe.User) (_ []troupe.Identity, opErr error) {
	defer wrap(&opErr, "list identities")
	if err := accountOnly(actor); err != nil {
		return nil, err
	}
	return a.db.Read().ListIdentities(ctx, actor.ID)
}

// UnlinkIdentity removes the actor's identity at provider, unless it is
// their only way to sign in (no password and no other identity).
func (a *App) UnlinkIdentity(ctx context.Context, actor troupe.User, provider string) (opErr error) {
	defer wrap(&opErr, "unlink identity")
	if err := accountOnly(actor); err != nil {
		return err
	}
	return a.db.Tx(ctx, func(tx *store.Tx) error {
		rec, err := tx.FindUserByID(ctx, actor.ID)
		if err != nil {
			return err
		}
		ids, err := tx.ListIdentities(ctx, actor.ID)
		if err != nil {
			return err
		}
		if rec.PasswordHash == "" && len(ids) <= 1 {
			return troupe.Errorf(troupe.CodeConflict, "This is your only way to sign in: set a password first (Forgot password sends a link).")
		}
		return tx.UnlinkIdentity(ctx, actor.ID, provider)
	})
}

// SSOState is what a sign-on keeps in the browser between leaving for the
// provider and coming back: the state and nonce to expect, the PKCE
// verifier, and where to go afterwards.
type SSOState struct {
	Provider string `json:"p"`
	State    string `json:"s"`
	Nonce    string `json:"n"`
	Verifier string `json:"v"`
	Next     string `json:"x"`
	Expires  int64  `json:"e"`
}

// SSOStateAge is how long a sign-on may take at the provider.
const SSOStateAge = 10 * time.Minute

// SealSSOState signs st (with a server key) for a cookie, valid for
// SSOStateAge: a state the browser did not get from here, or kept too
// long, does not open.
func (a *App) SealSSOState(ctx context.Context, st SSOState) (string, error) {
	key, err := a.serverKey(ctx, "sso-state")
	if err != nil {
		return "", err
	}
	st.Expires = a.now().Add(SSOStateAge).Unix()
	body, err := json.Marshal(st)
	if err != nil {
		return "", err
	}
	enc := base64.RawURLEncoding.EncodeToString(body)
	m := hmac.New(sha256.New, key)
	m.Write([]byte(enc))
	return enc + "." + base64.RawURLEncoding.EncodeToString(m.Sum(nil)), nil
}

var errSSOState = troupe.Errorf(troupe.CodeInvalidInput, "This sign-in did not start here or took too long: start again.")

// OpenSSOState checks and reads a state SealSSOState made.
func (a *App) OpenSSOState(ctx context.Context, sealed string) (SSOState, error) {
	enc, mac, ok := strings.Cut(sealed, ".")
	if !ok {
		return SSOState{}, errSSOState
	}
	key, err := a.serverKey(ctx, "sso-state")
	if err != nil {
		return SSOState{}, err
	}
	m := hmac.New(sha256.New, key)
	m.Write([]byte(enc))
	if !hmac.Equal([]byte(mac), []byte(base64.RawURLEncoding.EncodeToString(m.Sum(nil)))) {
		return SSOState{}, errSSOState
	}
	body, err := base64.RawURLEncoding.DecodeString(enc)
	var st SSOState
	if err != nil || json.Unmarshal(body, &st) != nil || a.now().Unix() >= st.Expires {
		return SSOState{}, errSSOState
	}
	return st, nil
}

// ProviderInfo names an identity provider configured on the server.
type ProviderInfo struct{ ID, Name string }

func (a *App) providerIDs() []string {
	ids := make([]string, len(a.cfg.SSOProviders))
	for i, p := range a.cfg.SSOProviders {
		ids[i] = p.ID
	}
	return ids
}

func (a *App) providerName(id string) string {
	for _, p := range a.cfg.SSOProviders {
		if p.ID == id {
			return p.Name
		}
	}
	return id
}

// GetWorkspaceSSO returns a workspace's single sign-on (Super Admins).
func (a *App) GetWorkspaceSSO(ctx context.Context, actor troupe.User, workspaceID string) (_ troupe.WorkspaceSSO, opErr error) {
	defer wrap(&opErr, "get workspace sso")
	q := a.db.Read()
	_, can, err := a.permissions(ctx, q, workspaceID, actor)
	if err != nil {
		return troupe.WorkspaceSSO{}, err
	}
	if err := allow(can.ManageWorkspace, "Only a Super Admin can see the workspace's single sign-on."); err != nil {
		return troupe.WorkspaceSSO{}, err
	}
	return q.FindWorkspaceSSO(ctx, workspaceID)
}

// SaveWorkspaceSSO sets a workspace's single sign-on (Super Admins): the
// provider its members at its verified domains sign in with, whether
// they must, and the roles groups give.
func (a *App) SaveWorkspaceSSO(ctx context.Context, actor troupe.User, workspaceID string, s troupe.WorkspaceSSO, c Client) (_ troupe.WorkspaceSSO, opErr error) {
	defer wrap(&opErr, "save workspace sso")
	var v troupe.Validation
	s.Validate(&v, a.providerIDs())
	if err := v.Err(); err != nil {
		return troupe.WorkspaceSSO{}, err
	}
	err := a.db.Tx(ctx, func(tx *store.Tx) error {
		_, can, err := a.permissions(ctx, &tx.Queries, workspaceID, actor)
		if err != nil {
			return err
		}
		if err := allow(can.ManageWorkspace, "Only a Super Admin can change the workspace's single sign-on."); err != nil {
			return err
		}
		if err := tx.SaveWorkspaceSSO(ctx, workspaceID, s, a.now()); err != nil {
			return err
		}
		return a.audit(ctx, tx, workspaceID, actor, "settings.update", workspaceID, "sso", c)
	})
	return s, err
}

// ssoRequired is the refusal of a password sign-in that the account's
// organisation wants made through provider name.
func ssoRequired(name string) error {
	return troupe.Errorf(troupe.CodeSSORequired, "Your organisation asks you to sign in with %s.", name)
}

// passwordRefused says whether a workspace requiring single sign-on at
// the account's address refuses it a password sign-in: all of them do,
// except to one of their Super Admins with two-factor on where they keep
// that way in (break glass).
func (a *App) passwordRefused(ctx context.Context, q *store.Queries, rec store.UserRecord) error {
	if !rec.EmailVerified {
		return nil
	}
	ws, err := q.SSOWorkspacesAt(ctx, troupe.EmailDomain(rec.Email))
	if err != nil {
		return err
	}
	for _, w := range ws {
		if !w.Required {
			continue
		}
		m, ok, err := memberIfAny(ctx, q, w.WorkspaceID, rec.ID)
		if err != nil {
			return err
		}
		if w.BreakGlass && ok && m.Role == troupe.RoleSuperAdmin && rec.TwoFactor {
			continue
		}
		return ssoRequired(a.providerName(w.Provider))
	}
	return nil
}

// applySSORoles gives the member, in each workspace whose sign-on is
// this provider at their verified address, the role their groups map to,
// recorded in the audit log; the last Super Admin keeps that role.
func (a *App) applySSORoles(ctx context.Context, tx *store.Tx, user troupe.User, pc ProviderClaims, c Client) error {
	if !user.EmailVerified {
		return nil
	}
	ws, err := tx.SSOWorkspacesAt(ctx, troupe.EmailDomain(user.Email))
	if err != nil {
		return err
	}
	for _, w := range ws {
		if w.Provider != pc.Provider {
			continue
		}
		role := w.RoleFromGroups(pc.Groups)
		m, ok, err := memberIfAny(ctx, &tx.Queries, w.WorkspaceID, user.ID)
		if err != nil || !ok || role == "" || role == m.Role {
			if err != nil {
				return err
			}
			continue
		}
		switch err := a.keepOneSuperAdmin(ctx, tx, w.WorkspaceID, m); troupe.ErrorCode(err) {
		case troupe.CodeLastSuperAdmin:
			continue
		default:
			if err != nil {
				return err
			}
		}
		if err := tx.UpdateMemberRole(ctx, w.WorkspaceID, user.ID, role); err != nil {
			return err
		}
		if err := a.audit(ctx, tx, w.WorkspaceID, user, "member.role_sso", user.ID, troupe.RoleChangeDetail(m.Role, role), c); err != nil {
			return err
		}
	}
	return nil
}
