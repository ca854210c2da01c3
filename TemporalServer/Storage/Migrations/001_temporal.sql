CREATE SCHEMA IF NOT EXISTS temporal;

-- One row per workflow run: its mutable state (state, JSON written by ExecutionStore) and the visibility columns
-- that List/Count filter on. Visibility's list-filter translator targets these columns:
--   namespace          text         the run's namespace
--   workflow_id        text         WorkflowId
--   run_id             uuid         RunId
--   workflow_type      text         WorkflowType
--   status             int          ExecutionStatus (temporal.api.enums.v1.WorkflowExecutionStatus number: 1 Running,
--                                   2 Completed, 3 Failed, 4 Canceled, 5 Terminated, 6 ContinuedAsNew, 7 TimedOut)
--   start_time         timestamptz  StartTime
--   execution_time     timestamptz  ExecutionTime (start time plus any first-task backoff: cron, retry, start delay)
--   close_time         timestamptz  CloseTime (NULL while running)
--   task_queue         text         TaskQueue
--   history_length     bigint       HistoryLength
--   search_attributes  jsonb        custom search attributes, name -> decoded JSON value (CustomKeywordField = "x")
--   memo               bytea        temporal.api.common.v1.Memo, protobuf
--   parent_workflow_id / parent_run_id  the parent of a child workflow (NULL otherwise)
CREATE TABLE temporal.executions (
    run_id             uuid PRIMARY KEY,
    namespace          text        NOT NULL,
    workflow_id        text        NOT NULL,
    workflow_type      text        NOT NULL,
    task_queue         text        NOT NULL,
    status             int         NOT NULL,
    start_time         timestamptz NOT NULL,
    execution_time     timestamptz NOT NULL,
    close_time         timestamptz,
    history_length     bigint      NOT NULL,
    search_attributes  jsonb       NOT NULL DEFAULT '{}',
    memo               bytea,
    parent_workflow_id text,
    parent_run_id      uuid,
    start_request_id   text,
    state              jsonb       NOT NULL);
-- At most one running run per workflow id: two servers starting the same id race on this index.
CREATE UNIQUE INDEX executions_running ON temporal.executions (namespace, workflow_id) WHERE status = 1;
CREATE INDEX executions_by_workflow_id ON temporal.executions (namespace, workflow_id, start_time DESC);
CREATE INDEX executions_by_start_time ON temporal.executions (namespace, start_time DESC);

-- Each run's history, one protobuf temporal.api.history.v1.HistoryEvent per row, ids contiguous from 1.
CREATE TABLE temporal.history_events (
    run_id   uuid   NOT NULL,
    event_id bigint NOT NULL,
    event    bytea  NOT NULL,
    PRIMARY KEY (run_id, event_id));

-- Workflow, activity and query tasks waiting for a poller; a poll takes one with FOR UPDATE SKIP LOCKED.
CREATE TABLE temporal.tasks (
    id                 bigserial PRIMARY KEY,
    namespace          text     NOT NULL,
    task_queue         text     NOT NULL,
    kind               smallint NOT NULL,
    run_id             uuid     NOT NULL,
    scheduled_event_id bigint   NOT NULL,
    attempt            int      NOT NULL,
    query_id           uuid);
CREATE INDEX tasks_by_queue ON temporal.tasks (namespace, task_queue, kind, id);

-- Durable timers and cross-run work (timeouts, retries, user timers, child starts, parent notifications); each
-- row is deleted in the transaction that acts on it, so it takes effect once even with several servers.
CREATE TABLE temporal.timers (
    id                 bigserial PRIMARY KEY,
    fire_at            timestamptz NOT NULL,
    run_id             uuid        NOT NULL,
    kind               smallint    NOT NULL,
    scheduled_event_id bigint      NOT NULL,
    attempt            int         NOT NULL,
    payload            bytea);
CREATE INDEX timers_by_fire_at ON temporal.timers (fire_at);

-- Legacy query tasks: QueryWorkflow waits for the row's result, written by RespondQueryTaskCompleted.
CREATE TABLE temporal.queries (
    id         uuid PRIMARY KEY,
    run_id     uuid        NOT NULL,
    query      bytea       NOT NULL,
    result     bytea,
    created_at timestamptz NOT NULL DEFAULT now());
