using System.Text.Json;
using Google.Protobuf;
using Grpc.Core;
using Npgsql;
using NpgsqlTypes;
using Temporalio.Api.Common.V1;
using Temporalio.Api.History.V1;
using TemporalServer.Api;

namespace TemporalServer.Executions;

/// <summary>
/// Runs in PostgreSQL. A change to a run locks its <c>executions</c> row (<c>FOR UPDATE</c>), applies transitions
/// to an <see cref="WorkflowRun"/> and saves state, new history events, tasks, timers and notifications in the same
/// transaction: several server processes can share one database.
/// </summary>
sealed class ExecutionStore(NpgsqlDataSource dataSource)
{
    public async Task<StoreTransaction> BeginAsync(CancellationToken ct)
    {
        var connection = await dataSource.OpenConnectionAsync(ct);
        return new StoreTransaction(connection, await connection.BeginTransactionAsync(ct));
    }

    /// <summary>Locks a run and applies <paramref name="change"/>; NotFound if there is no such run.</summary>
    public async Task<T> UpdateAsync<T>(string ns, WorkflowExecution execution, Func<WorkflowRun, StoreTransaction, Task<T>> change, CancellationToken ct)
    {
        await using var tx = await BeginAsync(ct);
        var run = await LockAsync(tx, ns, execution, ct) ?? throw ApiErrors.WorkflowNotFound(execution);
        var result = await change(run, tx);
        await SaveAsync(tx, run, ct);
        await tx.CommitAsync(ct);
        return result;
    }

    /// <summary>The run named by id, or the latest run of the workflow id when no run id is given.</summary>
    public async Task<WorkflowRun?> LockAsync(StoreTransaction tx, string ns, WorkflowExecution execution, CancellationToken ct)
    {
        var state = await ReadStateAsync(tx, ns, execution, forUpdate: true, ct);
        if (state is { IsRunning: false } && string.IsNullOrEmpty(execution.RunId)
            && await ReadStateAsync(tx, ns, execution, forUpdate: false, ct) is { } latest && latest.RunId != state.RunId)
        {
            // The latest run closed while this statement waited for its lock, and the run that replaced it (continue-as-new,
            // retry, cron, reset) was inserted after the statement's snapshot: take that one. Runs of one workflow are
            // only ever locked older first, so this second lock cannot deadlock.
            state = await ReadStateAsync(tx, ns, latest.Execution, forUpdate: true, ct);
        }
        return state is null ? null : new WorkflowRun(state, isNew: false);
    }

    public async Task<WorkflowRun?> LockAsync(StoreTransaction tx, string runId, CancellationToken ct)
    {
        await using var command = tx.Command("SELECT state FROM temporal.executions WHERE run_id = $1 FOR UPDATE");
        command.Parameters.Add(new() { Value = Guid.Parse(runId) });
        var json = (string?)await command.ExecuteScalarAsync(ct);
        return json is null ? null : new WorkflowRun(Deserialize(json), isNew: false);
    }

    public async Task<RunState?> ReadStateAsync(StoreTransaction tx, string ns, WorkflowExecution execution, bool forUpdate, CancellationToken ct)
    {
        var byRun = !string.IsNullOrEmpty(execution.RunId);
        if (byRun && !Guid.TryParse(execution.RunId, out _)) throw ApiErrors.InvalidArgument($"RunId {execution.RunId} is not a UUID");
        await using var command = tx.Command(
            (byRun
                ? "SELECT state FROM temporal.executions WHERE namespace = $1 AND workflow_id = $2 AND run_id = $3::uuid"
                : "SELECT state FROM temporal.executions WHERE namespace = $1 AND workflow_id = $2 ORDER BY start_time DESC LIMIT 1")
            + (forUpdate ? " FOR UPDATE" : ""));
        command.Parameters.Add(new() { Value = ns });
        command.Parameters.Add(new() { Value = execution.WorkflowId });
        if (byRun) command.Parameters.Add(new() { Value = execution.RunId });
        var json = (string?)await command.ExecuteScalarAsync(ct);
        return json is null ? null : Deserialize(json);
    }

    public async Task<RunState?> ReadStateAsync(string ns, WorkflowExecution execution, CancellationToken ct)
    {
        await using var tx = await BeginAsync(ct);
        return await ReadStateAsync(tx, ns, execution, forUpdate: false, ct);
    }

    static RunState Deserialize(string json) => JsonSerializer.Deserialize<RunState>(json, RunState.Json)!;

    const string Insert = """
        INSERT INTO temporal.executions (run_id, namespace, workflow_id, workflow_type, task_queue, status, start_time, execution_time,
            close_time, history_length, search_attributes, memo, parent_workflow_id, parent_run_id, start_request_id, state)
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)
        """;

