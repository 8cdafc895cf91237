-- The assessment trends kept per local day in the same transaction as each
-- change, so a 30- or 90-day trend reads a few rows per place and day instead of
-- every fact of the window with its case row (90 days took 5.6 s at 1M cases).
--
-- case_trend_fact names what a case counts for, once: its report (merged
-- duplicates left out; filed once past the filing decision and not rejected) on
-- the day it was reported, each closure on the day it happened, each judged
-- handling record (on time or late) on the day it fell due, all under the
-- case's place, department and grid cell. Running handling records are not
-- kept: whether one is due depends on the time, so the trend reads those few
-- live. Days are local days of UTC+8: (ms + 8 h) / 24 h.
CREATE VIEW case_trend_fact AS
SELECT c.id AS case_id, c.place_path, coalesce(c.department_id, 0) AS department_id,
       coalesce(c.grid_id, 0) AS grid_id, (c.created_at + 28800000) / 86400000 AS day,
       1 AS reported,
       CASE WHEN c.state IN ('reported', 'verifying', 'rejected') THEN 0 ELSE 1 END AS filed,
       0 AS closed, 0 AS handle_due, 0 AS handle_on_time
FROM case_record c WHERE c.state <> 'merged'
UNION ALL
SELECT s.case_id, c.place_path, coalesce(c.department_id, 0), coalesce(c.grid_id, 0),
       (s.ended_at + 28800000) / 86400000, 0, 0, 1, 0, 0
FROM case_stage s JOIN case_record c ON c.id = s.case_id
WHERE s.stage = 'close' AND s.outcome = 'close'
UNION ALL
SELECT s.case_id, c.place_path, coalesce(c.department_id, 0), coalesce(c.grid_id, 0),
       (coalesce(s.deadline, s.ended_at) + 28800000) / 86400000, 0, 0, 0, 1,
       CASE WHEN s.verdict = 'on_time' THEN 1 ELSE 0 END
FROM case_stage s JOIN case_record c ON c.id = s.case_id
WHERE s.stage = 'handle' AND s.verdict IN ('on_time', 'late');

-- The facts summed three ways, one per kind of trend scope: 'place' (key 0:
-- the jurisdiction, a street or a community, as a place_path range), 'department'
-- (key: the case's department) and 'grid' (key: its cell). The key leads, then
-- the day, so a window reads its days x places rows whatever the history holds.
CREATE TABLE case_trend_tally (
    kind TEXT NOT NULL CHECK (kind IN ('place', 'department', 'grid')),
    key_id INTEGER NOT NULL,
    day INTEGER NOT NULL,
    place_path TEXT NOT NULL,
    reported INTEGER NOT NULL,
    filed INTEGER NOT NULL,
    closed INTEGER NOT NULL,
    handle_due INTEGER NOT NULL,
    handle_on_time INTEGER NOT NULL,
    PRIMARY KEY (kind, key_id, day, place_path)
) STRICT, WITHOUT ROWID;
INSERT INTO case_trend_tally
SELECT kind, key_id, day, place_path, sum(reported), sum(filed), sum(closed), sum(handle_due),
       sum(handle_on_time)
FROM (SELECT 'place' AS kind, 0 AS key_id, f.* FROM case_trend_fact f
      UNION ALL SELECT 'department', department_id, f.* FROM case_trend_fact f
      UNION ALL SELECT 'grid', grid_id, f.* FROM case_trend_fact f) AS facts
GROUP BY kind, key_id, day, place_path;
