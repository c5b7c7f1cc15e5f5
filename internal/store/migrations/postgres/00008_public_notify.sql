-- +goose Up
-- Every instance caches the published videos it reads; this trigger tells
-- them all, at commit, which video's public page changed ('*': every page
-- of some workspace, whose publishing or download setting changed).
-- +goose StatementBegin
CREATE FUNCTION troupe_notify_public() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_TABLE_NAME = 'workspaces' THEN
        PERFORM pg_notify('troupe_public', '*');
    ELSIF TG_TABLE_NAME = 'captions' AND TG_OP = 'DELETE' THEN
        PERFORM pg_notify('troupe_public', OLD.item_id);
    ELSIF TG_TABLE_NAME = 'captions' THEN
        PERFORM pg_notify('troupe_public', NEW.item_id);
    ELSE
        PERFORM pg_notify('troupe_public', OLD.id);
    END IF;
    RETURN NULL;
END;
$$;
-- +goose StatementEnd
CREATE TRIGGER items_notify_public AFTER UPDATE OR DELETE ON items
    FOR EACH ROW WHEN (OLD.public_slug IS NOT NULL) EXECUTE FUNCTION troupe_notify_public();
CREATE TRIGGER captions_notify_public AFTER INSERT OR UPDATE OR DELETE ON captions
    FOR EACH ROW EXECUTE FUNCTION troupe_notify_public();
CREATE TRIGGER workspaces_notify_public AFTER UPDATE ON workspaces
    FOR EACH ROW WHEN (OLD.publishing IS DISTINCT FROM NEW.publishing OR OLD.downloads IS DISTINCT FROM NEW.downloads)
    EXECUTE FUNCTION troupe_notify_public();

-- +goose Down
DROP TRIGGER workspaces_notify_public ON workspaces;
DROP TRIGGER captions_notify_public ON captions;
DROP TRIGGER items_notify_public ON items;
DROP FUNCTION troupe_notify_public();
