package troupe

import "time"

// RequestStatus is where a join request stands.
type RequestStatus string

// The join-request statuses.
const (
	RequestPending  RequestStatus = "pending"
	RequestApproved RequestStatus = "approved"
	RequestDenied   RequestStatus = "denied"
)

// JoinRequest is someone's request to join a workspace, waiting for a
// Super Admin when the workspace's policy is JoinByRequest.
type JoinRequest struct {
	ID          string
	WorkspaceID string
	User        User
	Via         JoinVia
	Role        Role // the role the link offered; approvers choose
	Status      RequestStatus
	CreatedAt   time.Time
	DecidedAt   *time.Time
}
