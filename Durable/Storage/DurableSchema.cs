using Npgsql;

namespace Durable.Storage;

/// <summary>The <c>durable</c> schema. Append new migrations; never edit an applied one.</summary>
public static class DurableSchema
{
    public const string Name = "durable";

    public static readonly IReadOnlyList<Migration> Migrations =
    [
        new(1, "runs_events_tasks", """
            CREATE SCHEMA IF NOT EXISTS durable;

            CREATE TABLE IF NOT EXISTS durable.runs (
                run_id               uuid PRIMARY KEY,
                workflow_id          text NOT NULL,
                workflow_type        text NOT NULL,
                task_queue           text NOT NULL,
                status               text NOT NULL,
                input                jsonb NOT NULL,
                result               jsonb,
                failure              jsonb,
                started_at           timestamptz NOT NULL,
                closed_at            timestamptz,
                next_seq             bigint NOT NULL DEFAULT 1,
                parent_run_id        uuid,
                parent_workflow_id   text,
                parent_command_index int,
                next_run_id          uuid,
                schedule_id          text,
                trace_parent         text);
            -- Workflow IDs are unique among running runs: this index is what makes start idempotent.
            CREATE UNIQUE INDEX IF NOT EXISTS runs_one_running_per_id ON durable.runs (workflow_id) WHERE status = 'Running';
            CREATE INDEX IF NOT EXISTS runs_by_workflow_id ON durable.runs (workflow_id, started_at DESC);
            CREATE INDEX IF NOT EXISTS runs_by_start ON durable.runs (started_at DESC, run_id DESC);
            CREATE INDEX IF NOT EXISTS runs_by_parent ON durable.runs (parent_run_id) WHERE parent_run_id IS NOT NULL;
            CREATE INDEX IF NOT EXISTS runs_by_schedule ON durable.runs (schedule_id, started_at DESC) WHERE schedule_id IS NOT NULL;

            CREATE TABLE IF NOT EXISTS durable.events (
                run_id     uuid NOT NULL,
                seq        bigint NOT NULL,
                type       text NOT NULL,
                time       timestamptz NOT NULL,
                attributes jsonb NOT NULL,
                PRIMARY KEY (run_id, seq));

            -- At most one pending workflow task per run; version counts enqueues so a task that ran while
            -- new events arrived is run again instead of deleted.
            CREATE TABLE IF NOT EXISTS durable.workflow_tasks (
                run_id           uuid PRIMARY KEY,
                task_queue       text NOT NULL,
                visible_at       timestamptz NOT NULL,
                version          int NOT NULL DEFAULT 1,
                lease_owner      text,
                lease_expires_at timestamptz);
            CREATE INDEX IF NOT EXISTS workflow_tasks_ready ON durable.workflow_tasks (task_queue, visible_at);

            -- visible_at doubles as lease expiry while leased, so one index finds ready and abandoned tasks.
            CREATE TABLE IF NOT EXISTS durable.activity_tasks (
                id                bigserial PRIMARY KEY,
                run_id            uuid NOT NULL,
                command_index     int NOT NULL,
                workflow_id       text NOT NULL,
                workflow_type     text NOT NULL,
                task_queue        text NOT NULL,
                activity_type     text NOT NULL,
                input             jsonb NOT NULL,
                options           jsonb NOT NULL,
                trace_parent      text,
                attempt           int NOT NULL DEFAULT 0,
                scheduled_at      timestamptz NOT NULL,
                visible_at        timestamptz NOT NULL,
                lease_owner       text,
                lease_expires_at  timestamptz,
                heartbeat_details jsonb,
                last_failure      jsonb,
                cancel_requested  boolean NOT NULL DEFAULT false,
                UNIQUE (run_id, command_index));
            CREATE INDEX IF NOT EXISTS activity_tasks_ready ON durable.activity_tasks (task_queue, visible_at);

            CREATE TABLE IF NOT EXISTS durable.timers (
                run_id        uuid NOT NULL,
                command_index int NOT NULL,
                fire_at       timestamptz NOT NULL,
                PRIMARY KEY (run_id, command_index));
            CREATE INDEX IF NOT EXISTS timers_due ON durable.timers (fire_at);

            -- Queries are answered by a worker that replays the run; the client waits for answered_at.
            CREATE TABLE IF NOT EXISTS durable.queries (
                id           uuid PRIMARY KEY,
                run_id       uuid NOT NULL,
                task_queue   text NOT NULL,
                name         text NOT NULL,
                args         jsonb NOT NULL,
                result       jsonb,
                error        text,
                created_at   timestamptz NOT NULL,
                visible_at   timestamptz NOT NULL,
                answered_at  timestamptz);
            CREATE INDEX IF NOT EXISTS queries_open ON durable.queries (task_queue, visible_at) WHERE answered_at IS NULL;

            CREATE TABLE IF NOT EXISTS durable.schedules (
                schedule_id        text PRIMARY KEY,
                cron               text NOT NULL,
                time_zone          text NOT NULL,
                workflow_type      text NOT NULL,
                workflow_input     jsonb NOT NULL,
                task_queue         text NOT NULL,
                overlap            text NOT NULL,
                catchup_window_ms  bigint NOT NULL,
                paused             boolean NOT NULL DEFAULT false,
                next_fire_at       timestamptz NOT NULL,
                buffered_fire_at   timestamptz,
                last_workflow_id   text,
                fired_count        int NOT NULL DEFAULT 0,
                skipped_count      int NOT NULL DEFAULT 0,
                created_at         timestamptz NOT NULL);
            CREATE INDEX IF NOT EXISTS schedules_due ON durable.schedules (next_fire_at) WHERE NOT paused;
            """),
    ];

    public static Task ApplyAsync(NpgsqlDataSource dataSource, CancellationToken ct = default) =>
        SchemaMigrator.ApplyAsync(dataSource, Name, Migrations, ct);
}
