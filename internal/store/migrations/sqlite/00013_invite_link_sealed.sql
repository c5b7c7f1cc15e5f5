-- +goose Up
-- The invite link's token, sealed with a server key (AES-256-GCM), so
-- those who may manage the link can copy it again at any time. Lookup
-- stays by the token's hash; links made before have none and show their
-- address again only once reset.
ALTER TABLE invite_links ADD COLUMN token_sealed TEXT;

-- When someone with an account was refused for lack of seats: their
-- pending invitation then waits, and the first seat that frees lets them
-- in, in the order they came.
ALTER TABLE invitations ADD COLUMN seat_wait_since BIGINT;
CREATE INDEX invitations_seat_wait ON invitations (workspace_id, seat_wait_since) WHERE seat_wait_since IS NOT NULL;

-- +goose Down
DROP INDEX invitations_seat_wait;
ALTER TABLE invitations DROP COLUMN seat_wait_since;
ALTER TABLE invite_links DROP COLUMN token_sealed;
