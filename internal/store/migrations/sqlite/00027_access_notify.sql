-- +goose Up
-- Nothing to do on SQLite. PostgreSQL adds here the trigger that tells
-- every instance its snapshot of access is stale; one process serves a
-- SQLite file and drops its snapshot when a write commits. The empty
-- migration keeps both engines' versions the same.

-- +goose Down
