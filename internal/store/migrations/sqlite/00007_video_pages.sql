-- +goose Up
-- A video's page: published under an unguessable slug (NULL while not
-- published), optionally behind a password whose version signed visitor
-- cookies carry, and with downloads allowed or not.
ALTER TABLE items ADD COLUMN public_slug TEXT;
ALTER TABLE items ADD COLUMN published_at BIGINT;
ALTER TABLE items ADD COLUMN password_hash TEXT NOT NULL DEFAULT '';
ALTER TABLE items ADD COLUMN password_version INTEGER NOT NULL DEFAULT 0;
ALTER TABLE items ADD COLUMN allow_download INTEGER NOT NULL DEFAULT 1;
CREATE UNIQUE INDEX items_public_slug ON items (public_slug) WHERE public_slug IS NOT NULL;

-- Caption tracks, one per video and language, stored as normalised WebVTT.
CREATE TABLE captions (
    item_id    TEXT NOT NULL REFERENCES items (id) ON DELETE CASCADE,
    lang       TEXT NOT NULL,
    label      TEXT NOT NULL,
    vtt        TEXT NOT NULL,
    cue_count  INTEGER NOT NULL,
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (item_id, lang)
);

-- Keys the instances share (the visitor-cookie signing key), made once.
CREATE TABLE server_keys (
    name       TEXT PRIMARY KEY,
    value      TEXT NOT NULL,
    created_at BIGINT NOT NULL
);

-- +goose Down
DROP TABLE server_keys;
DROP TABLE captions;
DROP INDEX items_public_slug;
ALTER TABLE items DROP COLUMN allow_download;
ALTER TABLE items DROP COLUMN password_version;
ALTER TABLE items DROP COLUMN password_hash;
ALTER TABLE items DROP COLUMN published_at;
ALTER TABLE items DROP COLUMN public_slug;
