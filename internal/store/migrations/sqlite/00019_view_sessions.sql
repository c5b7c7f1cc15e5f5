-- +goose Up
-- Viewing sessions of published videos, one row per session a share page
-- (or an embed) opened: the union of the instants it watched, the link it
-- came through, the random viewer id its browser holds and the member
-- signed in, if any. No address or browser detail of the visitor is kept.
-- link_id is no reference: a revoked link's views still count.
CREATE TABLE view_sessions (
    item_id    TEXT NOT NULL REFERENCES items (id) ON DELETE CASCADE,
    session    TEXT NOT NULL,
    link_id    TEXT NOT NULL DEFAULT '',
    viewer_id  TEXT NOT NULL DEFAULT '',
    user_id    TEXT REFERENCES users (id) ON DELETE SET NULL,
    watched    TEXT NOT NULL DEFAULT '',
    watched_ms BIGINT NOT NULL DEFAULT 0,
    is_view    INTEGER NOT NULL DEFAULT 0,
    started_at BIGINT NOT NULL,
    viewed_at  BIGINT,
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (item_id, session)
);
CREATE INDEX view_sessions_views ON view_sessions (item_id, viewed_at) WHERE is_view = 1;

-- +goose Down
DROP TABLE view_sessions;
