-- +goose Up
-- (PostgreSQL also announces session and account changes here; SQLite
-- caches no sessions.) The permission check reads an item's ancestors
-- nearest first from the index alone.
CREATE INDEX item_tree_chain ON item_tree (descendant_id, depth, ancestor_id);

-- +goose Down
DROP INDEX item_tree_chain;
