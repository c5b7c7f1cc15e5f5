-- +goose Up
-- Every instance caches the sessions it reads; this trigger tells them all,
-- at commit, whose sessions ended or whose account changed.
-- +goose StatementBegin
CREATE FUNCTION troupe_notify_auth() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_TABLE_NAME = 'sessions' THEN
        PERFORM pg_notify('troupe_auth', OLD.user_id);
    ELSE
        PERFORM pg_notify('troupe_auth', OLD.id);
    END IF;
    RETURN NULL;
END;
$$;
-- +goose StatementEnd
CREATE TRIGGER sessions_notify_auth AFTER DELETE ON sessions
    FOR EACH ROW EXECUTE FUNCTION troupe_notify_auth();
CREATE TRIGGER users_notify_auth AFTER UPDATE OR DELETE ON users
    FOR EACH ROW EXECUTE FUNCTION troupe_notify_auth();
-- The permission check reads an item's ancestors nearest first from the
-- index alone.
CREATE INDEX item_tree_chain ON item_tree (descendant_id, depth, ancestor_id);

-- +goose Down
DROP INDEX item_tree_chain;
DROP TRIGGER users_notify_auth ON users;
DROP TRIGGER sessions_notify_auth ON sessions;
DROP FUNCTION troupe_notify_auth();
