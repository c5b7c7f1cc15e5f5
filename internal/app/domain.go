package app

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"strings"
	"time"

	"troupe/internal/store"
	"troupe/internal/troupe"
)

// taskCheckDomains re-checks the verified domains' DNS records.
const taskCheckDomains = "check_domains"

// Domain checks: each lookup gives up after dnsTimeout; a verified domain
// is checked again once its last check is domainRecheck old.
const (
	dnsTimeout    = 5 * time.Second
	domainRecheck = 24 * time.Hour
)

// newResolver returns the resolver of the DNS checks: the system's, or
// the server at addr (host:port) when set.
func newResolver(addr string) *net.Resolver {
	if addr == "" {
		return net.DefaultResolver
	}
	return &net.Resolver{PreferGo: true, Dial: func(ctx context.Context, network, _ string) (net.Conn, error) {
		var d net.Dialer
		return d.DialContext(ctx, network, addr)
	}}
}

// newDomainToken is a fresh random token for a workspace's domain.
func newDomainToken(string) string {
	var b [16]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// lookupDomain checks that domain publishes the TXT record of token and
// returns "" when it does, else why not (troupe.DomainNoRecord,
// DomainWrongToken or DomainDNSError).
func (a *App) lookupDomain(ctx context.Context, domain, token string) string {
	ctx, cancel := context.WithTimeout(ctx, dnsTimeout)
	defer cancel()
	records, err := a.resolver.LookupTXT(ctx, domain)
	var dnsErr *net.DNSError
	switch {
	case errors.As(err, &dnsErr) && dnsErr.IsNotFound:
		return troupe.DomainNoRecord
	case err != nil:
		a.log.WarnContext(ctx, "domain check: DNS lookup failed", "domain", domain, "err", err)
		return troupe.DomainDNSError
	}
	want, ours := troupe.DomainTXTPrefix+token, false
	for _, r := range records {
		r = strings.TrimSpace(r)
		if r == want {
			return ""
		}
		ours = ours || strings.HasPrefix(r, troupe.DomainTXTPrefix)
	}
	if ours {
		return troupe.DomainWrongToken
	}
	return troupe.DomainNoRecord
}

// findDomain returns the workspace's domain named domain.
func findDomain(states []troupe.DomainState, domain string) (troupe.DomainState, error) {
	domain = strings.ToLower(strings.TrimSpace(domain))
	for _, d := range states {
		if d.Domain == domain {
			return d, nil
		}
	}
	return troupe.DomainState{}, troupe.Errorf(troupe.CodeNotFound, "This workspace has no domain %s.", domain)
}

// ListDomains returns the workspace's domains and where their proof by
// DNS stands (for its members; the tokens are the Super Admins' to see,
// which WorkspaceView.Can.ManageWorkspace tells).
func (a *App) ListDomains(ctx context.Context, actor troupe.User, workspaceID string) (_ []troupe.DomainState, _ bool, opErr error) {
	defer wrap(&opErr, "list domains")
	q := a.db.Read()
	_, can, err := a.permissions(ctx, q, workspaceID, actor)
	if err != nil {
		return nil, false, err
	}
	states, err := q.ListDomainStates(ctx, workspaceID)
	return states, can.ManageWorkspace, err
}

// VerifyDomain checks the workspace's domain's TXT record at once (Super
// Admins only) and returns its state: verified, or why not.
func (a *App) VerifyDomain(ctx context.Context, actor troupe.User, workspaceID, domain string, c Client) (_ troupe.DomainState, opErr error) {
	defer wrap(&opErr, "verify domain")
	q := a.db.Read()
	_, can, err := a.permissions(ctx, q, workspaceID, actor)
	if err != nil {
		return troupe.DomainState{}, err
	}
	if err := allow(can.ManageWorkspace, "Only a Super Admin can verify the workspace's domains."); err != nil {
		return troupe.DomainState{}, err
	}
	states, err := q.ListDomainStates(ctx, workspaceID)
	if err != nil {
		return troupe.DomainState{}, err
	}
	d, err := findDomain(states, domain)
	if err != nil {
		return troupe.DomainState{}, err
	}
	// The lookup may take seconds: outside the transaction.
	reason := a.lookupDomain(ctx, d.Domain, d.Token)
	var out troupe.DomainState
	err = a.db.Tx(ctx, func(tx *store.Tx) error {
		states, err := tx.ListDomainStates(ctx, workspaceID)
		if err != nil {
			return err
		}
		now, err := findDomain(states, d.Domain)
		if err != nil || now.Token != d.Token { // removed, or removed and added again, meanwhile
			return troupe.Errorf(troupe.CodeNotFound, "This workspace has no domain %s.", d.Domain)
		}
		out, err = a.saveDomainCheck(ctx, tx, workspaceID, actor, now, reason, c)
		return err
	})
	return out, err
}

// saveDomainCheck records the outcome of a check (reason "" for passed):
// a pass verifies the domain; a failure on a verified domain unverifies it
// once troupe.DomainFailuresToUnverify checks in a row have failed, and
// tells the Super Admins.
func (a *App) saveDomainCheck(ctx context.Context, tx *store.Tx, workspaceID string, actor troupe.User, d troupe.DomainState, reason string, c Client) (troupe.DomainState, error) {
	now := a.now()
	d.CheckedAt, d.CheckError = &now, reason
	if reason == "" {
		d.Failures = 0
		if d.VerifiedAt == nil {
			d.VerifiedAt = &now
			if err := a.audit(ctx, tx, workspaceID, actor, "domain.verified", d.Domain, "", c); err != nil {
				return d, err
			}
		}
		return d, tx.SaveDomainCheck(ctx, workspaceID, d)
	}
	d.Failures++
	if d.VerifiedAt != nil && d.Failures >= troupe.DomainFailuresToUnverify {
		d.VerifiedAt = nil
		if err := a.audit(ctx, tx, workspaceID, actor, "domain.unverified", d.Domain, reason, c); err != nil {
			return d, err
		}
		w, err := tx.FindWorkspace(ctx, workspaceID)
		if err != nil {
			return d, err
		}
		if _, err := a.notifyAdmins(ctx, tx, workspaceID, NoteDomainUnverified, d.Domain,
			map[string]string{"workspace": w.Name, "domain": d.Domain}); err != nil {
			return d, err
		}
	}
	return d, tx.SaveDomainCheck(ctx, workspaceID, d)
}

// CheckDomains re-checks the verified domains whose last check is a day
// old, and returns how many it checked. A domain whose record is missing
// at troupe.DomainFailuresToUnverify daily checks in a row becomes
// unverified and its workspace's Super Admins are told.
func (a *App) CheckDomains(ctx context.Context) (_ int, opErr error) {
	defer wrap(&opErr, "check domains")
	const batch = 100
	total := 0
	for {
		due, err := a.db.Read().VerifiedDomainsCheckedBefore(ctx, a.now().Add(-domainRecheck), batch)
		if err != nil {
			return total, err
		}
		for _, d := range due {
			reason := a.lookupDomain(ctx, d.Domain, d.Token)
			err := a.db.Tx(ctx, func(tx *store.Tx) error {
				states, err := tx.ListDomainStates(ctx, d.WorkspaceID)
				if err != nil {
					return err
				}
				now, err := findDomain(states, d.Domain)
				if err != nil || now.Token != d.Token {
					return nil // removed meanwhile
				}
				_, err = a.saveDomainCheck(ctx, tx, d.WorkspaceID, troupe.User{}, now, reason, Client{})
				return err
			})
			if err != nil {
				return total, fmt.Errorf("domain %s: %w", d.Domain, err)
			}
			total++
		}
		if len(due) < batch {
			return total, nil
		}
	}
}

func (a *App) runCheckDomains(ctx context.Context, _ json.RawMessage) error {
	_, err := a.CheckDomains(ctx)
	return err
}
