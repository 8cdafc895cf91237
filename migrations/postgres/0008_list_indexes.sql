-- PostgreSQL counterpart of migrations/0008_list_indexes.sql, the same
-- statements (coalesce and partial indexes mean the same in both engines).

-- Indexes that let every page of a case list be one statement walking an index
-- in the page's order (store_case_list): the queues read open cases only (a few
-- percent of a bureau's years), by deadline (missing deadlines last, as the
-- largest value) or newest first, for a place range or one department; newest
-- first by street has its own. case_state_deadline served the old lists only.
-- case_open_due carries place_path and street_id, so the overview's overdue count
-- and a street's queue test them on the index, before reading a row.
CREATE INDEX case_open_due
    ON case_record (coalesce(stage_deadline, 9223372036854775807), id, place_path, street_id)
    WHERE state IN ('reported', 'verifying', 'accepted', 'dispatched', 'processing', 'suspended',
                    'handled', 'checked');
CREATE INDEX case_open_department
    ON case_record (department_id, coalesce(stage_deadline, 9223372036854775807), id)
    WHERE state IN ('reported', 'verifying', 'accepted', 'dispatched', 'processing', 'suspended',
                    'handled', 'checked');
CREATE INDEX case_open_created ON case_record (created_at DESC, id DESC)
    WHERE state IN ('reported', 'verifying', 'accepted', 'dispatched', 'processing', 'suspended',
                    'handled', 'checked');
CREATE INDEX case_street_created ON case_record (street_id, created_at DESC, id DESC);
DROP INDEX case_state_deadline;
