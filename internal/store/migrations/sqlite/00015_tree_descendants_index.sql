-- +goose Up
-- The closure table read from an ancestor down gives its descendants from
-- the index alone (the complete set of what a member can see expands
-- every root of their access this way).
CREATE INDEX item_tree_descendants ON item_tree (ancestor_id, depth, descendant_id);
DROP INDEX item_tree_ancestor;

-- +goose Down
CREATE INDEX item_tree_ancestor ON item_tree (ancestor_id, depth);
DROP INDEX item_tree_descendants;
