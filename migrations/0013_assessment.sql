-- Assessment by period: stage records by the time they fall due (the deadline,
-- or the end of a record that ended while paused and so had none), so that a
-- month's assessment reads that month's records and not the history. The
-- expression is written exactly as the store's queries write it. The old
-- case_stage_ended (by end time) does not serve: a record is judged in the
-- period of its deadline, and a running one past it is overdue there.
CREATE INDEX case_stage_due ON case_stage (stage, coalesce(deadline, ended_at));
