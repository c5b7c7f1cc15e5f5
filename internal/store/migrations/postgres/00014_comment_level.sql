-- +goose Up
-- A third sharing level, comment, sits between view and edit: levels
-- become 1 view, 2 comment, 3 edit, so edit moves from 2 to 3.
UPDATE item_shares SET level = 3 WHERE level = 2;
UPDATE items SET workspace_level = 3 WHERE workspace_level = 2;

-- +goose Down
UPDATE item_shares SET level = 1 WHERE level = 2;
UPDATE items SET workspace_level = 1 WHERE workspace_level = 2;
UPDATE item_shares SET level = 2 WHERE level = 3;
UPDATE items SET workspace_level = 2 WHERE workspace_level = 3;
