-- +goose Up
-- What an API token may do (read, write or admin) and when it ends. Tokens
-- made before keep the rights they had: admin for their owner while a
-- Super Admin of the token's workspace, write otherwise.
ALTER TABLE api_tokens ADD COLUMN scope TEXT NOT NULL DEFAULT 'write';
ALTER TABLE api_tokens ADD COLUMN expires_at BIGINT;
UPDATE api_tokens SET scope = 'admin'
    WHERE EXISTS (SELECT 1 FROM members m
        WHERE m.workspace_id = api_tokens.workspace_id AND m.user_id = api_tokens.user_id AND m.role = 'super_admin');

-- +goose Down
ALTER TABLE api_tokens DROP COLUMN expires_at;
ALTER TABLE api_tokens DROP COLUMN scope;
