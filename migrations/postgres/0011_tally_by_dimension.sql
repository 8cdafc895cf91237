-- PostgreSQL counterpart of migrations/0011_tally_by_dimension.sql: the flags
-- of case_tally_flags are boolean, as they were in case_tally.

-- The overview's counts kept one table per thing it groups by, instead of one
-- row per place and combination of state, source, category and flags: that
-- table grew with the cases (113,109 rows for 42 places at 100,000 cases, more
-- at 1M), and every overview summed all of its jurisdiction's rows. Each table
-- here has at most one row per place and value, so an overview reads the same
-- few thousand rows at any size.
CREATE TABLE case_tally_state (
    place_path text COLLATE "C" NOT NULL,
    street_id bigint NOT NULL,      -- 0 when the case is in no street
    state text NOT NULL,
    n integer NOT NULL,
    PRIMARY KEY (place_path, street_id, state)
);
INSERT INTO case_tally_state
SELECT place_path, street_id, state, sum(n) FROM case_tally GROUP BY 1, 2, 3;

CREATE TABLE case_tally_source (
    place_path text COLLATE "C" NOT NULL,
    source text NOT NULL,
    n integer NOT NULL,
    PRIMARY KEY (place_path, source)
);
INSERT INTO case_tally_source
SELECT place_path, source, sum(n) FROM case_tally GROUP BY 1, 2;

CREATE TABLE case_tally_category (
    place_path text COLLATE "C" NOT NULL,
    category_id bigint NOT NULL,    -- 0 when it has none
    n integer NOT NULL,
    PRIMARY KEY (place_path, category_id)
);
INSERT INTO case_tally_category
SELECT place_path, category_id, sum(n) FROM case_tally GROUP BY 1, 2;

-- Open cases with a department's request waiting, and cases fixed on the spot.
CREATE TABLE case_tally_flags (
    place_path text COLLATE "C" NOT NULL,
    self_handled boolean NOT NULL,
    pending boolean NOT NULL,       -- true while a department's request waits
    n integer NOT NULL,
    PRIMARY KEY (place_path, self_handled, pending)
);
INSERT INTO case_tally_flags
SELECT place_path, self_handled, pending, sum(n) FROM case_tally GROUP BY 1, 2, 3;

DROP TABLE case_tally;
