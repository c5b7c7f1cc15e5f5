-- +goose Up
CREATE TABLE invite_links (
    workspace_id TEXT PRIMARY KEY REFERENCES workspaces (id) ON DELETE CASCADE,
    token_hash   TEXT NOT NULL UNIQUE,
    role         TEXT NOT NULL,
    enabled      BOOLEAN NOT NULL,
    expires_at   BIGINT,
    max_uses     INTEGER,
    uses         INTEGER NOT NULL DEFAULT 0,
    created_by   TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at   BIGINT NOT NULL,
    updated_at   BIGINT NOT NULL
);

CREATE TABLE join_requests (
    id           TEXT PRIMARY KEY,
    workspace_id TEXT NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    user_id      TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    via          TEXT NOT NULL,
    role         TEXT NOT NULL,
    status       TEXT NOT NULL,
    created_at   BIGINT NOT NULL,
    decided_at   BIGINT,
    decided_by   TEXT NOT NULL DEFAULT ''
);
CREATE UNIQUE INDEX join_requests_pending ON join_requests (workspace_id, user_id) WHERE status = 'pending';
CREATE INDEX join_requests_workspace ON join_requests (workspace_id, status, created_at);
CREATE INDEX join_requests_user ON join_requests (user_id, workspace_id, decided_at);

CREATE TABLE notifications (
    id           TEXT PRIMARY KEY,
    user_id      TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    workspace_id TEXT NOT NULL DEFAULT '',
    kind         TEXT NOT NULL,
    subject_id   TEXT NOT NULL DEFAULT '',
    data         TEXT NOT NULL DEFAULT '{}',
    created_at   BIGINT NOT NULL,
    read_at      BIGINT
);
CREATE INDEX notifications_user ON notifications (user_id, created_at, id);
CREATE INDEX notifications_created ON notifications (created_at);

CREATE TABLE api_tokens (
    id           TEXT PRIMARY KEY,
    workspace_id TEXT NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    user_id      TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name         TEXT NOT NULL,
    prefix       TEXT NOT NULL,
    token_hash   TEXT NOT NULL UNIQUE,
    created_at   BIGINT NOT NULL,
    last_used_at BIGINT,
    revoked_at   BIGINT
);
CREATE INDEX api_tokens_member ON api_tokens (workspace_id, user_id);

-- +goose Down
DROP TABLE api_tokens;
DROP TABLE notifications;
DROP TABLE join_requests;
DROP TABLE invite_links;
