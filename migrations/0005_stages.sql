-- The true clock of a case: one record per stage a case passes through (file,
-- verify, dispatch, sign, arrive, handle and its phases, check, close), with its
-- start, deadline, end, elapsed and paused time and the on-time verdict; the
-- limits they count against (a sign stage, the filing stage renamed from
-- "accept", multi-phase handling limits); every citizen rating kept, one per
-- closure; photo stages for arrival and phase evidence.

-- Limits per stage, now with sign; 'accept' (the filing decision) is called file.
CREATE TABLE category_limit_v5 (
    category_id INTEGER NOT NULL REFERENCES category (id),
    stage TEXT NOT NULL CHECK (stage IN ('file', 'verify', 'dispatch', 'sign', 'handle', 'check',
                                         'close')),
    unit TEXT NOT NULL CHECK (unit IN ('work_hours', 'work_days', 'urgent_hours')),
    amount INTEGER NOT NULL CHECK (amount > 0),
    PRIMARY KEY (category_id, stage)
) STRICT;
INSERT INTO category_limit_v5 (category_id, stage, unit, amount)
SELECT category_id, CASE stage WHEN 'accept' THEN 'file' ELSE stage END, unit, amount
FROM category_limit;
-- The department signs within an hour (round the clock for urgent subclasses).
INSERT INTO category_limit_v5 (category_id, stage, unit, amount)
SELECT id, 'sign', CASE WHEN urgent = 1 THEN 'urgent_hours' ELSE 'work_hours' END, 1
FROM category WHERE parent_id IS NOT NULL;
DROP TABLE category_limit;
ALTER TABLE category_limit_v5 RENAME TO category_limit;

-- Multi-phase handling limits: each phase counted from the dispatch, with its own
-- deadline and verdict; the handling limit is the last phase's.
CREATE TABLE category_phase (
    category_id INTEGER NOT NULL REFERENCES category (id),
    seq INTEGER NOT NULL CHECK (seq BETWEEN 1 AND 4),
    code TEXT NOT NULL CHECK (length(code) BETWEEN 1 AND 15),
    name_zh TEXT NOT NULL,
    name_en TEXT NOT NULL,
    unit TEXT NOT NULL CHECK (unit IN ('work_hours', 'work_days', 'urgent_hours')),
    amount INTEGER NOT NULL CHECK (amount > 0),
    PRIMARY KEY (category_id, seq),
    UNIQUE (category_id, code)
) STRICT;
INSERT INTO category_phase (category_id, seq, code, name_zh, name_en, unit, amount)
SELECT c.id, p.seq, p.code, p.name_zh, p.name_en, p.unit, p.amount
FROM category c JOIN (
    -- 违章搭建: stopped within 4 working hours, removed within 20 working days;
    -- 自来水管破裂: cordoned within 3 hours, repaired within 8, road restored in 5
    -- working days.
    SELECT 'event' AS tree, '0101' AS cat, 1 AS seq, 'stop' AS code, '责令停工' AS name_zh,
           'Work stopped' AS name_en, 'work_hours' AS unit, 4 AS amount
    UNION ALL SELECT 'event', '0101', 2, 'demolish', '拆除', 'Removed', 'work_days', 20
    UNION ALL SELECT 'event', '0401', 1, 'cordon', '设置警戒', 'Cordoned off', 'urgent_hours', 3
    UNION ALL SELECT 'event', '0401', 2, 'repair', '抢修完成', 'Repaired', 'urgent_hours', 8
    UNION ALL SELECT 'event', '0401', 3, 'restore', '路面恢复', 'Road restored', 'work_days', 5
) p ON c.tree = p.tree AND c.code = p.cat AND c.parent_id IS NOT NULL;
-- The handling limit of a multi-phase subclass is its last phase's.
UPDATE category_limit SET unit = 'work_days', amount = 20
WHERE stage = 'handle' AND category_id = (SELECT id FROM category WHERE tree = 'event'
                                          AND code = '0101' AND parent_id IS NOT NULL);
UPDATE category_limit SET unit = 'work_days', amount = 5
WHERE stage = 'handle' AND category_id = (SELECT id FROM category WHERE tree = 'event'
                                          AND code = '0401' AND parent_id IS NOT NULL);

