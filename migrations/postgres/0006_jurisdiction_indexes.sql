-- PostgreSQL counterpart of migrations/0006_jurisdiction_indexes.sql, the same
-- statements.

-- Jurisdiction as a key range on indexes: every filter reads
-- "place_path >= :scope_lo AND place_path < :scope_hi" (never LIKE), and the
-- indexes below let each query answer it without touching case rows it drops.

-- The overview counts walk the cases of a jurisdiction in place_path order:
-- case_place now carries every column they read, so they never leave the index
-- (and the case list's optional filters are tested on it before the row is read).
DROP INDEX case_place;
CREATE INDEX case_place ON case_record (place_path, state, source, street_id, category_id, rating,
                                        pending, stage_deadline, created_at, closed_at,
                                        self_handled);

-- The newest-first case list walks case_created in order and tests the range on
-- each entry, so a page costs its own rows even for a district that holds every
-- case (a range scan would sort the whole jurisdiction for each page).
DROP INDEX case_created;
CREATE INDEX case_created ON case_record (created_at DESC, id DESC, place_path);

-- A department reads the cases dispatched to it, newest first, straight from here.
DROP INDEX case_department;
CREATE INDEX case_department ON case_record (department_id, created_at DESC, id DESC);
