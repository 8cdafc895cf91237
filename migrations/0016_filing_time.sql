-- When a case was filed (立案: the centre accepted it, or an inspector fixed it
-- on the spot), kept on the case by casework like handled_at and closed_at, so
-- the case export and the case JSON read it from the row instead of looking
-- up each case's stage records. A reopen or a return is not a new filing.
ALTER TABLE case_record ADD COLUMN filed_at INTEGER;
-- Cases filed before: the end of their accepted filing record, or, fixed on
-- the spot, the moment they were closed. One grouped pass over the filing
-- records: a subquery per case was planned on case_stage_due (stage = 'file')
-- and read every filing record for each case, hours at 100k cases.
UPDATE case_record SET filed_at = f.first_filed
FROM (SELECT case_id, min(ended_at) AS first_filed FROM case_stage
      WHERE stage = 'file' AND outcome = 'accept' GROUP BY case_id) AS f
WHERE f.case_id = case_record.id;
UPDATE case_record SET filed_at = closed_at WHERE filed_at IS NULL AND self_handled = 1;
