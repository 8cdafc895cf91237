-- PostgreSQL counterpart of migrations/0007_uploads.sql.

-- Photos taken before their case exists (a fix on the spot needs its before and
-- after photos at filing; a patrol report carries its report photos): the file
-- and its attachment row are stored at upload, and held for the uploader here
-- until an intake attaches them (and the row goes).
CREATE TABLE upload (
    user_id bigint NOT NULL REFERENCES app_user (id),
    hash text NOT NULL REFERENCES attachment (hash),
    created_at bigint NOT NULL,
    PRIMARY KEY (user_id, hash)
);
CREATE INDEX upload_time ON upload (created_at);
