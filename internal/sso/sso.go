// Package sso signs people in through OpenID Connect providers: the
// authorization code flow with PKCE, state and nonce, and the ID token
// verified against the issuer's published keys.
package sso

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"strings"
	"sync"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"
)

// Config is one provider as the operator configures it
// (TROUPE_OIDC_PROVIDERS, a JSON array, or a file of it).
type Config struct {
	// ID names the provider in addresses (/auth/sso/{id}); Name is what
	// the sign-in page shows ("Continue with Name").
	ID     string `json:"id"`
	Name   string `json:"name"`
	Issuer string `json:"issuer"`
	// ClientSecretFile, when set, holds the secret (a mounted secret).
	ClientID         string   `json:"client_id"`
	ClientSecret     string   `json:"client_secret"`
	ClientSecretFile string   `json:"client_secret_file"`
	Scopes           []string `json:"scopes"`
}

// ParseConfig reads the providers' JSON array and their secret files.
func ParseConfig(raw []byte) ([]Config, error) {
	var cfgs []Config
	if err := json.Unmarshal(raw, &cfgs); err != nil {
		return nil, fmt.Errorf("identity providers: %w", err)
	}
	seen := map[string]bool{}
	for i := range cfgs {
		c := &cfgs[i]
		if c.ClientSecretFile != "" {
			b, err := os.ReadFile(c.ClientSecretFile)
			if err != nil {
				return nil, fmt.Errorf("identity provider %q: %w", c.ID, err)
			}
			c.ClientSecret = strings.TrimSpace(string(b))
		}
		switch {
		case c.ID == "" || strings.ContainsAny(c.ID, "/?#% ") || seen[c.ID]:
			return nil, fmt.Errorf("identity provider %d: a unique id of letters, digits and - is needed", i+1)
		case c.Issuer == "" || c.ClientID == "":
			return nil, fmt.Errorf("identity provider %q: issuer and client_id are needed", c.ID)
		}
		seen[c.ID] = true
		if c.Name == "" {
			c.Name = c.ID
		}
		if len(c.Scopes) == 0 {
			c.Scopes = []string{oidc.ScopeOpenID, "email", "profile"}
		}
	}
	return cfgs, nil
}

// Claims is what a provider says of the person who signed in.
type Claims struct {
	Subject       string
	Email         string
	EmailVerified bool
	Name          string
	Groups        []string
}

// ErrUnknown is the answer for a provider that is not configured.
var ErrUnknown = errors.New("no such identity provider")

// Providers are the configured identity providers. Each one's discovery
// document is read on first use, so the server starts while a provider
// is down, and read again after a failure.
type Providers struct {
	list   []Config
	byID   map[string]*provider
	client *http.Client
}

type provider struct {
	cfg      Config
	redirect string
	mu       sync.Mutex
	oidc     *oidc.Provider
}

// New returns the providers of cfgs, whose callbacks are at
// baseURL/auth/sso/{id}/callback, reached with client.
func New(cfgs []Config, baseURL string, client *http.Client) *Providers {
	p := &Providers{list: cfgs, byID: map[string]*provider{}, client: client}
	for _, c := range cfgs {
		p.byID[c.ID] = &provider{cfg: c, redirect: strings.TrimRight(baseURL, "/") + "/auth/sso/" + c.ID + "/callback"}
	}
	return p
}

// List returns the providers in the order configured.
func (p *Providers) List() []Config {
	if p == nil {
		return nil
	}
	return p.list
}

func (p *Providers) get(ctx context.Context, id string) (*provider, *oidc.Provider, error) {
	if p == nil {
		return nil, nil, ErrUnknown
	}
	pr, ok := p.byID[id]
	if !ok {
		return nil, nil, ErrUnknown
	}
	pr.mu.Lock()
	defer pr.mu.Unlock()
	if pr.oidc == nil {
		op, err := oidc.NewProvider(oidc.ClientContext(ctx, p.client), pr.cfg.Issuer)
		if err != nil {
			return nil, nil, fmt.Errorf("identity provider %q: %w", id, err)
		}
		pr.oidc = op
	}
	return pr, pr.oidc, nil
}

func (pr *provider) oauth(op *oidc.Provider) *oauth2.Config {
	return &oauth2.Config{ClientID: pr.cfg.ClientID, ClientSecret: pr.cfg.ClientSecret, Endpoint: op.Endpoint(),
		RedirectURL: pr.redirect, Scopes: pr.cfg.Scopes}
}

// AuthURL is where to send the browser to sign in at provider id, with
// the state and nonce to expect back and the PKCE verifier's challenge.
func (p *Providers) AuthURL(ctx context.Context, id, state, nonce, verifier string) (string, error) {
	pr, op, err := p.get(ctx, id)
	if err != nil {
		return "", err
	}
	return pr.oauth(op).AuthCodeURL(state, oidc.Nonce(nonce), oauth2.S256ChallengeOption(verifier)), nil
}

// Exchange trades the code the provider sent back for its tokens,
// verifies the ID token (signature, issuer, audience, expiry) and its
// nonce, and returns the claims, completed from the userinfo endpoint
// when the ID token lacks the address.
func (p *Providers) Exchange(ctx context.Context, id, code, verifier, nonce string) (Claims, error) {
	pr, op, err := p.get(ctx, id)
	if err != nil {
		return Claims{}, err
	}
	ctx = oidc.ClientContext(ctx, p.client)
	conf := pr.oauth(op)
	tok, err := conf.Exchange(ctx, code, oauth2.VerifierOption(verifier))
	if err != nil {
		return Claims{}, fmt.Errorf("code exchange: %w", err)
	}
	raw, ok := tok.Extra("id_token").(string)
	if !ok {
		return Claims{}, errors.New("the provider sent no ID token")
	}
	idt, err := op.Verifier(&oidc.Config{ClientID: pr.cfg.ClientID}).Verify(ctx, raw)
	if err != nil {
		return Claims{}, fmt.Errorf("ID token: %w", err)
	}
	if idt.Nonce != nonce {
		return Claims{}, errors.New("ID token: the nonce is not the one sent")
	}
	var c struct {
		Email         string   `json:"email"`
		EmailVerified *bool    `json:"email_verified"`
		Name          string   `json:"name"`
		Groups        []string `json:"groups"`
	}
	if err := idt.Claims(&c); err != nil {
		return Claims{}, fmt.Errorf("ID token claims: %w", err)
	}
	if c.Email == "" || c.EmailVerified == nil {
		info, err := op.UserInfo(ctx, oauth2.StaticTokenSource(tok))
		if err != nil {
			return Claims{}, fmt.Errorf("userinfo: %w", err)
		}
		if info.Subject != idt.Subject {
			return Claims{}, errors.New("userinfo: another subject than the ID token's")
		}
		if err := info.Claims(&c); err != nil {
			return Claims{}, fmt.Errorf("userinfo claims: %w", err)
		}
		c.Email = info.Email
		v := info.EmailVerified
		c.EmailVerified = &v
	}
	return Claims{Subject: idt.Subject, Email: c.Email, EmailVerified: c.EmailVerified != nil && *c.EmailVerified,
		Name: c.Name, Groups: c.Groups}, nil
}
