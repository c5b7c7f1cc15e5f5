-- +goose Up
-- The invite link's token, sealed with a server key (AES-256-GCM), so
-- those who may manage the link can copy it again at any time. Lookup
-- stays by the token's hash; links made before have none and show their
-- address again only once reset.
ALTER TABLE invite_links ADD COLUMN token_sealed TEXT;

-- +goose Down
ALTER TABLE invite_links DROP COLUMN token_sealed;