    const string Update = """
        UPDATE temporal.executions SET status = $6, execution_time = $8, close_time = $9, history_length = $10,
            search_attributes = $11, memo = $12, state = $16
        WHERE run_id = $1
        """;

    /// <summary>Writes the run and everything its transitions produced; then the runs they created.</summary>
    public async Task SaveAsync(StoreTransaction tx, WorkflowRun run, CancellationToken ct)
    {
        var s = run.State;
        var batch = new NpgsqlBatch(tx.Connection, tx.Transaction);
        var write = new NpgsqlBatchCommand(run.IsNew ? Insert : Update);
        write.Parameters.Add(new() { Value = Guid.Parse(s.RunId) });
        write.Parameters.Add(new() { Value = s.Namespace });
        write.Parameters.Add(new() { Value = s.WorkflowId });
        write.Parameters.Add(new() { Value = s.Started.WorkflowType.Name });
        write.Parameters.Add(new() { Value = s.TaskQueue });
        write.Parameters.Add(new() { Value = (int)s.Status });
        write.Parameters.Add(new() { Value = s.StartTime });
        write.Parameters.Add(new() { Value = s.ExecutionTime });
        write.Parameters.Add(new() { Value = (object?)s.CloseTime ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.TimestampTz });
        write.Parameters.Add(new() { Value = s.NextEventId - 1 });
        write.Parameters.Add(new() { Value = SearchAttributeJson.ToJson(s.SearchAttributes), NpgsqlDbType = NpgsqlDbType.Jsonb });
        write.Parameters.Add(new() { Value = s.Memo.ToByteArray() });
        write.Parameters.Add(new() { Value = (object?)s.Started.ParentWorkflowExecution?.WorkflowId ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
        write.Parameters.Add(new() { Value = s.Started.ParentWorkflowExecution is { } p ? Guid.Parse(p.RunId) : DBNull.Value, NpgsqlDbType = NpgsqlDbType.Uuid });
        write.Parameters.Add(new() { Value = (object?)s.StartRequestId ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
        write.Parameters.Add(new() { Value = JsonSerializer.Serialize(s, RunState.Json), NpgsqlDbType = NpgsqlDbType.Jsonb });
        batch.BatchCommands.Add(write);

        if (run.NewEvents.Count > 0)
        {
            var events = new NpgsqlBatchCommand("INSERT INTO temporal.history_events (run_id, event_id, event) SELECT $1, unnest($2::bigint[]), unnest($3::bytea[])");
            events.Parameters.Add(new() { Value = Guid.Parse(s.RunId) });
            events.Parameters.Add(new() { Value = run.NewEvents.Select(e => e.EventId).ToArray() });
            events.Parameters.Add(new() { Value = run.NewEvents.Select(e => e.ToByteArray()).ToArray() });
            batch.BatchCommands.Add(events);
        }
        foreach (var task in run.NewTasks)
        {
            var insert = new NpgsqlBatchCommand("INSERT INTO temporal.tasks (namespace, task_queue, kind, run_id, scheduled_event_id, attempt, query_id) VALUES ($1, $2, $3, $4, $5, $6, $7)");
            insert.Parameters.Add(new() { Value = task.Namespace });
            insert.Parameters.Add(new() { Value = task.TaskQueue });
            insert.Parameters.Add(new() { Value = (short)task.Kind });
            insert.Parameters.Add(new() { Value = Guid.Parse(task.RunId) });
            insert.Parameters.Add(new() { Value = task.ScheduledEventId });
            insert.Parameters.Add(new() { Value = task.Attempt });
            insert.Parameters.Add(new() { Value = (object?)task.QueryId ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Uuid });
            batch.BatchCommands.Add(insert);
        }
        foreach (var timer in run.NewTimers)
        {
            var insert = new NpgsqlBatchCommand("INSERT INTO temporal.timers (fire_at, run_id, kind, scheduled_event_id, attempt, payload) VALUES ($1, $2, $3, $4, $5, $6)");
            insert.Parameters.Add(new() { Value = timer.FireAt });
            insert.Parameters.Add(new() { Value = Guid.Parse(timer.RunId) });
            insert.Parameters.Add(new() { Value = (short)timer.Kind });
            insert.Parameters.Add(new() { Value = timer.ScheduledEventId });
            insert.Parameters.Add(new() { Value = timer.Attempt });
            insert.Parameters.Add(new() { Value = (object?)timer.Payload ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Bytea });
            batch.BatchCommands.Add(insert);
        }
        foreach (var timer in run.CancelledTimers)
        {
            // SKIP LOCKED: a timer processor firing this row right now waits for the run's lock, which this transaction
            // holds; waiting for its row would deadlock. That timer then finds nothing to do.
            var delete = new NpgsqlBatchCommand("""
                DELETE FROM temporal.timers WHERE id IN (SELECT id FROM temporal.timers
                    WHERE run_id = $1 AND kind = $2 AND scheduled_event_id = $3 AND attempt = $4 FOR UPDATE SKIP LOCKED)
                """);
            delete.Parameters.Add(new() { Value = Guid.Parse(timer.RunId) });
            delete.Parameters.Add(new() { Value = (short)timer.Kind });
            delete.Parameters.Add(new() { Value = timer.ScheduledEventId });
            delete.Parameters.Add(new() { Value = timer.Attempt });
            batch.BatchCommands.Add(delete);
        }
        foreach (var task in run.WithdrawnTasks)
        {
            // SKIP LOCKED for the same reason: a poller holding the row drops it when it sees the run.
            var delete = new NpgsqlBatchCommand("""
                DELETE FROM temporal.tasks WHERE id IN (SELECT id FROM temporal.tasks
                    WHERE namespace = $1 AND task_queue = $2 AND kind = $3 AND run_id = $4 AND scheduled_event_id = $5 FOR UPDATE SKIP LOCKED)
                """);
            delete.Parameters.Add(new() { Value = task.Namespace });
            delete.Parameters.Add(new() { Value = task.TaskQueue });
            delete.Parameters.Add(new() { Value = (short)task.Kind });
            delete.Parameters.Add(new() { Value = Guid.Parse(task.RunId) });
            delete.Parameters.Add(new() { Value = task.ScheduledEventId });
            batch.BatchCommands.Add(delete);
        }
        foreach (var key in run.Notifications)
        {
            var notify = new NpgsqlBatchCommand("SELECT pg_notify($1, $2)");
            notify.Parameters.Add(new() { Value = Storage.Notifications.Channel });
            notify.Parameters.Add(new() { Value = key });
            batch.BatchCommands.Add(notify);
        }
        await batch.ExecuteNonQueryAsync(ct);
        run.NewEvents.Clear();
        run.NewTasks.Clear();
        run.NewTimers.Clear();
        run.CancelledTimers.Clear();
        run.WithdrawnTasks.Clear();
        run.Notifications.Clear();
        foreach (var created in run.NewRuns) await SaveAsync(tx, created, ct);
        run.NewRuns.Clear();
    }

    /// <summary>Events with ids above <paramref name="after"/>, ascending (or the last ones first, descending, when <paramref name="reverse"/>).</summary>
    public static async Task<List<HistoryEvent>> ReadHistoryAsync(StoreTransaction tx, string runId, long after, int limit, bool reverse, CancellationToken ct)
    {
        await using var command = tx.Command(reverse
            ? "SELECT event FROM temporal.history_events WHERE run_id = $1 AND event_id < $2 ORDER BY event_id DESC LIMIT $3"
            : "SELECT event FROM temporal.history_events WHERE run_id = $1 AND event_id > $2 ORDER BY event_id LIMIT $3");
        command.Parameters.Add(new() { Value = Guid.Parse(runId) });
        command.Parameters.Add(new() { Value = reverse && after == 0 ? long.MaxValue : after });
        command.Parameters.Add(new() { Value = limit });
        var events = new List<HistoryEvent>();
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct)) events.Add(HistoryEvent.Parser.ParseFrom(reader.GetFieldValue<byte[]>(0)));
        return events;
    }
}

sealed class StoreTransaction(NpgsqlConnection connection, NpgsqlTransaction transaction) : IAsyncDisposable
{
    public NpgsqlConnection Connection { get; } = connection;
    public NpgsqlTransaction Transaction { get; } = transaction;

    public NpgsqlCommand Command(string sql) => new(sql, Connection, Transaction);

    /// <summary>Several parameterised statements in one round trip (a prepared statement holds only one).</summary>
    public async Task ExecuteAsync(CancellationToken ct, params (string Sql, object[] Arguments)[] statements)
    {
        await using var batch = new NpgsqlBatch(Connection, Transaction);
        foreach (var (sql, arguments) in statements)
        {
            var command = new NpgsqlBatchCommand(sql);
            foreach (var argument in arguments) command.Parameters.Add(new() { Value = argument });
            batch.BatchCommands.Add(command);
        }
        await batch.ExecuteNonQueryAsync(ct);
    }

    public Task NotifyAsync(string key, CancellationToken ct) =>
        ExecuteAsync(ct, ("SELECT pg_notify($1, $2)", [Storage.Notifications.Channel, key]));

    public Task CommitAsync(CancellationToken ct) => Transaction.CommitAsync(ct);

    public async ValueTask DisposeAsync()
    {
        await Transaction.DisposeAsync();
        await Connection.DisposeAsync();
    }
}
