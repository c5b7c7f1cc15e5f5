-- +goose Up
-- Members carry their address's sort key so the members view pages
-- through an index instead of joining every member to sort them.
ALTER TABLE members ADD COLUMN email_norm TEXT NOT NULL DEFAULT '';
UPDATE members SET email_norm = (SELECT u.email_norm FROM users u WHERE u.id = members.user_id);
CREATE INDEX members_email ON members (workspace_id, email_norm, user_id);

-- +goose Down
DROP INDEX members_email;
ALTER TABLE members DROP COLUMN email_norm;