-- One record per stage a case passes through.
CREATE TABLE case_stage (
    id INTEGER PRIMARY KEY,
    case_id INTEGER NOT NULL REFERENCES case_record (id),
    stage TEXT NOT NULL CHECK (stage IN ('file', 'verify', 'dispatch', 'sign', 'arrive', 'handle',
                                         'phase', 'check', 'close')),
    phase TEXT NOT NULL DEFAULT '',         -- the phase code of a 'phase' record
    round INTEGER NOT NULL DEFAULT 1,       -- 1 + reopens before it started
    attempt INTEGER NOT NULL DEFAULT 1,     -- 1 + reworks before it started
    unit TEXT NOT NULL CHECK (unit IN ('work_hours', 'work_days', 'urgent_hours')),
    limit_ms INTEGER NOT NULL,              -- allowance in the unit's ms, extensions included
    started_at INTEGER NOT NULL,
    deadline INTEGER,                       -- NULL while paused
    run_from INTEGER NOT NULL,              -- the clock last (re)started
    elapsed_ms INTEGER NOT NULL DEFAULT 0,  -- used before run_from, pauses excluded
    paused_ms INTEGER NOT NULL DEFAULT 0,   -- wall time suspended
    paused_at INTEGER,                      -- while suspended
    remaining_ms INTEGER NOT NULL DEFAULT 0, -- while suspended
    ended_at INTEGER,                       -- NULL while running
    verdict TEXT NOT NULL DEFAULT 'running'
        CHECK (verdict IN ('running', 'on_time', 'late', 'void')),
    outcome TEXT NOT NULL DEFAULT '',       -- the action that ended it
    unit_id INTEGER REFERENCES org_unit (id), -- who answers for it
    ended_by INTEGER REFERENCES app_user (id)
) STRICT;
CREATE INDEX case_stage_case ON case_stage (case_id, id);
-- Running records by deadline (escalation, overdue lists) and ended ones by time
-- and stage (assessment by period).
CREATE INDEX case_stage_running ON case_stage (deadline) WHERE ended_at IS NULL;
CREATE INDEX case_stage_ended ON case_stage (stage, ended_at) WHERE ended_at IS NOT NULL;

UPDATE case_record SET stage = 'file' WHERE stage = 'accept';
-- The running stage of every open case, from the clock it already carried.
INSERT INTO case_stage (case_id, stage, round, attempt, unit, limit_ms, started_at, deadline,
                        run_from, paused_at, remaining_ms, unit_id)
SELECT id, stage, reopen_count + 1, rework_count + 1, stage_unit, stage_limit_ms,
       stage_started_at, stage_deadline, stage_started_at,
       CASE WHEN state = 'suspended' THEN updated_at END, COALESCE(suspended_remaining_ms, 0),
       CASE WHEN stage = 'handle' THEN department_id END
FROM case_record
WHERE state IN ('reported', 'verifying', 'accepted', 'dispatched', 'processing', 'suspended',
                'handled', 'checked')
  AND stage IN ('file', 'verify', 'dispatch', 'handle', 'check', 'close');
UPDATE case_record SET handling_deadline = stage_deadline
WHERE state IN ('dispatched', 'processing') AND stage = 'handle';

-- Every rating, one per closure (round); case_record.rating keeps the latest.
CREATE TABLE case_rating (
    id INTEGER PRIMARY KEY,
    case_id INTEGER NOT NULL REFERENCES case_record (id),
    round INTEGER NOT NULL,
    rating TEXT NOT NULL CHECK (rating IN ('satisfied', 'basically_satisfied', 'unsatisfied')),
    comment TEXT NOT NULL DEFAULT '',
    source TEXT NOT NULL DEFAULT 'citizen' CHECK (source IN ('citizen', 'hotline')),
    closed_at INTEGER NOT NULL,   -- the closure rated
    rated_at INTEGER NOT NULL,
    UNIQUE (case_id, round)
) STRICT;
CREATE INDEX case_rating_time ON case_rating (rated_at);
INSERT INTO case_rating (case_id, round, rating, comment, closed_at, rated_at)
SELECT id, reopen_count + 1, rating, rating_comment, COALESCE(closed_at, rated_at), rated_at
FROM case_record WHERE rating IS NOT NULL AND rated_at IS NOT NULL;

-- Photo stages: arrival on site (urgent cases) and the evidence of a phase.
CREATE TABLE case_attachment_v5 (
    id INTEGER PRIMARY KEY,
    case_id INTEGER NOT NULL REFERENCES case_record (id),
    hash TEXT NOT NULL REFERENCES attachment (hash),
    stage TEXT NOT NULL CHECK (stage IN ('report', 'before', 'after', 'verify', 'check', 'arrive',
                                         'progress')),
    uploaded_by INTEGER REFERENCES app_user (id),
    created_at INTEGER NOT NULL,
    UNIQUE (case_id, hash, stage)
) STRICT;
INSERT INTO case_attachment_v5 (id, case_id, hash, stage, uploaded_by, created_at)
SELECT id, case_id, hash, stage, uploaded_by, created_at FROM case_attachment;
DROP TABLE case_attachment;
ALTER TABLE case_attachment_v5 RENAME TO case_attachment;
CREATE INDEX case_attachment_hash ON case_attachment (hash);
