package app

import (
	"context"
	"encoding/json"
	"errors"
	"time"

	"troupe/internal/mail"
	"troupe/internal/paths"
	"troupe/internal/store"
	"troupe/internal/troupe"
	"troupe/internal/webhook"
)

// WebhookConfig sets which endpoints webhooks may reach and how often a
// delivery is tried.
type WebhookConfig struct {
	// AllowHTTP accepts http:// endpoints, not only https://.
	AllowHTTP bool
	// AllowPrivate lets deliveries reach loopback, private and link-local
	// addresses (tests, on-premise targets).
	AllowPrivate bool
	// Retries are the delays between a delivery's attempts; nil is
	// DefaultWebhookRetries.
	Retries []time.Duration
}

// DefaultWebhookRetries spread a delivery's eight attempts over about a
// day: at once, then after 5 seconds, 5 and 30 minutes, 2, 5, 10 and 10
// hours.
var DefaultWebhookRetries = []time.Duration{5 * time.Second, 5 * time.Minute, 30 * time.Minute, 2 * time.Hour,
	5 * time.Hour, 10 * time.Hour, 10 * time.Hour}

// WebhookDisableAfter is how long an endpoint may fail, every attempt,
// before it is disabled and its creator told.
const WebhookDisableAfter = 72 * time.Hour

// NoteWebhookDisabled tells an endpoint's creator it was disabled.
const NoteWebhookDisabled = "webhook_disabled"

const (
	taskWebhookDeliver = "webhook.deliver"
	webhookSecretKey   = "webhook-secret"
	webhookDeliveries  = 50 // the deliveries a log shows
)

var errNoWebhook = troupe.Errorf(troupe.CodeNotFound, "There is no such webhook.")

const webhooksForbidden = "Webhooks are for Developers and Super Admins."

func (a *App) startWebhooks() {
	if a.cfg.Webhooks.Retries == nil {
		a.cfg.Webhooks.Retries = DefaultWebhookRetries
	}
	a.hooks = webhook.NewClient(a.cfg.Webhooks.AllowPrivate)
	a.queue.Handle(taskWebhookDeliver, a.runWebhookDelivery)
}

// Webhook is an endpoint as the page and the API show it; Secret is set
// only in the answer that creates it.
type Webhook struct {
	troupe.WebhookEndpoint
	Secret string
}

// WebhookInput is what registers an endpoint.
type WebhookInput struct {
	URL    string
	Events []string
}

// WebhookChange changes an endpoint; nil fields stay as they are.
type WebhookChange struct {
	URL     *string
	Events  *[]string
	Enabled *bool
}

// webhookManager checks that the actor manages the workspace's webhooks.
func (a *App) webhookManager(ctx context.Context, q *store.Queries, workspaceID string, actor troupe.User) error {
	_, can, err := a.permissions(ctx, q, workspaceID, actor)
	if err != nil {
		return err
	}
	return allow(can.ManageWebhooks, webhooksForbidden)
}

func (a *App) findWebhook(ctx context.Context, q *store.Queries, workspaceID, id string) (store.WebhookEndpointRecord, error) {
	e, err := q.FindWebhookEndpoint(ctx, workspaceID, id)
	if troupe.ErrorCode(err) == troupe.CodeNotFound {
		return e, errNoWebhook
	}
	return e, err
}

// CreateWebhook registers an endpoint for a workspace's events
// (Developers and Super Admins). Its signing secret is shown once; it is
// kept sealed, to sign each delivery.
func (a *App) CreateWebhook(ctx context.Context, actor troupe.User, workspaceID string, in WebhookInput, c Client) (_ Webhook, opErr error) {
	defer wrap(&opErr, "create webhook")
	var v troupe.Validation
	events := troupe.ValidateWebhookEndpoint(&v, in.URL, in.Events, a.cfg.Webhooks.AllowHTTP)
	if err := a.webhookManager(ctx, a.db.Read(), workspaceID, actor); err != nil {
		return Webhook{}, err
	}
	if err := v.Err(); err != nil {
		return Webhook{}, err
	}
	seal, err := a.sealer(ctx, webhookSecretKey)
	if err != nil {
		return Webhook{}, err
	}
	now := a.now()
	e := troupe.WebhookEndpoint{ID: newID(), WorkspaceID: workspaceID, URL: in.URL, Events: events, Enabled: true,
		CreatedBy: actor.ID, CreatedAt: now, UpdatedAt: now}
	secret := webhook.NewSecret()
	err = a.db.Tx(ctx, func(tx *store.Tx) error {
		if err := a.webhookManager(ctx, &tx.Queries, workspaceID, actor); err != nil {
			return err
		}
		if err := tx.CreateWebhookEndpoint(ctx, store.WebhookEndpointRecord{WebhookEndpoint: e,
			SecretSealed: seal.seal(e.ID, secret)}); err != nil {
			return err
		}
		return a.audit(ctx, tx, workspaceID, actor, "webhook.create", e.ID, e.URL, c)
	})
	if err != nil {
		return Webhook{}, err
	}
	return Webhook{WebhookEndpoint: e, Secret: secret}, nil
}

