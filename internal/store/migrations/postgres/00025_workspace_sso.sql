-- +goose Up
-- A workspace's single sign-on: the provider its members at its verified
-- domains sign in with, whether they must (a Super Admin with two-factor
-- may keep the password as a way in when break_glass), and the roles the
-- provider's groups give, with a default.
CREATE TABLE workspace_sso (
    workspace_id TEXT PRIMARY KEY REFERENCES workspaces (id) ON DELETE CASCADE,
    provider     TEXT NOT NULL,
    required     INTEGER NOT NULL DEFAULT 0,
    break_glass  INTEGER NOT NULL DEFAULT 1,
    default_role TEXT NOT NULL DEFAULT '',
    group_roles  TEXT NOT NULL DEFAULT '{}',
    updated_at   BIGINT NOT NULL
);
CREATE INDEX workspace_sso_provider ON workspace_sso (provider);

-- +goose Down
DROP TABLE workspace_sso;
