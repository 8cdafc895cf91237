-- Setting a city up through the product (issue 13): an org unit can be
-- disabled (kept for the cases and users that name it, never dispatched to
-- again), and the routing table says which department handles which category
-- (a subclass) in which street. Dispatch pre-fills the department the routing
-- names and refuses another one; where a street and category have no row, the
-- category's default department kind still suggests one and any department
-- in reach may be chosen.
ALTER TABLE org_unit ADD COLUMN disabled INTEGER NOT NULL DEFAULT 0;

CREATE TABLE dispatch_route (
    street_id INTEGER NOT NULL REFERENCES org_unit (id),
    category_id INTEGER NOT NULL REFERENCES category (id),
    department_id INTEGER NOT NULL REFERENCES org_unit (id),
    updated_at INTEGER NOT NULL,
    PRIMARY KEY (street_id, category_id)
) STRICT;
CREATE INDEX dispatch_route_department ON dispatch_route (department_id);
