-- PostgreSQL counterpart of migrations/0018_city_setup.sql.

-- Setting a city up through the product (issue 13): an org unit can be
-- disabled (kept for the cases and users that name it, never dispatched to
-- again), and the routing table says which department handles which category
-- (a subclass) in which street.
ALTER TABLE org_unit ADD COLUMN disabled integer NOT NULL DEFAULT 0;

CREATE TABLE dispatch_route (
    street_id bigint NOT NULL REFERENCES org_unit (id),
    category_id bigint NOT NULL REFERENCES category (id),
    department_id bigint NOT NULL REFERENCES org_unit (id),
    updated_at bigint NOT NULL,
    PRIMARY KEY (street_id, category_id)
);
CREATE INDEX dispatch_route_department ON dispatch_route (department_id);
