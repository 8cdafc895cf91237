-- Counters every process that shares the database sees: 'data' grows with each
-- batch of writes (the ETags of lists, cases and the overview), 'calendar' with
-- each change of the office calendar (servers reload it when it moved). A
-- counter in memory sees only its own process's writes, and a second server on
-- the same database (or the CLI) would be served stale answers and deadlines.
CREATE TABLE change_counter (
    name TEXT PRIMARY KEY,
    n INTEGER NOT NULL
) STRICT, WITHOUT ROWID;
INSERT INTO change_counter (name, n) VALUES ('data', 0), ('calendar', 0);
