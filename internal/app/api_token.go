package app

import (
	"context"
	"strings"
	"time"
	"unicode/utf8"

	"troupe/internal/store"
	"troupe/internal/troupe"
)

// apiTokenPrefix marks Troupe's API tokens, so leaked ones are easy to
// recognise (and to scan for).
const apiTokenPrefix = "trp_"

// APIToken is a token as its owner sees it; Secret is set only in the
// answer that creates it.
type APIToken struct {
	troupe.APIToken
	Secret string
}

// APITokenInput is a new token: its name, scope (write when none is
// given) and optional expiry.
type APITokenInput struct {
	Name      string
	Scope     troupe.TokenScope
	ExpiresAt *time.Time
}

// CreateAPIToken makes a token for the actor in a workspace (Developers
// and Super Admins; the admin scope for Super Admins only). The secret is
// shown once and stored only as a hash.
func (a *App) CreateAPIToken(ctx context.Context, actor troupe.User, workspaceID string, in APITokenInput, c Client) (_ APIToken, opErr error) {
	defer wrap(&opErr, "create API token")
	name := strings.TrimSpace(in.Name)
	if in.Scope == "" {
		in.Scope = troupe.ScopeWrite
	}
	now := a.now()
	var v troupe.Validation
	if name == "" || utf8.RuneCountInString(name) > 80 {
		v.Add("name", "invalid", "Name the token in at most 80 characters.")
	}
	if !in.Scope.Valid() {
		v.Add("scope", "invalid", "Choose read, write or admin.")
	}
	if in.ExpiresAt != nil && !in.ExpiresAt.After(now) {
		v.Add("expires_at", "in_past", "Choose a time in the future.")
	}
	if err := v.Err(); err != nil {
		return APIToken{}, err
	}
	var out APIToken
	err := a.db.Tx(ctx, func(tx *store.Tx) error {
		m, can, err := a.permissions(ctx, &tx.Queries, workspaceID, actor)
		if err != nil {
			return err
		}
		if err := allow(can.UseAPITokens, "API tokens are for Developers and Super Admins."); err != nil {
			return err
		}
		if !troupe.MayHoldScope(m.Role, in.Scope) {
			var v troupe.Validation
			v.Add("scope", "above_role", "Only Super Admins can make admin tokens.")
			return v.Err()
		}
		secret, _ := troupe.NewSecret()
		secret = apiTokenPrefix + secret
		t := troupe.APIToken{ID: newID(), WorkspaceID: workspaceID, UserID: actor.ID, Name: name, Prefix: secret[:len(apiTokenPrefix)+6],
			Scope: in.Scope, ExpiresAt: in.ExpiresAt, CreatedAt: now}
		if err := tx.CreateAPIToken(ctx, store.APITokenRecord{APIToken: t, TokenHash: troupe.HashSecret(secret)}); err != nil {
			return err
		}
		out = APIToken{APIToken: t, Secret: secret}
		return a.audit(ctx, tx, workspaceID, actor, "api_token.create", t.ID, name, c)
	})
	return out, err
}

// ListAPITokens lists the actor's tokens in a workspace; Super Admins see
// every member's.
func (a *App) ListAPITokens(ctx context.Context, actor troupe.User, workspaceID string) (_ []troupe.APIToken, opErr error) {
	defer wrap(&opErr, "list API tokens")
	q := a.db.Read()
	_, can, err := a.permissions(ctx, q, workspaceID, actor)
	if err != nil {
		return nil, err
	}
	if err := allow(can.UseAPITokens, "API tokens are for Developers and Super Admins."); err != nil {
		return nil, err
	}
	owner := actor.ID
	if can.SeeAllTokens {
		owner = ""
	}
	return q.ListAPITokens(ctx, workspaceID, owner)
}

// RevokeAPIToken ends a token: its owner's, or any for Super Admins.
func (a *App) RevokeAPIToken(ctx context.Context, actor troupe.User, workspaceID, id string, c Client) (opErr error) {
	defer wrap(&opErr, "revoke API token")
	return a.db.Tx(ctx, func(tx *store.Tx) error {
		_, can, err := a.permissions(ctx, &tx.Queries, workspaceID, actor)
		if err != nil {
			return err
		}
		t, err := tx.FindAPIToken(ctx, workspaceID, id)
		if troupe.ErrorCode(err) == troupe.CodeNotFound || (err == nil && t.UserID != actor.ID && !can.SeeAllTokens) {
			return troupe.Errorf(troupe.CodeNotFound, "There is no such token.")
		}
		if err != nil {
			return err
		}
		if err := tx.RevokeAPIToken(ctx, id, a.now()); err != nil {
			return err
		}
		return a.audit(ctx, tx, workspaceID, actor, "api_token.revoke", id, t.Name, c)
	})
}

var errBadToken = troupe.Errorf(troupe.CodeUnauthenticated, "This API token is not valid.")

// AuthenticateToken returns the user of an API token, acting only in the
// token's workspace. A token works only while its owner is a member with
// a role of Developer or above; revoked tokens never work again.
func (a *App) AuthenticateToken(ctx context.Context, secret string) (_ troupe.User, opErr error) {
	defer wrap(&opErr, "authenticate token")
	raw, ok := strings.CutPrefix(secret, apiTokenPrefix)
	if !ok || !troupe.WellFormedSecret(raw) {
		return troupe.User{}, errBadToken
	}
	q := a.db.Read()
	t, err := q.FindAPITokenByHash(ctx, troupe.HashSecret(secret))
	if troupe.ErrorCode(err) == troupe.CodeNotFound || (err == nil && t.Expired(a.now())) {
		return troupe.User{}, errBadToken
	}
	if err != nil {
		return troupe.User{}, err
	}
	m, err := q.FindMember(ctx, t.WorkspaceID, t.UserID)
	if troupe.ErrorCode(err) == troupe.CodeNotFound || (err == nil && !m.Role.CanUseAPITokens()) {
		return troupe.User{}, errBadToken
	}
	if err != nil {
		return troupe.User{}, err
	}
	now := a.now()
	if t.LastUsedAt == nil || now.Sub(*t.LastUsedAt) > time.Minute {
		if err := a.db.Tx(ctx, func(tx *store.Tx) error { return tx.TouchAPIToken(ctx, t.ID, now) }); err != nil {
			return troupe.User{}, err
		}
	}
	u := m.User
	u.TokenWorkspace = t.WorkspaceID
	// Never more than the owner's role allows today.
	u.TokenScope = t.Scope
	if !troupe.MayHoldScope(m.Role, t.Scope) {
		u.TokenScope = troupe.ScopeWrite
	}
	return u, nil
}
