-- +goose Up
-- Approval before publishing: the workspace's setting and rule, each
-- item's current state (read by every list without a join), and the
-- current request with its reviewers (one request per item: a new one
-- replaces the old, whose story stays in the audit log).
ALTER TABLE workspaces ADD COLUMN approval TEXT NOT NULL DEFAULT 'off';
ALTER TABLE workspaces ADD COLUMN approval_rule TEXT NOT NULL DEFAULT 'any';
ALTER TABLE items ADD COLUMN approval_status TEXT NOT NULL DEFAULT 'none';

CREATE TABLE approval_requests (
    id           TEXT PRIMARY KEY,
    item_id      TEXT NOT NULL UNIQUE REFERENCES items (id) ON DELETE CASCADE,
    workspace_id TEXT NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    requested_by TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    message      TEXT NOT NULL DEFAULT '',
    created_at   BIGINT NOT NULL
);

CREATE TABLE approval_reviewers (
    request_id TEXT NOT NULL REFERENCES approval_requests (id) ON DELETE CASCADE,
    user_id    TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    decision   TEXT NOT NULL DEFAULT '',
    comment    TEXT NOT NULL DEFAULT '',
    decided_at BIGINT,
    PRIMARY KEY (request_id, user_id)
);
CREATE INDEX approval_reviewers_user ON approval_reviewers (user_id, decision);

-- +goose Down
DROP TABLE approval_reviewers;
DROP TABLE approval_requests;
ALTER TABLE items DROP COLUMN approval_status;
ALTER TABLE workspaces DROP COLUMN approval_rule;
ALTER TABLE workspaces DROP COLUMN approval;
