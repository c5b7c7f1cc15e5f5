-- +goose Up
-- Nothing to do on SQLite. PostgreSQL adds here the trigger that tells
-- every instance which published video changed; one process serves a
-- SQLite file and evicts its cache when a write commits, so there is no
-- one to tell. The empty migration keeps both engines' versions the same.

-- +goose Down
