-- Schedules (TemporalServer/Schedules). One row per schedule; the scheduler takes due rows with
-- FOR UPDATE SKIP LOCKED, so with several servers on one database each action is taken once.
--   schedule        temporal.api.schedule.v1.Schedule (spec, action, policies, state), protobuf
--   info            temporal.api.schedule.v1.ScheduleInfo (counts, recent actions, running workflows), protobuf
--   processed_until every spec time up to here has been acted on (started, skipped, buffered or missed)
--   buffered        nominal times waiting for a running workflow to close (BufferOne/BufferAll)
--   wake_at         when the scheduler must look at the row next (NULL: nothing to do until changed)
CREATE TABLE temporal.schedules (
    namespace         text        NOT NULL,
    schedule_id       text        NOT NULL,
    schedule          bytea       NOT NULL,
    info              bytea       NOT NULL,
    memo              bytea,
    search_attributes bytea,
    conflict_token    bigint      NOT NULL,
    processed_until   timestamptz NOT NULL,
    buffered          timestamptz[] NOT NULL DEFAULT '{}',
    wake_at           timestamptz,
    PRIMARY KEY (namespace, schedule_id));
CREATE INDEX schedules_by_wake_at ON temporal.schedules (wake_at) WHERE wake_at IS NOT NULL;
