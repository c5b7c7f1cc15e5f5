package troupe

import "time"

// DomainTXTPrefix starts the DNS TXT record that proves a workspace
// controls a company domain: "troupe-verification=<token>" at the domain
// itself.
const DomainTXTPrefix = "troupe-verification="

// DomainFailuresToUnverify is how many failed daily checks in a row turn
// a verified domain back to unverified: one failure may be a passing DNS
// hiccup, two in a row (a day apart) mean the record is gone.
const DomainFailuresToUnverify = 2

// Why a domain check failed.
const (
	DomainNoRecord   = "no_record"   // no troupe-verification record at the domain
	DomainWrongToken = "wrong_token" // a troupe-verification record, but not this workspace's
	DomainDNSError   = "dns_error"   // the lookup itself failed (timeout, server failure)
)

// DomainState is a company domain of a workspace and where its proof by
// DNS stands. Only a verified domain lets people of it in, find the
// workspace or be suggested.
type DomainState struct {
	Domain string
	// Token is this workspace's secret for this domain, published as
	// TXTRecord.
	Token      string
	VerifiedAt *time.Time
	CheckedAt  *time.Time
	// CheckError is why the last check failed ("" when it passed or none
	// ran); Failures counts the failed checks in a row.
	CheckError string
	Failures   int
}

// Verified reports whether the domain is proven.
func (d DomainState) Verified() bool { return d.VerifiedAt != nil }

// TXTRecord is the exact TXT record value to publish at the domain.
func (d DomainState) TXTRecord() string { return DomainTXTPrefix + d.Token }

// VerifiedDomains returns the workspace's verified domains.
func (w Workspace) VerifiedDomains() []string {
	var out []string
	for _, d := range w.DomainStates {
		if d.Verified() {
			out = append(out, d.Domain)
		}
	}
	return out
}
