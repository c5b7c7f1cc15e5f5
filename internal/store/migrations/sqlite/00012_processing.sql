-- +goose Up
-- What processing made of an uploaded video or voice: its state (items
-- stored before processing existed are ready as they are), the picture's
-- size, the stills, the HLS master playlist and the owner's poster time.
ALTER TABLE items ADD COLUMN processing_state TEXT NOT NULL DEFAULT 'ready';
ALTER TABLE items ADD COLUMN processing_progress DOUBLE PRECISION NOT NULL DEFAULT 0;
ALTER TABLE items ADD COLUMN processing_error TEXT NOT NULL DEFAULT '';
ALTER TABLE items ADD COLUMN processing_note TEXT NOT NULL DEFAULT '';
ALTER TABLE items ADD COLUMN processing_attempts INTEGER NOT NULL DEFAULT 0;
ALTER TABLE items ADD COLUMN width INTEGER NOT NULL DEFAULT 0;
ALTER TABLE items ADD COLUMN height INTEGER NOT NULL DEFAULT 0;
ALTER TABLE items ADD COLUMN thumbnail_key TEXT NOT NULL DEFAULT '';
ALTER TABLE items ADD COLUMN sprite_key TEXT NOT NULL DEFAULT '';
ALTER TABLE items ADD COLUMN hls_key TEXT NOT NULL DEFAULT '';
ALTER TABLE items ADD COLUMN poster_at_ms BIGINT;

-- The playable renditions made of a video, one per name ("web").
CREATE TABLE renditions (
    item_id     TEXT NOT NULL REFERENCES items (id) ON DELETE CASCADE,
    name        TEXT NOT NULL,
    width       INTEGER NOT NULL,
    height      INTEGER NOT NULL,
    video_codec TEXT NOT NULL,
    audio_codec TEXT NOT NULL,
    media_type  TEXT NOT NULL,
    media_key   TEXT NOT NULL,
    PRIMARY KEY (item_id, name)
);

-- Every key processing stored for an item (stills, renditions, HLS
-- playlists and segments): object storage has no folders to delete, so
-- the purge reads the keys here.
CREATE TABLE item_files (
    item_id   TEXT NOT NULL REFERENCES items (id) ON DELETE CASCADE,
    media_key TEXT NOT NULL,
    PRIMARY KEY (item_id, media_key)
);

-- +goose Down
DROP TABLE item_files;
DROP TABLE renditions;
ALTER TABLE items DROP COLUMN poster_at_ms;
ALTER TABLE items DROP COLUMN hls_key;
ALTER TABLE items DROP COLUMN sprite_key;
ALTER TABLE items DROP COLUMN thumbnail_key;
ALTER TABLE items DROP COLUMN height;
ALTER TABLE items DROP COLUMN width;
ALTER TABLE items DROP COLUMN processing_attempts;
ALTER TABLE items DROP COLUMN processing_note;
ALTER TABLE items DROP COLUMN processing_error;
ALTER TABLE items DROP COLUMN processing_progress;
ALTER TABLE items DROP COLUMN processing_state;
