package troupe

import (
	"net/url"
	"slices"
	"strings"
	"time"
)

// The events a webhook endpoint may subscribe to, in the order the pages
// offer them.
const (
	EventMemberJoined       = "member.joined"
	EventMemberLeft         = "member.left"
	EventMemberRoleChanged  = "member.role_changed"
	EventInvitationAccepted = "invitation.accepted"
	EventJoinRequestCreated = "join_request.created"
	EventItemCreated        = "item.created"
	EventItemTrashed        = "item.trashed"
	EventVideoProcessed     = "video.processed"
	EventVideoPublished     = "video.published"
	EventVideoUnpublished   = "video.unpublished"
	EventCommentCreated     = "comment.created"
	EventApprovalDecided    = "approval.decided"
	// EventWebhookTest is sent by "Send test event" only; no endpoint
	// subscribes to it.
	EventWebhookTest = "webhook.test"
)

// WebhookEvents lists the events an endpoint may subscribe to.
var WebhookEvents = []string{
	EventMemberJoined, EventMemberLeft, EventMemberRoleChanged, EventInvitationAccepted, EventJoinRequestCreated,
	EventItemCreated, EventItemTrashed, EventVideoProcessed, EventVideoPublished, EventVideoUnpublished,
	EventCommentCreated, EventApprovalDecided,
}

// WebhookEndpoint is a URL of a workspace that receives its events.
type WebhookEndpoint struct {
	ID          string
	WorkspaceID string
	URL         string
	Events      []string
	Enabled     bool
	CreatedBy   string
	CreatedAt   time.Time
	UpdatedAt   time.Time
	// FailingSince is the first failed attempt since the last success.
	FailingSince *time.Time
	// AutoDisabled says the endpoint was disabled after failing too long.
	AutoDisabled bool
	// Last is the state of the newest delivery, "" for none.
	Last string
}

// Subscribed reports whether the endpoint receives event.
func (e WebhookEndpoint) Subscribed(event string) bool { return slices.Contains(e.Events, event) }

// The states of a delivery.
const (
	DeliveryPending   = "pending"   // waiting for its first or next attempt
	DeliverySucceeded = "succeeded" // the receiver answered 2xx
	DeliveryFailed    = "failed"    // every attempt failed, or the endpoint was disabled
)

// WebhookDelivery is one event sent (or to be sent) to one endpoint.
// Its ID is the event id the receiver sees in webhook-id, the same on
// every attempt.
type WebhookDelivery struct {
	ID          string
	EndpointID  string
	WorkspaceID string
	Event       string
	// Payload is the JSON body, fixed when the event happened.
	Payload   string
	Status    string
	Attempts  int
	CreatedAt time.Time
	// The last attempt: HTTP status (0 for none), latency, the first KiB
	// of the answer, or the network error.
	ResponseStatus  int
	LatencyMS       int64
	ResponseExcerpt string
	Error           string
	LastAttemptAt   *time.Time
	NextAttemptAt   *time.Time
}

// ValidateWebhookEndpoint checks an endpoint's URL and events; allowHTTP
// accepts plain http URLs. It returns the events without repeats, in the
// order of WebhookEvents.
func ValidateWebhookEndpoint(v *Validation, rawURL string, events []string, allowHTTP bool) []string {
	u, err := url.Parse(rawURL)
	switch {
	case err != nil || u.Host == "" || u.User != nil || len(rawURL) > 2000:
		v.Add("url", "invalid", "Enter the full address of the endpoint, such as https://example.com/hooks.")
	case u.Scheme == "https", u.Scheme == "http" && allowHTTP:
	default:
		v.Add("url", "https", "The endpoint's address must start with https://.")
	}
	var out []string
	for _, ev := range WebhookEvents {
		if slices.Contains(events, ev) {
			out = append(out, ev)
		}
	}
	for _, ev := range events {
		if !slices.Contains(WebhookEvents, ev) {
			v.Add("events", "invalid", "Unknown event: "+strings.TrimSpace(ev)+".")
			return out
		}
	}
	if len(out) == 0 {
		v.Add("events", "required", "Choose at least one event.")
	}
	return out
}
