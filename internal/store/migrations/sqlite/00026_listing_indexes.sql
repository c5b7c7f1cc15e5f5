-- +goose Up
-- The items with workspace access, read as roots of every member's access
-- when a list checks what they may see (visibleRoots: the folders) and
-- for the complete visible set (visibleGrants: all of them).
CREATE INDEX items_workspace_access ON items (workspace_id, kind, id, workspace_level) WHERE workspace_level > 0;
-- A folder's listing in its order (folders first, then by name), so that
-- a page reads its own rows and stops, at any depth of the list.
CREATE INDEX items_children ON items (parent_id, (CASE WHEN kind = 'folder' THEN 0 ELSE 1 END), name_norm, id);
CREATE INDEX items_root_children ON items (workspace_id, (CASE WHEN kind = 'folder' THEN 0 ELSE 1 END), name_norm, id)
    WHERE parent_id IS NULL;
-- The folders above a listed item, read from the index alone for its
-- access summary (ListAccessChains).
CREATE INDEX items_folder_steps ON items (id, owner_id, workspace_level, name) WHERE kind = 'folder';
DROP INDEX items_parent;
DROP INDEX items_root;

-- +goose Down
CREATE INDEX items_root ON items (workspace_id, parent_id, name_norm);
CREATE INDEX items_parent ON items (parent_id, name_norm);
DROP INDEX items_folder_steps;
DROP INDEX items_root_children;
DROP INDEX items_children;
DROP INDEX items_workspace_access;
