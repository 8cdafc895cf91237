-- Escalation on its own: the scheduler (src/core/escalator.c) finds running
-- stage records at yellow (80% of the limit used, pauses excluded) and red
-- (past the deadline) through the two partial indexes below, which hold only
-- running records not yet escalated to that level (so a scan costs what is due,
-- never the closed history), and records each escalation once: a reminder (催办)
-- at yellow to the responsible unit's inbox, an automatic supervision notice
-- (督办) at red to that unit and to the district's leaders, as case events.

-- When the record turns yellow, set by casework with its deadline (NULL while
-- paused or ended), and the highest level it was escalated to: 0 none, 1 yellow
-- (reminded), 2 red (supervised).
ALTER TABLE case_stage ADD COLUMN warn_at INTEGER;
ALTER TABLE case_stage ADD COLUMN escalated INTEGER NOT NULL DEFAULT 0;
-- Running records written before this migration: yellow when a fifth of the
-- limit remains before the deadline on the wall clock. For working-time limits
-- that is at or after the true point (working time runs no faster than the
-- wall clock), so a reminder of those may come late, never early.
UPDATE case_stage SET warn_at = deadline - limit_ms / 5
WHERE ended_at IS NULL AND deadline IS NOT NULL;
CREATE INDEX case_stage_warn ON case_stage (warn_at) WHERE ended_at IS NULL AND escalated = 0;
CREATE INDEX case_stage_overdue ON case_stage (deadline) WHERE ended_at IS NULL AND escalated < 2;

-- One row per stage record and level: the unique key is what makes a scan
-- idempotent across restarts and across servers sharing one database.
CREATE TABLE case_escalation (
    id INTEGER PRIMARY KEY,
    stage_id INTEGER NOT NULL REFERENCES case_stage (id),
    case_id INTEGER NOT NULL REFERENCES case_record (id),
    level TEXT NOT NULL CHECK (level IN ('yellow', 'red')),
    created_at INTEGER NOT NULL,
    UNIQUE (stage_id, level)
) STRICT;
CREATE INDEX case_escalation_case ON case_escalation (case_id, id);

-- What the scheduler sent, per case: reminders (催办) and automatic
-- supervision notices (督办). A leader's own 督办 stays supervise_count: it is a
-- judgement, scored against the department; the automatic one follows from a
-- late verdict the stage record already holds.
ALTER TABLE case_record ADD COLUMN remind_count INTEGER NOT NULL DEFAULT 0;
ALTER TABLE case_record ADD COLUMN auto_supervise_count INTEGER NOT NULL DEFAULT 0;

-- The inbox of an org unit: every staff user of the unit lists it (audience
-- 'unit'), or only its leaders (audience 'leaders'); one read mark per row.
-- The outbox (SMS, webhooks) may later deliver the same rows.
CREATE TABLE inbox_message (
    id INTEGER PRIMARY KEY,
    unit_id INTEGER NOT NULL REFERENCES org_unit (id),
    audience TEXT NOT NULL CHECK (audience IN ('unit', 'leaders')),
    kind TEXT NOT NULL CHECK (kind IN ('remind', 'supervise')),
    escalation_id INTEGER NOT NULL REFERENCES case_escalation (id),
    case_id INTEGER NOT NULL REFERENCES case_record (id),
    created_at INTEGER NOT NULL,
    read_at INTEGER,
    read_by INTEGER REFERENCES app_user (id),
    UNIQUE (escalation_id, unit_id, audience)
) STRICT;
CREATE INDEX inbox_message_unit ON inbox_message (unit_id, id);
