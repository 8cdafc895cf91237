-- The overview's counts kept one table per thing it groups by, instead of one
-- row per place and combination of state, source, category and flags: that
-- table grew with the cases (113,109 rows for 42 places at 100,000 cases, more
-- at 1M), and every overview summed all of its jurisdiction's rows. Each table
-- here has at most one row per place and value, so an overview reads the same
-- few thousand rows at any size.
CREATE TABLE case_tally_state (
    place_path TEXT NOT NULL,
    street_id INTEGER NOT NULL,     -- 0 when the case is in no street
    state TEXT NOT NULL,
    n INTEGER NOT NULL,
    PRIMARY KEY (place_path, street_id, state)
) STRICT, WITHOUT ROWID;
INSERT INTO case_tally_state
SELECT place_path, street_id, state, sum(n) FROM case_tally GROUP BY 1, 2, 3;

CREATE TABLE case_tally_source (
    place_path TEXT NOT NULL,
    source TEXT NOT NULL,
    n INTEGER NOT NULL,
    PRIMARY KEY (place_path, source)
) STRICT, WITHOUT ROWID;
INSERT INTO case_tally_source
SELECT place_path, source, sum(n) FROM case_tally GROUP BY 1, 2;

CREATE TABLE case_tally_category (
    place_path TEXT NOT NULL,
    category_id INTEGER NOT NULL,   -- 0 when it has none
    n INTEGER NOT NULL,
    PRIMARY KEY (place_path, category_id)
) STRICT, WITHOUT ROWID;
INSERT INTO case_tally_category
SELECT place_path, category_id, sum(n) FROM case_tally GROUP BY 1, 2;

-- Open cases with a department's request waiting, and cases fixed on the spot.
CREATE TABLE case_tally_flags (
    place_path TEXT NOT NULL,
    self_handled INTEGER NOT NULL,
    pending INTEGER NOT NULL,       -- 1 while a department's request waits
    n INTEGER NOT NULL,
    PRIMARY KEY (place_path, self_handled, pending)
) STRICT, WITHOUT ROWID;
INSERT INTO case_tally_flags
SELECT place_path, self_handled, pending, sum(n) FROM case_tally GROUP BY 1, 2, 3;

DROP TABLE case_tally;
