-- PostgreSQL counterpart of migrations/0010_state_tally.sql.

-- Cases by state for the whole city, kept in the same write as case_tally, so
-- the metrics read one row per state instead of summing every place's tally
-- rows (113,000 of them at 100,000 cases: 60 ms a scrape).
CREATE TABLE case_state_tally (
    state text PRIMARY KEY,
    n integer NOT NULL
);
INSERT INTO case_state_tally SELECT state, sum(n) FROM case_tally GROUP BY state;
