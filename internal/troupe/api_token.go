package troupe

import "time"

// APIToken is a member's token for the API in one workspace. Its secret
// is shown once when made; only the store holds its hash.
type APIToken struct {
	ID          string
	WorkspaceID string
	UserID      string
	Name        string
	Prefix      string // the secret's first characters, to recognise it
	// Scope is what the token may do, ExpiresAt when it stops working
	// (nil: until revoked).
	Scope      TokenScope
	ExpiresAt  *time.Time
	CreatedAt  time.Time
	LastUsedAt *time.Time
	OwnerName  string // filled when listing
	OwnerEmail string // filled when listing
}

// Expired reports whether the token has ended at now.
func (t APIToken) Expired(now time.Time) bool { return t.ExpiresAt != nil && !now.Before(*t.ExpiresAt) }

// TokenScope is what an API token may do, each scope holding the ones
// before it: reading, then changing content, then administering the
// workspace (members, invitations, settings, the audit log).
type TokenScope string

// The token scopes.
const (
	ScopeRead  TokenScope = "read"
	ScopeWrite TokenScope = "write"
	ScopeAdmin TokenScope = "admin"
)

var scopeRank = map[TokenScope]int{ScopeRead: 1, ScopeWrite: 2, ScopeAdmin: 3}

// Valid reports whether s is a known scope.
func (s TokenScope) Valid() bool { return scopeRank[s] > 0 }

// Allows reports whether a token of scope s may use a route that needs
// scope need.
func (s TokenScope) Allows(need TokenScope) bool { return scopeRank[s] >= scopeRank[need] }

// MayHoldScope reports whether a member of role may make a token of scope
// s: admin is for Super Admins only.
func MayHoldScope(role Role, s TokenScope) bool {
	return s.Valid() && (s != ScopeAdmin || role == RoleSuperAdmin)
}
