-- +goose Up
CREATE TABLE items (
    id              TEXT PRIMARY KEY,
    workspace_id    TEXT NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    kind            TEXT NOT NULL,
    name            TEXT NOT NULL,
    name_norm       TEXT NOT NULL,
    parent_id       TEXT REFERENCES items (id) ON DELETE CASCADE,
    owner_id        TEXT NOT NULL REFERENCES users (id),
    workspace_level INTEGER NOT NULL DEFAULT 0,
    script          TEXT NOT NULL DEFAULT '',
    document        TEXT NOT NULL DEFAULT '{}',
    description     TEXT NOT NULL DEFAULT '',
    media_key       TEXT NOT NULL DEFAULT '',
    media_type      TEXT NOT NULL DEFAULT '',
    size_bytes      BIGINT NOT NULL DEFAULT 0,
    duration_ms     BIGINT,
    poster_key      TEXT NOT NULL DEFAULT '',
    trashed_at      BIGINT,
    trash_root_id   TEXT,
    trashed_by      TEXT,
    created_at      BIGINT NOT NULL,
    updated_at      BIGINT NOT NULL
);
CREATE INDEX items_parent ON items (parent_id, name_norm);
CREATE INDEX items_root ON items (workspace_id, parent_id, name_norm);
CREATE INDEX items_updated ON items (workspace_id, updated_at, id);
CREATE INDEX items_name ON items (workspace_id, name_norm, id);
-- Search by part of a name: trigrams find the matches without reading
-- every name (pg_trgm ships with PostgreSQL and is a trusted extension).
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE INDEX items_name_trgm ON items USING gin (name_norm gin_trgm_ops);
CREATE INDEX items_owner ON items (owner_id, workspace_id);
CREATE INDEX items_trash_root ON items (trash_root_id);
CREATE INDEX items_trashed ON items (workspace_id, trashed_at) WHERE trash_root_id = id;

-- The closure of the folder tree: one row per (ancestor, descendant) pair,
-- the item itself included at depth 0.
CREATE TABLE item_tree (
    ancestor_id   TEXT NOT NULL REFERENCES items (id) ON DELETE CASCADE,
    descendant_id TEXT NOT NULL REFERENCES items (id) ON DELETE CASCADE,
    depth         INTEGER NOT NULL,
    PRIMARY KEY (descendant_id, ancestor_id)
);
CREATE INDEX item_tree_ancestor ON item_tree (ancestor_id, depth);

CREATE TABLE item_shares (
    item_id    TEXT NOT NULL REFERENCES items (id) ON DELETE CASCADE,
    user_id    TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    level      INTEGER NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (item_id, user_id)
);
CREATE INDEX item_shares_user ON item_shares (user_id, created_at);

-- +goose Down
DROP INDEX IF EXISTS items_name_trgm;
DROP TABLE item_shares;
DROP TABLE item_tree;
DROP TABLE items;