// ListWebhooks lists a workspace's endpoints, with the state of each one's
// newest delivery.
func (a *App) ListWebhooks(ctx context.Context, actor troupe.User, workspaceID string) (_ []troupe.WebhookEndpoint, opErr error) {
	defer wrap(&opErr, "list webhooks")
	q := a.db.Read()
	if err := a.webhookManager(ctx, q, workspaceID, actor); err != nil {
		return nil, err
	}
	return q.ListWebhookEndpoints(ctx, workspaceID)
}

// GetWebhook returns one endpoint.
func (a *App) GetWebhook(ctx context.Context, actor troupe.User, workspaceID, id string) (_ troupe.WebhookEndpoint, opErr error) {
	defer wrap(&opErr, "get webhook")
	q := a.db.Read()
	if err := a.webhookManager(ctx, q, workspaceID, actor); err != nil {
		return troupe.WebhookEndpoint{}, err
	}
	e, err := a.findWebhook(ctx, q, workspaceID, id)
	return e.WebhookEndpoint, err
}

// UpdateWebhook changes an endpoint's URL, events or enabled state.
// Enabling it again forgets its past failures.
func (a *App) UpdateWebhook(ctx context.Context, actor troupe.User, workspaceID, id string, ch WebhookChange, c Client) (_ troupe.WebhookEndpoint, opErr error) {
	defer wrap(&opErr, "update webhook")
	var out troupe.WebhookEndpoint
	err := a.db.Tx(ctx, func(tx *store.Tx) error {
		if err := a.webhookManager(ctx, &tx.Queries, workspaceID, actor); err != nil {
			return err
		}
		rec, err := a.findWebhook(ctx, &tx.Queries, workspaceID, id)
		if err != nil {
			return err
		}
		e := rec.WebhookEndpoint
		if ch.URL != nil {
			e.URL = *ch.URL
		}
		events := e.Events
		if ch.Events != nil {
			events = *ch.Events
		}
		if ch.Enabled != nil {
			e.Enabled = *ch.Enabled
		}
		var v troupe.Validation
		e.Events = troupe.ValidateWebhookEndpoint(&v, e.URL, events, a.cfg.Webhooks.AllowHTTP || (ch.URL == nil && rec.URL == e.URL))
		if err := v.Err(); err != nil {
			return err
		}
		if err := tx.UpdateWebhookEndpoint(ctx, e, a.now()); err != nil {
			return err
		}
		saved, err := tx.FindWebhookEndpoint(ctx, workspaceID, id)
		if err != nil {
			return err
		}
		out = saved.WebhookEndpoint
		return a.audit(ctx, tx, workspaceID, actor, "webhook.update", id, e.URL, c)
	})
	return out, err
}

// DeleteWebhook removes an endpoint and its delivery log.
func (a *App) DeleteWebhook(ctx context.Context, actor troupe.User, workspaceID, id string, c Client) (opErr error) {
	defer wrap(&opErr, "delete webhook")
	return a.db.Tx(ctx, func(tx *store.Tx) error {
		if err := a.webhookManager(ctx, &tx.Queries, workspaceID, actor); err != nil {
			return err
		}
		e, err := a.findWebhook(ctx, &tx.Queries, workspaceID, id)
		if err != nil {
			return err
		}
		if err := tx.DeleteWebhookEndpoint(ctx, workspaceID, id); err != nil {
			return err
		}
		return a.audit(ctx, tx, workspaceID, actor, "webhook.delete", id, e.URL, c)
	})
}

