-- +goose Up
-- Accounts at identity providers (single sign-on) linked to Troupe users:
-- one row per provider and subject, the subject being the provider's
-- stable id for the person.
CREATE TABLE user_identities (
    provider   TEXT NOT NULL,
    subject    TEXT NOT NULL,
    user_id    TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    email      TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    last_used_at BIGINT NOT NULL,
    PRIMARY KEY (provider, subject)
);
CREATE INDEX user_identities_user ON user_identities (user_id);

-- +goose Down
DROP TABLE user_identities;
