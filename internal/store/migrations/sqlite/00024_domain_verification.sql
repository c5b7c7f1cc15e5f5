-- +goose Up
-- A company domain counts (auto-join, discovery, suggestions) only once
-- proven by a DNS TXT record carrying its token. Domains added before
-- start unverified, each with a token of its own.
ALTER TABLE workspace_domains ADD COLUMN token TEXT NOT NULL DEFAULT '';
ALTER TABLE workspace_domains ADD COLUMN verified_at BIGINT;
ALTER TABLE workspace_domains ADD COLUMN checked_at BIGINT;
ALTER TABLE workspace_domains ADD COLUMN check_error TEXT NOT NULL DEFAULT '';
ALTER TABLE workspace_domains ADD COLUMN failures INTEGER NOT NULL DEFAULT 0;
UPDATE workspace_domains SET token = lower(hex(randomblob(16)));
CREATE INDEX workspace_domains_verified ON workspace_domains (verified_at);

-- +goose Down
DROP INDEX workspace_domains_verified;
ALTER TABLE workspace_domains DROP COLUMN failures;
ALTER TABLE workspace_domains DROP COLUMN check_error;
ALTER TABLE workspace_domains DROP COLUMN checked_at;
ALTER TABLE workspace_domains DROP COLUMN verified_at;
ALTER TABLE workspace_domains DROP COLUMN token;
