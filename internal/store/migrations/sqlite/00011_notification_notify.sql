-- +goose Up
-- Nothing to do on SQLite. PostgreSQL adds here the trigger that tells
-- every instance whom a new notification is for; one process serves a
-- SQLite file and wakes its streams in memory when the insert commits.
-- The empty migration keeps both engines' versions the same.

-- +goose Down
