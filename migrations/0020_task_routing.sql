-- Task routing (issue 13): a verification (核实) or check (核查) task goes to
-- the inspectors assigned to the case's cell, else to those of its patrol zone
-- (the cells of the street with the same patrol_zone), else to every inspector
-- of the street. The level it was routed at is kept on the case, the inspectors
-- in task_route while the task runs (so the table holds running tasks only);
-- any inspector of the street may still act, the routed ones see it first.
ALTER TABLE case_record ADD COLUMN task_level TEXT NOT NULL DEFAULT ''
    CHECK (task_level IN ('', 'cell', 'zone', 'street'));

CREATE TABLE task_route (
    case_id INTEGER NOT NULL REFERENCES case_record (id),
    user_id INTEGER NOT NULL REFERENCES app_user (id),
    PRIMARY KEY (case_id, user_id)
) STRICT;
CREATE INDEX task_route_user ON task_route (user_id, case_id);

-- A case placed by geocoding its typed address (the intake's rule, README
-- "Geocoding on intake"): how it was located ('geocode', or '' for a point
-- sent or set by hand) and the gazetteer label it matched.
ALTER TABLE case_record ADD COLUMN located_by TEXT NOT NULL DEFAULT '';
ALTER TABLE case_record ADD COLUMN located_label TEXT NOT NULL DEFAULT '';