// ListWebhookDeliveries returns an endpoint's newest deliveries.
func (a *App) ListWebhookDeliveries(ctx context.Context, actor troupe.User, workspaceID, id string) (_ []troupe.WebhookDelivery, opErr error) {
	defer wrap(&opErr, "list webhook deliveries")
	q := a.db.Read()
	if err := a.webhookManager(ctx, q, workspaceID, actor); err != nil {
		return nil, err
	}
	if _, err := a.findWebhook(ctx, q, workspaceID, id); err != nil {
		return nil, err
	}
	return q.ListWebhookDeliveries(ctx, id, webhookDeliveries)
}

// SendTestWebhook sends a webhook.test event to one endpoint, enabled or
// not, so it can be checked before it is trusted again.
func (a *App) SendTestWebhook(ctx context.Context, actor troupe.User, workspaceID, id string) (_ troupe.WebhookDelivery, opErr error) {
	defer wrap(&opErr, "send test webhook")
	var out troupe.WebhookDelivery
	err := a.db.Tx(ctx, func(tx *store.Tx) error {
		if err := a.webhookManager(ctx, &tx.Queries, workspaceID, actor); err != nil {
			return err
		}
		e, err := a.findWebhook(ctx, &tx.Queries, workspaceID, id)
		if err != nil {
			return err
		}
		out, err = a.enqueueDelivery(ctx, tx, e, troupe.EventWebhookTest,
			map[string]any{"webhook_id": e.ID, "url": e.URL, "sent_by": actor.ID})
		return err
	})
	return out, err
}

// RedeliverWebhook sends a delivery again now, with the same event id and
// body; its attempts go on counting.
func (a *App) RedeliverWebhook(ctx context.Context, actor troupe.User, workspaceID, id, deliveryID string) (_ troupe.WebhookDelivery, opErr error) {
	defer wrap(&opErr, "redeliver webhook")
	var out troupe.WebhookDelivery
	err := a.db.Tx(ctx, func(tx *store.Tx) error {
		if err := a.webhookManager(ctx, &tx.Queries, workspaceID, actor); err != nil {
			return err
		}
		if _, err := a.findWebhook(ctx, &tx.Queries, workspaceID, id); err != nil {
			return err
		}
		d, err := tx.FindWebhookDelivery(ctx, deliveryID)
		if troupe.ErrorCode(err) == troupe.CodeNotFound || (err == nil && d.EndpointID != id) {
			return troupe.Errorf(troupe.CodeNotFound, "There is no such delivery.")
		}
		if err != nil {
			return err
		}
		now := a.now()
		if err := tx.ScheduleWebhookDelivery(ctx, d.ID, now); err != nil {
			return err
		}
		d.Status, d.NextAttemptAt = troupe.DeliveryPending, &now
		out = d
		return a.queue.EnqueueTask(ctx, tx, taskWebhookDeliver, deliverTask{Delivery: d.ID, Attempt: d.Attempts, Forced: true})
	})
	return out, err
}

// deliverTask is one attempt of a delivery: Attempt is the number of
// attempts made before it, so that a task overtaken by another attempt
// (a redelivery) does nothing. Forced sends even to a disabled endpoint.
type deliverTask struct {
	Delivery string `json:"delivery"`
	Attempt  int    `json:"attempt"`
	Forced   bool   `json:"forced,omitempty"`
}

// webhookBody is the JSON body of a delivery.
type webhookBody struct {
	Type        string    `json:"type"`
	Timestamp   time.Time `json:"timestamp"`
	WorkspaceID string    `json:"workspace_id"`
	Data        any       `json:"data"`
}

// emit records an event of a workspace inside the transaction that causes
// it: one delivery per enabled endpoint subscribed to it, each sent once
// tx commits.
func (a *App) emit(ctx context.Context, tx *store.Tx, workspaceID, event string, data any) error {
	eps, err := tx.SubscribedWebhookEndpoints(ctx, workspaceID, event)
	if err != nil {
		return err
	}
	for _, e := range eps {
		if _, err := a.enqueueDelivery(ctx, tx, e, event, data); err != nil {
			return err
		}
	}
	return nil
}

