-- +goose Up
-- Every instance hears, at commit, whom a new notification is for, and
-- wakes that user's open notification streams: no instance polls the
-- table. SQLite is served by one process, which signals in memory.
-- +goose StatementBegin
CREATE FUNCTION troupe_notify_notification() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('troupe_notification', NEW.user_id);
    RETURN NULL;
END $$;
-- +goose StatementEnd
CREATE TRIGGER notifications_notify AFTER INSERT ON notifications
    FOR EACH ROW EXECUTE FUNCTION troupe_notify_notification();

-- +goose Down
DROP TRIGGER notifications_notify ON notifications;
DROP FUNCTION troupe_notify_notification();
