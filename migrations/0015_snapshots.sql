-- The red and black lists (红黑榜): frozen monthly assessment snapshots, and a
-- second hash chain for events that are not a case's.

-- audit_log: chained like case_event (src/domain/audit.c, audit_log_hash), so
-- an edited or removed row shows at the first entry it touches. Who acted (a
-- user, or 'system' for the scheduler), what (action), on what (subject kind
-- and id) and the facts as JSON. Built for more than snapshots: issue 13's admin
-- changes (users, org units, categories, the calendar) can append here with
-- their before and after in data.
CREATE TABLE audit_log (
    id INTEGER PRIMARY KEY,
    actor_user_id INTEGER REFERENCES app_user (id),
    actor_role TEXT NOT NULL,
    actor_name TEXT NOT NULL,
    action TEXT NOT NULL,
    subject_kind TEXT NOT NULL,
    subject_id INTEGER NOT NULL,
    data TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL
) STRICT;
CREATE INDEX audit_log_subject ON audit_log (subject_kind, subject_id);

-- One frozen assessment table per month ('YYYY-MM', UTC+8 months), group and
-- revision: revision 1 is the freeze at month close; a correction is the next
-- revision, linked to the one it corrects, with a reason. body is the canonical
-- JSON of the table (weights and thresholds used, the ranked rows, top N and
-- bottom N) and body_hash its hash, which the audit_log entry of its
-- publication carries. The unique key is what makes freezing idempotent across
-- restarts and across servers sharing one database.
CREATE TABLE assessment_snapshot (
    id INTEGER PRIMARY KEY,
    period TEXT NOT NULL,
    group_name TEXT NOT NULL
        CHECK (group_name IN ('department', 'street', 'community', 'grid', 'inspector',
                              'operator')),
    revision INTEGER NOT NULL CHECK (revision >= 1),
    supersedes_id INTEGER REFERENCES assessment_snapshot (id),
    reason TEXT NOT NULL DEFAULT '',
    body TEXT NOT NULL,
    body_hash TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    created_by INTEGER REFERENCES app_user (id),
    UNIQUE (period, group_name, revision),
    CHECK ((revision = 1) = (supersedes_id IS NULL))
) STRICT;
