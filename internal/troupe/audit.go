package troupe

import "time"

// AuditEntry is one line of a workspace's append-only audit log.
type AuditEntry struct {
	ID          string
	WorkspaceID string
	ActorID     string
	ActorEmail  string // filled when listing
	Action      string // e.g. "member.role_change"
	Target      string
	Detail      string
	IP          string
	CreatedAt   time.Time
}

// AuditFilter narrows the audit log.
type AuditFilter struct {
	Action  string // prefix, e.g. "member." or "invitation.create"
	ActorID string
	Since   time.Time
	Until   time.Time
	Cursor  string
	Limit   int
}
