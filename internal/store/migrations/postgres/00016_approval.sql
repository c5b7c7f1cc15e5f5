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

-- Every instance's cache of public pages hears when a workspace's
-- approval setting changes, as it does for publishing and downloads.
DROP TRIGGER workspaces_notify_public ON workspaces;
CREATE TRIGGER workspaces_notify_public AFTER UPDATE ON workspaces
    FOR EACH ROW WHEN (OLD.publishing IS DISTINCT FROM NEW.publishing OR OLD.downloads IS DISTINCT FROM NEW.downloads
        OR OLD.approval IS DISTINCT FROM NEW.approval)
    EXECUTE FUNCTION troupe_notify_public();

-- +goose Down
DROP TRIGGER workspaces_notify_public ON workspaces;
CREATE TRIGGER workspaces_notify_public AFTER UPDATE ON workspaces
    FOR EACH ROW WHEN (OLD.publishing IS DISTINCT FROM NEW.publishing OR OLD.downloads IS DISTINCT FROM NEW.downloads)
    EXECUTE FUNCTION troupe_notify_public();
DROP TABLE approval_reviewers;
DROP TABLE approval_requests;
ALTER TABLE items DROP COLUMN approval_status;
ALTER TABLE workspaces DROP COLUMN approval_rule;
ALTER TABLE workspaces DROP COLUMN approval;
