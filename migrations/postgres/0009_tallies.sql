-- PostgreSQL counterpart of migrations/0009_tallies.sql. SQLite's WITHOUT ROWID
-- tables are plain tables with the same primary keys here.

-- Counts kept in the same transaction as each change, so the overview reads a
-- few rows per place instead of every case: cases by place and what the overview
-- groups them by, cases filed and closed per place and day, ratings per place.
-- Filled here from the cases already stored; the store keeps them from now on.
CREATE TABLE case_tally (
    place_path text COLLATE "C" NOT NULL,
    street_id bigint NOT NULL,      -- 0 when the case is in no street
    state text NOT NULL,
    source text NOT NULL,
    category_id bigint NOT NULL,    -- 0 when it has none
    self_handled boolean NOT NULL,
    pending boolean NOT NULL,       -- true while a department's request waits
    n integer NOT NULL,
    PRIMARY KEY (place_path, street_id, state, source, category_id, self_handled, pending)
);
INSERT INTO case_tally
SELECT place_path, COALESCE(street_id, 0), state, source, COALESCE(category_id, 0), self_handled,
       pending <> 'none', count(*)
FROM case_record
GROUP BY 1, 2, 3, 4, 5, 6, 7;

-- Days are UTC day numbers (epoch ms / 86400000).
CREATE TABLE case_daily (
    place_path text COLLATE "C" NOT NULL,
    day integer NOT NULL,
    created integer NOT NULL DEFAULT 0,
    closed integer NOT NULL DEFAULT 0,
    PRIMARY KEY (place_path, day)
);
INSERT INTO case_daily (place_path, day, created)
SELECT place_path, created_at / 86400000, count(*) FROM case_record GROUP BY 1, 2;
INSERT INTO case_daily (place_path, day, closed)
SELECT place_path, closed_at / 86400000, count(*) FROM case_record WHERE closed_at IS NOT NULL
GROUP BY 1, 2
ON CONFLICT (place_path, day) DO UPDATE SET closed = excluded.closed;

CREATE TABLE case_rating_tally (
    place_path text COLLATE "C" NOT NULL,
    rating text NOT NULL,
    n integer NOT NULL,
    PRIMARY KEY (place_path, rating)
);
INSERT INTO case_rating_tally
SELECT c.place_path, r.rating, count(*) FROM case_rating r JOIN case_record c ON c.id = r.case_id
GROUP BY 1, 2;

-- The overview no longer reads cases by place: case_place goes back to the place
-- alone (kept for lists by deadline that take closed states too).
DROP INDEX case_place;
CREATE INDEX case_place ON case_record (place_path);
