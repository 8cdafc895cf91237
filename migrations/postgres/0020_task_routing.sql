-- PostgreSQL counterpart of migrations/0020_task_routing.sql.

-- Task routing (issue 13): the level a verification or check task was routed
-- at (cell, zone, street) and the inspectors it was routed to.
ALTER TABLE case_record ADD COLUMN task_level text NOT NULL DEFAULT ''
    CHECK (task_level IN ('', 'cell', 'zone', 'street'));

CREATE TABLE task_route (
    case_id bigint NOT NULL REFERENCES case_record (id),
    user_id bigint NOT NULL REFERENCES app_user (id),
    PRIMARY KEY (case_id, user_id)
);
CREATE INDEX task_route_user ON task_route (user_id, case_id);

-- A case placed by geocoding its typed address (the intake's rule, README
-- "Geocoding on intake"): how it was located ('geocode', or '' for a point
-- sent or set by hand) and the gazetteer label it matched.
ALTER TABLE case_record ADD COLUMN located_by text NOT NULL DEFAULT '';
ALTER TABLE case_record ADD COLUMN located_label text NOT NULL DEFAULT '';
