-- +goose Up
-- A published video's links: each with its own unguessable slug, label,
-- password, expiry, download switch and embedding. Publishing makes the
-- default link (is_default), unpublishing revokes them all. items.public_slug
-- keeps the slug of the link a video is known by (the default, else the
-- oldest), so that lists and access summaries tell a published video
-- without a join. views counts the link's views, kept by the analytics.
CREATE TABLE video_links (
    id               TEXT PRIMARY KEY,
    item_id          TEXT NOT NULL REFERENCES items (id) ON DELETE CASCADE,
    workspace_id     TEXT NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    slug             TEXT NOT NULL UNIQUE,
    label            TEXT NOT NULL DEFAULT '',
    password_hash    TEXT NOT NULL DEFAULT '',
    password_version INTEGER NOT NULL DEFAULT 0,
    expires_at       BIGINT,
    allow_download   INTEGER NOT NULL DEFAULT 1,
    embed            TEXT NOT NULL DEFAULT 'off',
    embed_domains    TEXT NOT NULL DEFAULT '',
    is_default       INTEGER NOT NULL DEFAULT 0,
    views            BIGINT NOT NULL DEFAULT 0,
    created_by       TEXT REFERENCES users (id) ON DELETE SET NULL,
    created_at       BIGINT NOT NULL,
    updated_at       BIGINT NOT NULL
);
CREATE INDEX video_links_item ON video_links (item_id, created_at);
CREATE UNIQUE INDEX video_links_default ON video_links (item_id) WHERE is_default = 1;

-- What the workspace asks of links: a password on each, a longest expiry
-- in days (0: none), and whether they may be embedded in other sites.
ALTER TABLE workspaces ADD COLUMN link_password TEXT NOT NULL DEFAULT 'optional';
ALTER TABLE workspaces ADD COLUMN link_max_days INTEGER NOT NULL DEFAULT 0;
ALTER TABLE workspaces ADD COLUMN embedding TEXT NOT NULL DEFAULT 'allowed';

-- Every video published before links becomes its default link, with the
-- same slug, password and download switch; the link takes the video's id.
INSERT INTO video_links (id, item_id, workspace_id, slug, label, password_hash, password_version, expires_at,
        allow_download, embed, embed_domains, is_default, created_by, created_at, updated_at)
    SELECT id, id, workspace_id, public_slug, '', password_hash, password_version, NULL,
        allow_download, 'off', '', 1, owner_id, COALESCE(published_at, created_at), COALESCE(published_at, created_at)
    FROM items WHERE public_slug IS NOT NULL;

-- +goose Down
ALTER TABLE workspaces DROP COLUMN embedding;
ALTER TABLE workspaces DROP COLUMN link_max_days;
ALTER TABLE workspaces DROP COLUMN link_password;
DROP TABLE video_links;
