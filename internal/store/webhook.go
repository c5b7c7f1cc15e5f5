package store

import (
	"context"
	"database/sql"
	"strings"
	"time"

	"troupe/internal/troupe"
)

// WebhookEndpointRecord is an endpoint with its sealed secret.
type WebhookEndpointRecord struct {
	troupe.WebhookEndpoint
	SecretSealed string
}

const webhookEndpointColumns = `e.id, e.workspace_id, e.url, e.events, e.secret_sealed, e.enabled, e.auto_disabled,
	COALESCE(e.created_by, ''), e.created_at, e.updated_at, e.failing_since`

func scanWebhookEndpoint(row interface{ Scan(...any) error }) (WebhookEndpointRecord, error) {
	var r WebhookEndpointRecord
	var events string
	var enabled, auto int
	var created, updated int64
	var failing sql.NullInt64
	if err := row.Scan(&r.ID, &r.WorkspaceID, &r.URL, &events, &r.SecretSealed, &enabled, &auto, &r.CreatedBy,
		&created, &updated, &failing); err != nil {
		return WebhookEndpointRecord{}, translate(err)
	}
	r.Events = strings.Fields(events)
	r.Enabled, r.AutoDisabled = enabled == 1, auto == 1
	r.CreatedAt, r.UpdatedAt = fromMillis(created), fromMillis(updated)
	if failing.Valid {
		t := fromMillis(failing.Int64)
		r.FailingSince = &t
	}
	return r, nil
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// CreateWebhookEndpoint stores a new endpoint.
func (q *Queries) CreateWebhookEndpoint(ctx context.Context, e WebhookEndpointRecord) error {
	var by any
	if e.CreatedBy != "" {
		by = e.CreatedBy
	}
	_, err := q.exec(ctx, `INSERT INTO webhook_endpoints (id, workspace_id, url, events, secret_sealed, enabled, created_by,
			created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		e.ID, e.WorkspaceID, e.URL, strings.Join(e.Events, " "), e.SecretSealed, boolInt(e.Enabled), by,
		millis(e.CreatedAt), millis(e.UpdatedAt))
	return err
}

// FindWebhookEndpoint returns an endpoint of a workspace.
func (q *Queries) FindWebhookEndpoint(ctx context.Context, workspaceID, id string) (WebhookEndpointRecord, error) {
	return scanWebhookEndpoint(q.queryRow(ctx, `SELECT `+webhookEndpointColumns+` FROM webhook_endpoints e
		WHERE e.workspace_id = ? AND e.id = ?`, workspaceID, id))
}

// ListWebhookEndpoints returns a workspace's endpoints, oldest first,
// each with the state of its newest delivery.
func (q *Queries) ListWebhookEndpoints(ctx context.Context, workspaceID string) ([]troupe.WebhookEndpoint, error) {
	rows, err := q.query(ctx, `SELECT `+webhookEndpointColumns+`,
			COALESCE((SELECT d.status FROM webhook_deliveries d WHERE d.endpoint_id = e.id
				ORDER BY d.created_at DESC, d.id DESC LIMIT 1), '')
		FROM webhook_endpoints e WHERE e.workspace_id = ? ORDER BY e.created_at, e.id`, workspaceID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []troupe.WebhookEndpoint
	for rows.Next() {
		var last string
		r, err := scanWebhookEndpoint(scanSuffix{row: rows, suffix: []any{&last}})
		if err != nil {
			return nil, err
		}
		r.Last = last
		out = append(out, r.WebhookEndpoint)
	}
	return out, translate(rows.Err())
}

// SubscribedWebhookEndpoints returns the enabled endpoints of a workspace
// that receive event.
func (q *Queries) SubscribedWebhookEndpoints(ctx context.Context, workspaceID, event string) ([]WebhookEndpointRecord, error) {
	rows, err := q.query(ctx, `SELECT `+webhookEndpointColumns+` FROM webhook_endpoints e
		WHERE e.workspace_id = ? AND e.enabled = 1 ORDER BY e.created_at, e.id`, workspaceID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []WebhookEndpointRecord
	for rows.Next() {
		r, err := scanWebhookEndpoint(rows)
		if err != nil {
			return nil, err
		}
		if r.Subscribed(event) {
			out = append(out, r)
		}
	}
	return out, translate(rows.Err())
}

// UpdateWebhookEndpoint saves an endpoint's URL, events and enabled
// state; enabling it again forgets its failures.
func (q *Queries) UpdateWebhookEndpoint(ctx context.Context, e troupe.WebhookEndpoint, now time.Time) error {
	res, err := q.exec(ctx, `UPDATE webhook_endpoints SET url = ?, events = ?, enabled = ?, updated_at = ?,
			auto_disabled = CASE WHEN ? = 1 THEN 0 ELSE auto_disabled END,
			failing_since = CASE WHEN ? = 1 AND enabled = 0 THEN NULL ELSE failing_since END
		WHERE workspace_id = ? AND id = ?`,
		e.URL, strings.Join(e.Events, " "), boolInt(e.Enabled), millis(now), boolInt(e.Enabled), boolInt(e.Enabled),
		e.WorkspaceID, e.ID)
	if err != nil {
		return err
	}
	return mustAffect(res)
}

// DeleteWebhookEndpoint removes an endpoint and its deliveries.
func (q *Queries) DeleteWebhookEndpoint(ctx context.Context, workspaceID, id string) error {
	res, err := q.exec(ctx, `DELETE FROM webhook_endpoints WHERE workspace_id = ? AND id = ?`, workspaceID, id)
	if err != nil {
		return err
	}
	return mustAffect(res)
}

// MarkWebhookEndpointFailing records a failed attempt at now: it sets
// failing_since if unset and returns it.
func (q *Queries) MarkWebhookEndpointFailing(ctx context.Context, id string, now time.Time) (time.Time, error) {
	if _, err := q.exec(ctx, `UPDATE webhook_endpoints SET failing_since = ? WHERE id = ? AND failing_since IS NULL`,
		millis(now), id); err != nil {
		return time.Time{}, err
	}
	var since sql.NullInt64
	if err := q.queryRow(ctx, `SELECT failing_since FROM webhook_endpoints WHERE id = ?`, id).Scan(&since); err != nil {
		return time.Time{}, translate(err)
	}
	return fromMillis(since.Int64), nil
}

// MarkWebhookEndpointHealthy forgets an endpoint's failures.
func (q *Queries) MarkWebhookEndpointHealthy(ctx context.Context, id string) error {
	_, err := q.exec(ctx, `UPDATE webhook_endpoints SET failing_since = NULL WHERE id = ? AND failing_since IS NOT NULL`, id)
	return err
}

// AutoDisableWebhookEndpoint disables an endpoint that failed too long;
// it reports false if the endpoint was already disabled.
func (q *Queries) AutoDisableWebhookEndpoint(ctx context.Context, id string, now time.Time) (bool, error) {
	res, err := q.exec(ctx, `UPDATE webhook_endpoints SET enabled = 0, auto_disabled = 1, updated_at = ?
		WHERE id = ? AND enabled = 1`, millis(now), id)
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n > 0, err
}

const webhookDeliveryColumns = `id, endpoint_id, workspace_id, event, payload, status, attempts, response_status, latency_ms,
	response_excerpt, error, created_at, last_attempt_at, next_attempt_at`

func scanWebhookDelivery(row interface{ Scan(...any) error }) (troupe.WebhookDelivery, error) {
	var d troupe.WebhookDelivery
	var created int64
	var last, next sql.NullInt64
	if err := row.Scan(&d.ID, &d.EndpointID, &d.WorkspaceID, &d.Event, &d.Payload, &d.Status, &d.Attempts,
		&d.ResponseStatus, &d.LatencyMS, &d.ResponseExcerpt, &d.Error, &created, &last, &next); err != nil {
		return troupe.WebhookDelivery{}, translate(err)
	}
	d.CreatedAt = fromMillis(created)
	if last.Valid {
		t := fromMillis(last.Int64)
		d.LastAttemptAt = &t
	}
	if next.Valid {
		t := fromMillis(next.Int64)
		d.NextAttemptAt = &t
	}
	return d, nil
}

func optMillis(t *time.Time) any {
	if t == nil {
		return nil
	}
	return millis(*t)
}

// CreateWebhookDelivery stores a delivery waiting for its first attempt.
func (q *Queries) CreateWebhookDelivery(ctx context.Context, d troupe.WebhookDelivery) error {
	_, err := q.exec(ctx, `INSERT INTO webhook_deliveries (id, endpoint_id, workspace_id, event, payload, status, created_at,
			next_attempt_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
		d.ID, d.EndpointID, d.WorkspaceID, d.Event, d.Payload, d.Status, millis(d.CreatedAt), optMillis(d.NextAttemptAt))
	return err
}

// FindWebhookDelivery returns a delivery by id.
func (q *Queries) FindWebhookDelivery(ctx context.Context, id string) (troupe.WebhookDelivery, error) {
	return scanWebhookDelivery(q.queryRow(ctx, `SELECT `+webhookDeliveryColumns+` FROM webhook_deliveries WHERE id = ?`, id))
}

// ListWebhookDeliveries returns an endpoint's newest deliveries first.
func (q *Queries) ListWebhookDeliveries(ctx context.Context, endpointID string, limit int) ([]troupe.WebhookDelivery, error) {
	rows, err := q.query(ctx, `SELECT `+webhookDeliveryColumns+` FROM webhook_deliveries WHERE endpoint_id = ?
		ORDER BY created_at DESC, id DESC LIMIT ?`, endpointID, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []troupe.WebhookDelivery
	for rows.Next() {
		d, err := scanWebhookDelivery(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, d)
	}
	return out, translate(rows.Err())
}

// RecordWebhookAttempt saves the outcome of an attempt: its attempt count,
// status and, for a retry, when it comes.
func (q *Queries) RecordWebhookAttempt(ctx context.Context, d troupe.WebhookDelivery) error {
	_, err := q.exec(ctx, `UPDATE webhook_deliveries SET status = ?, attempts = ?, response_status = ?, latency_ms = ?,
			response_excerpt = ?, error = ?, last_attempt_at = ?, next_attempt_at = ? WHERE id = ?`,
		d.Status, d.Attempts, d.ResponseStatus, d.LatencyMS, d.ResponseExcerpt, d.Error, optMillis(d.LastAttemptAt),
		optMillis(d.NextAttemptAt), d.ID)
	return err
}

// ScheduleWebhookDelivery makes a delivery pending again, due at next
// (a redelivery); its attempts go on counting.
func (q *Queries) ScheduleWebhookDelivery(ctx context.Context, id string, next time.Time) error {
	res, err := q.exec(ctx, `UPDATE webhook_deliveries SET status = 'pending', next_attempt_at = ? WHERE id = ?`, millis(next), id)
	if err != nil {
		return err
	}
	return mustAffect(res)
}

// FailPendingWebhookDeliveries gives up the pending deliveries of an
// endpoint (it was disabled).
func (q *Queries) FailPendingWebhookDeliveries(ctx context.Context, endpointID string) error {
	_, err := q.exec(ctx, `UPDATE webhook_deliveries SET status = 'failed', next_attempt_at = NULL
		WHERE endpoint_id = ? AND status = 'pending'`, endpointID)
	return err
}
