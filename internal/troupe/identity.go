package troupe

import "time"

// Identity is a person's account at an identity provider, linked to a
// Troupe user so that they sign in there (single sign-on).
type Identity struct {
	Provider   string
	Subject    string
	UserID     string
	Email      string
	CreatedAt  time.Time
	LastUsedAt time.Time
}
