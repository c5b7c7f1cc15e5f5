-- +goose Up
-- Every instance may answer permission checks and lists' access summaries
-- from a snapshot of items, trees, shares, members and workspaces'
-- publishing in memory; these triggers tell them all, at commit, that the
-- snapshot is stale. Updates count only when they touch what it holds.
-- +goose StatementBegin
CREATE FUNCTION troupe_notify_access() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('troupe_access', '');
    RETURN NULL;
END;
$$;
-- +goose StatementEnd
CREATE TRIGGER items_notify_access AFTER INSERT OR DELETE OR TRUNCATE ON items
    FOR EACH STATEMENT EXECUTE FUNCTION troupe_notify_access();
CREATE TRIGGER items_notify_access_update AFTER UPDATE OF id, workspace_id, kind, parent_id, owner_id, name, workspace_level, trashed_at, public_slug ON items
    FOR EACH STATEMENT EXECUTE FUNCTION troupe_notify_access();
CREATE TRIGGER item_tree_notify_access AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON item_tree
    FOR EACH STATEMENT EXECUTE FUNCTION troupe_notify_access();
CREATE TRIGGER item_shares_notify_access AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON item_shares
    FOR EACH STATEMENT EXECUTE FUNCTION troupe_notify_access();
CREATE TRIGGER members_notify_access AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON members
    FOR EACH STATEMENT EXECUTE FUNCTION troupe_notify_access();
CREATE TRIGGER workspaces_notify_access AFTER UPDATE OF publishing ON workspaces
    FOR EACH STATEMENT EXECUTE FUNCTION troupe_notify_access();

-- +goose Down
DROP TRIGGER workspaces_notify_access ON workspaces;
DROP TRIGGER members_notify_access ON members;
DROP TRIGGER item_shares_notify_access ON item_shares;
DROP TRIGGER item_tree_notify_access ON item_tree;
DROP TRIGGER items_notify_access_update ON items;
DROP TRIGGER items_notify_access ON items;
DROP FUNCTION troupe_notify_access();
