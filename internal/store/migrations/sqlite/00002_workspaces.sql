-- +goose Up
CREATE TABLE workspaces (
    id                 TEXT PRIMARY KEY,
    name               TEXT NOT NULL,
    description        TEXT NOT NULL DEFAULT '',
    join_policy        TEXT NOT NULL,
    who_can_invite     TEXT NOT NULL,
    invite_link_policy TEXT NOT NULL,
    default_access     TEXT NOT NULL,
    downloads          TEXT NOT NULL,
    publishing         TEXT NOT NULL,
    plan               TEXT NOT NULL,
    seats              INTEGER NOT NULL,
    created_at         BIGINT NOT NULL,
    updated_at         BIGINT NOT NULL
);

CREATE TABLE workspace_domains (
    workspace_id TEXT NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    domain       TEXT NOT NULL,
    created_at   BIGINT NOT NULL,
    PRIMARY KEY (workspace_id, domain)
);
CREATE INDEX workspace_domains_domain ON workspace_domains (domain);

CREATE TABLE members (
    workspace_id TEXT NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    user_id      TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    role         TEXT NOT NULL,
    joined_at    BIGINT NOT NULL,
    PRIMARY KEY (workspace_id, user_id)
);
CREATE INDEX members_user ON members (user_id);
CREATE INDEX members_role ON members (workspace_id, role, joined_at);

CREATE TABLE invitations (
    id           TEXT PRIMARY KEY,
    workspace_id TEXT NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    email        TEXT NOT NULL,
    email_norm   TEXT NOT NULL,
    role         TEXT NOT NULL,
    inviter_id   TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    token_hash   TEXT NOT NULL UNIQUE,
    status       TEXT NOT NULL,
    created_at   BIGINT NOT NULL,
    expires_at   BIGINT NOT NULL,
    updated_at   BIGINT NOT NULL
);
CREATE UNIQUE INDEX invitations_pending ON invitations (workspace_id, email_norm) WHERE status = 'pending';
CREATE INDEX invitations_email ON invitations (email_norm, status);
CREATE INDEX invitations_workspace ON invitations (workspace_id, status, created_at);

CREATE TABLE audit_log (
    id           TEXT PRIMARY KEY,
    workspace_id TEXT NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    actor_id     TEXT NOT NULL DEFAULT '',
    action       TEXT NOT NULL,
    target       TEXT NOT NULL DEFAULT '',
    detail       TEXT NOT NULL DEFAULT '',
    ip           TEXT NOT NULL DEFAULT '',
    created_at   BIGINT NOT NULL
);
CREATE INDEX audit_log_workspace ON audit_log (workspace_id, created_at, id);

-- +goose Down
DROP TABLE audit_log;
DROP TABLE invitations;
DROP TABLE members;
DROP TABLE workspace_domains;
DROP TABLE workspaces;
