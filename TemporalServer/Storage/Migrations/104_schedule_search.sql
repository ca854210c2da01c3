-- ListSchedules with a visibility query (TemporalServer/Schedules/ScheduleRpcs): a schedule's search attributes as
-- the jsonb document list filters read (name -> JSON value, as temporal.executions.search_attributes), plus
-- TemporalSchedulePaused. Schedules written before this migration get theirs on their next change.
ALTER TABLE temporal.schedules ADD COLUMN search_document jsonb NOT NULL DEFAULT '{}'::jsonb;
