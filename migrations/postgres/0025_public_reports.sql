-- The public map of reports (GET /api/v1/public/reports): what staff let the
-- public see of a case (its text, each photo), the citizens' "me too" count with
-- one row per counted client, and the index that finds a box's public cases.
ALTER TABLE case_record ADD COLUMN public_text_hidden boolean NOT NULL DEFAULT false;
ALTER TABLE case_record ADD COLUMN metoo_count integer NOT NULL DEFAULT 0;
-- Photos are private until a supervisor marks one public.
ALTER TABLE case_attachment ADD COLUMN is_public boolean NOT NULL DEFAULT false;

-- One row per client (a keyed hash of its cookie) that said "me too" to a case.
CREATE TABLE case_metoo (
    case_id bigint NOT NULL REFERENCES case_record (id),
    client_hash text NOT NULL,
    created_at bigint NOT NULL,
    PRIMARY KEY (case_id, client_hash)
);

-- The public cases of a grid cell: open ones (key: the largest value) and
-- closed ones by closing time, so "open or closed since the cut-off" is one
-- range per cell; the rest of the columns make it cover the page's filter and
-- order (time, point, and the state and closing time the key is made of), so
-- a page's ids come from the index alone (an index-only scan: id is included
-- too, as PostgreSQL's indexes do not carry the row's key). A box is the cells
-- its GiST index finds.
CREATE INDEX case_public_grid
    ON case_record (grid_id,
                    (CASE WHEN state = 'closed' THEN closed_at ELSE 9223372036854775807 END),
                    created_at, lat, lon, state, closed_at)
    INCLUDE (id)
    WHERE state IN ('reported', 'verifying', 'accepted', 'dispatched', 'processing', 'suspended',
                    'handled', 'checked', 'closed');
