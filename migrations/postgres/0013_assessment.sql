-- PostgreSQL counterpart of migrations/0013_assessment.sql.

-- Assessment by period: stage records by the time they fall due (the deadline,
-- or the end of a record that ended while paused and so had none), so that a
-- month's assessment reads that month's records and not the history. The
-- expression is written exactly as the store's queries write it.
CREATE INDEX case_stage_due ON case_stage (stage, (coalesce(deadline, ended_at)));
