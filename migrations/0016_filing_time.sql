-- When a case was filed (立案: the centre accepted it, or an inspector fixed it
-- on the spot), kept on the case by casework like handled_at and closed_at, so
-- the case export and the case JSON read it from the row instead of looking
-- up each case's stage records. A reopen or a return is not a new filing.
ALTER TABLE case_record ADD COLUMN filed_at INTEGER;
-- Cases filed before: the end of their accepted filing record (on the index
-- case_stage_case), or, fixed on the spot, the moment they were closed.
UPDATE case_record SET filed_at = (
    SELECT min(s.ended_at) FROM case_stage s
    WHERE s.case_id = case_record.id AND s.stage = 'file' AND s.outcome = 'accept');
UPDATE case_record SET filed_at = closed_at WHERE filed_at IS NULL AND self_handled = 1;
