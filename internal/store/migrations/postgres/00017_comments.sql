-- +goose Up
-- Comments on videos (at a time, optionally a range) and drafts, with
-- replies one level deep. sort_ms is the position (0 for drafts and
-- replies), so one index lists a video's threads by time and a draft's by
-- creation. Resolution belongs to the thread's first comment.
CREATE TABLE comments (
    id          TEXT PRIMARY KEY,
    item_id     TEXT NOT NULL REFERENCES items (id) ON DELETE CASCADE,
    author_id   TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    parent_id   TEXT REFERENCES comments (id) ON DELETE CASCADE,
    body        TEXT NOT NULL,
    position_ms BIGINT,
    end_ms      BIGINT,
    sort_ms     BIGINT NOT NULL DEFAULT 0,
    mentions    TEXT NOT NULL DEFAULT '',
    resolved_at BIGINT,
    resolved_by TEXT,
    created_at  BIGINT NOT NULL,
    edited_at   BIGINT
);
CREATE INDEX comments_threads ON comments (item_id, sort_ms, created_at, id) WHERE parent_id IS NULL;
CREATE INDEX comments_open_threads ON comments (item_id, sort_ms, created_at, id) WHERE parent_id IS NULL AND resolved_at IS NULL;
CREATE INDEX comments_replies ON comments (parent_id, created_at, id);

-- Who wants mail about comments: none, mentions (direct asks only) or all.
ALTER TABLE users ADD COLUMN comment_mail TEXT NOT NULL DEFAULT 'mentions';

-- Every instance hears, at commit, which item's comments changed, and
-- wakes the comment streams open on it.
-- +goose StatementBegin
CREATE FUNCTION troupe_notify_comment() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        PERFORM pg_notify('troupe_comment', OLD.item_id);
    ELSE
        PERFORM pg_notify('troupe_comment', NEW.item_id);
    END IF;
    RETURN NULL;
END $$;
-- +goose StatementEnd
CREATE TRIGGER comments_notify AFTER INSERT OR UPDATE OR DELETE ON comments
    FOR EACH ROW EXECUTE FUNCTION troupe_notify_comment();

-- +goose Down
DROP TRIGGER comments_notify ON comments;
DROP FUNCTION troupe_notify_comment();
ALTER TABLE users DROP COLUMN comment_mail;
DROP TABLE comments;
