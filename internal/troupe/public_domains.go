package troupe

import (
	_ "embed"
	"strings"
)

//go:embed public_domains.txt
var publicDomainsText string

// publicDomains are mail providers anyone can sign up with; a workspace
// cannot claim them, and nobody is suggested or discovered through them.
var publicDomains = func() map[string]bool {
	m := map[string]bool{}
	for _, line := range strings.Split(publicDomainsText, "\n") {
		line = strings.TrimSpace(line)
		if line != "" && !strings.HasPrefix(line, "#") {
			m[strings.ToLower(line)] = true
		}
	}
	return m
}()

// IsPublicMailDomain reports whether domain belongs to a public mail
// provider.
func IsPublicMailDomain(domain string) bool {
	return publicDomains[strings.ToLower(strings.TrimSpace(domain))]
}

// ValidateDomain checks the shape of a company domain.
func ValidateDomain(v *Validation, field, d string) {
	if len(d) < 3 || len(d) > 253 || !strings.Contains(d, ".") || strings.HasPrefix(d, ".") || strings.HasSuffix(d, ".") {
		v.Add(field, "invalid_domain", "Enter a domain like example.com.")
		return
	}
	for _, r := range d {
		if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-' || r == '.') {
			v.Add(field, "invalid_domain", "Enter a domain like example.com.")
			return
		}
	}
}
