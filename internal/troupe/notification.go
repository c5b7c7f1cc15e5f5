package troupe

import "time"

// Notification is one entry of a user's notifications panel. Data holds
// the kind's details as JSON.
type Notification struct {
	ID          string
	UserID      string
	WorkspaceID string
	Kind        string
	SubjectID   string
	Data        string
	CreatedAt   time.Time
	ReadAt      *time.Time
}