// emitAbout is emit for an event about item itemID: it goes only to the
// endpoints whose creator can see the item, so that a webhook carries
// nothing its owner could not read in the app (an endpoint without a
// creator, who has left, gets nothing).
func (a *App) emitAbout(ctx context.Context, tx *store.Tx, workspaceID, itemID, event string, data any) error {
	eps, err := tx.SubscribedWebhookEndpoints(ctx, workspaceID, event)
	if err != nil {
		return err
	}
	for _, e := range eps {
		if e.CreatedBy == "" {
			continue
		}
		owner, err := tx.FindUserByID(ctx, e.CreatedBy)
		if troupe.ErrorCode(err) == troupe.CodeNotFound {
			continue
		}
		if err != nil {
			return err
		}
		switch _, _, err := a.access(ctx, &tx.Queries, owner.User, itemID); troupe.ErrorCode(err) {
		case troupe.CodeNotFound, troupe.CodeForbidden, troupe.CodeTwoFactorRequired:
			continue
		default:
			if err != nil {
				return err
			}
		}
		if _, err := a.enqueueDelivery(ctx, tx, e, event, data); err != nil {
			return err
		}
	}
	return nil
}

func (a *App) enqueueDelivery(ctx context.Context, tx *store.Tx, e store.WebhookEndpointRecord, event string, data any) (troupe.WebhookDelivery, error) {
	now := a.now()
	id := "msg_" + newID()
	body, err := json.Marshal(webhookBody{Type: event, Timestamp: now, WorkspaceID: e.WorkspaceID, Data: data})
	if err != nil {
		return troupe.WebhookDelivery{}, err
	}
	d := troupe.WebhookDelivery{ID: id, EndpointID: e.ID, WorkspaceID: e.WorkspaceID, Event: event, Payload: string(body),
		Status: troupe.DeliveryPending, CreatedAt: now, NextAttemptAt: &now}
	if err := tx.CreateWebhookDelivery(ctx, d); err != nil {
		return troupe.WebhookDelivery{}, err
	}
	return d, a.queue.EnqueueTask(ctx, tx, taskWebhookDeliver, deliverTask{Delivery: id, Forced: event == troupe.EventWebhookTest})
}

// runWebhookDelivery makes one attempt of a delivery and records it; on
// failure it schedules the next attempt, and disables an endpoint that
// has failed for WebhookDisableAfter. A failed attempt is no task error:
// the delivery keeps its own schedule.
func (a *App) runWebhookDelivery(ctx context.Context, payload json.RawMessage) error {
	var t deliverTask
	if err := json.Unmarshal(payload, &t); err != nil {
		return err
	}
	q := a.db.Read()
	d, err := q.FindWebhookDelivery(ctx, t.Delivery)
	if troupe.ErrorCode(err) == troupe.CodeNotFound {
		return nil // its endpoint was deleted
	}
	if err != nil {
		return err
	}
	if d.Status != troupe.DeliveryPending || d.Attempts != t.Attempt {
		return nil
	}
	e, err := q.FindWebhookEndpoint(ctx, d.WorkspaceID, d.EndpointID)
	if troupe.ErrorCode(err) == troupe.CodeNotFound {
		return nil
	}
	if err != nil {
		return err
	}
	if !e.Enabled && !t.Forced {
		d.Status, d.NextAttemptAt, d.Error = troupe.DeliveryFailed, nil, "The endpoint is disabled."
		return a.db.Tx(ctx, func(tx *store.Tx) error { return tx.RecordWebhookAttempt(ctx, d) })
	}
	seal, err := a.sealer(ctx, webhookSecretKey)
	if err != nil {
		return err
	}
	secret, err := seal.open(e.ID, e.SecretSealed)
	if err != nil {
		return err
	}
	now := a.now()
	res := webhook.Send(ctx, a.hooks, webhook.Message{URL: e.URL, ID: d.ID, Timestamp: now, Body: []byte(d.Payload), Secret: secret})
	d.Attempts++
	d.LastAttemptAt = &now
	d.ResponseStatus, d.ResponseExcerpt, d.LatencyMS, d.Error = res.Status, res.Excerpt, res.Latency.Milliseconds(), ""
	if res.Err != nil {
		d.Error = deliveryError(res.Err)
	}
	d.NextAttemptAt = nil
	switch {
	case res.OK():
		d.Status = troupe.DeliverySucceeded
	case d.Attempts <= len(a.cfg.Webhooks.Retries):
		next := now.Add(a.cfg.Webhooks.Retries[d.Attempts-1])
		d.NextAttemptAt = &next
	default:
		d.Status = troupe.DeliveryFailed
	}
	return a.db.Tx(ctx, func(tx *store.Tx) error {
		cur, err := tx.FindWebhookDelivery(ctx, d.ID)
		if troupe.ErrorCode(err) == troupe.CodeNotFound {
			return nil
		}
		if err != nil {
			return err
		}
		if cur.Attempts != t.Attempt {
			return nil // another attempt was recorded meanwhile
		}
		if err := tx.RecordWebhookAttempt(ctx, d); err != nil {
			return err
		}
		if res.OK() {
			return tx.MarkWebhookEndpointHealthy(ctx, e.ID)
		}
		if d.NextAttemptAt != nil {
			// Real time, not the app's clock: the queue schedules by it.
			at := time.Now().Add(d.NextAttemptAt.Sub(now))
			if err := a.queue.EnqueueTaskAt(ctx, tx, taskWebhookDeliver, deliverTask{Delivery: d.ID, Attempt: d.Attempts}, at); err != nil {
				return err
			}
		}
		return a.failingWebhook(ctx, tx, e, now)
	})
}

