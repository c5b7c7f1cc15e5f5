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
	CreatedAt   time.Time
	LastUsedAt  *time.Time
	OwnerName   string // filled when listing
	OwnerEmail  string // filled when listing
}
