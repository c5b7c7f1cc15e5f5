-- +goose Up
-- Two-factor sign-in: whether an account has it (read with the user, as
-- every session is), its sealed TOTP secret (pending until the first code
-- confirms it) with the last time step used, and its recovery codes,
-- stored hashed. Workspaces may require it of their members from a date.
ALTER TABLE users ADD COLUMN two_factor BOOLEAN NOT NULL DEFAULT FALSE;

CREATE TABLE two_factor (
    user_id      TEXT PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    secret       TEXT NOT NULL,
    confirmed_at BIGINT,
    last_step    BIGINT NOT NULL DEFAULT 0,
    created_at   BIGINT NOT NULL
);

CREATE TABLE recovery_codes (
    user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    hash    TEXT NOT NULL,
    used_at BIGINT,
    PRIMARY KEY (user_id, hash)
);

ALTER TABLE workspaces ADD COLUMN require_two_factor TEXT NOT NULL DEFAULT 'off';
ALTER TABLE workspaces ADD COLUMN require_two_factor_at BIGINT;

-- +goose Down
ALTER TABLE workspaces DROP COLUMN require_two_factor_at;
ALTER TABLE workspaces DROP COLUMN require_two_factor;
DROP TABLE recovery_codes;
DROP TABLE two_factor;
ALTER TABLE users DROP COLUMN two_factor;