// deliveryError says what went wrong without the request's details.
func deliveryError(err error) string {
	switch {
	case errors.Is(err, webhook.ErrForbiddenAddress):
		return "The endpoint's address is not public."
	case errors.Is(err, context.DeadlineExceeded):
		return "The endpoint did not answer in time."
	}
	s := err.Error()
	if len(s) > 300 {
		s = s[:300]
	}
	return s
}

// failingWebhook records a failed attempt; past WebhookDisableAfter of
// failures it disables the endpoint and tells its creator.
func (a *App) failingWebhook(ctx context.Context, tx *store.Tx, e store.WebhookEndpointRecord, now time.Time) error {
	since, err := tx.MarkWebhookEndpointFailing(ctx, e.ID, now)
	if err != nil {
		return err
	}
	if now.Sub(since) < WebhookDisableAfter || !e.Enabled {
		return nil
	}
	disabled, err := tx.AutoDisableWebhookEndpoint(ctx, e.ID, now)
	if err != nil || !disabled {
		return err
	}
	if err := tx.FailPendingWebhookDeliveries(ctx, e.ID); err != nil {
		return err
	}
	a.log.WarnContext(ctx, "a webhook endpoint failed for three days and was disabled", "workspace", e.WorkspaceID, "webhook", e.ID)
	if e.CreatedBy == "" {
		return nil
	}
	creator, err := tx.FindUserByID(ctx, e.CreatedBy)
	if troupe.ErrorCode(err) == troupe.CodeNotFound {
		return nil
	}
	if err != nil {
		return err
	}
	path := paths.Webhooks(e.WorkspaceID)
	if err := a.notify(ctx, tx, creator.ID, e.WorkspaceID, NoteWebhookDisabled, e.ID, map[string]string{"url": e.URL}); err != nil {
		return err
	}
	return a.mailMember(ctx, tx, creator.User, mail.Email{Kind: NoteWebhookDisabled, Lang: mailLang(creator.Locale, Client{}),
		Path: path, Params: []any{"url", e.URL}})
}

// memberEvent is the data of a member's event: who, their role, and the
// extra facts given as name and value pairs.
func memberEvent(u troupe.User, role troupe.Role, kv ...any) map[string]any {
	m := map[string]any{"user_id": u.ID, "name": u.Name, "email": u.Email, "role": role}
	for i := 0; i+1 < len(kv); i += 2 {
		m[kv[i].(string)] = kv[i+1]
	}
	return m
}

// itemEvent is the data of an item's event, with the extra facts given
// as name and value pairs.
func itemEvent(id string, kind troupe.Kind, name, parentID string, kv ...any) map[string]any {
	m := map[string]any{"id": id, "kind": kind, "name": name, "parent_id": parentID}
	for i := 0; i+1 < len(kv); i += 2 {
		m[kv[i].(string)] = kv[i+1]
	}
	return m
}

// emitProcessed sends video.processed when a video's processing ends,
// ready or failed.
func (a *App) emitProcessed(ctx context.Context, tx *store.Tx, it troupe.Item, p troupe.Processing) error {
	if it.Kind != troupe.KindVideo || (p.State != troupe.ProcessingReady && p.State != troupe.ProcessingFailed) {
		return nil
	}
	return a.emitAbout(ctx, tx, it.WorkspaceID, it.ID, troupe.EventVideoProcessed, itemEvent(it.ID, it.Kind, it.Name, it.ParentID,
		"state", p.State, "error", p.Error))
}
