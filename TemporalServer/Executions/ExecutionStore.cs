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
        Stage(tx, run);
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
        return json is null ? null : Locked(json);
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

    /// <summary>A run whose <c>state</c> was read with <c>FOR UPDATE</c> by another statement of the transaction.</summary>
    public static WorkflowRun Locked(string json) => new(Deserialize(json), isNew: false);

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

    /// <summary>Writes the run and everything its transitions produced, then the runs they created, in one round trip.</summary>
    public async Task SaveAsync(StoreTransaction tx, WorkflowRun run, CancellationToken ct)
    {
        Stage(tx, run);
        await tx.FlushAsync(ct);
    }

    /// <summary>
    /// Adds the writes of <paramref name="run"/> and the runs it created to the transaction's pending statements, which
    /// go to PostgreSQL with its commit (or next flush) in one round trip.
    /// </summary>
    public void Stage(StoreTransaction tx, WorkflowRun run)
    {
        var s = run.State;
        var batch = tx.Pending;
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
        run.NewEvents.Clear();
        run.NewTasks.Clear();
        run.NewTimers.Clear();
        run.CancelledTimers.Clear();
        run.WithdrawnTasks.Clear();
        run.Notifications.Clear();
        foreach (var created in run.NewRuns) Stage(tx, created);
        run.NewRuns.Clear();
    }

    /// <summary>Events with ids above <paramref name="after"/>, ascending (or the last ones first, descending, when <paramref name="reverse"/>).</summary>
    public static async Task<List<HistoryEvent>> ReadHistoryAsync(StoreTransaction tx, string runId, long after, int limit, bool reverse, CancellationToken ct)
    {
        await using var command = tx.Command(reverse
            ? "SELECT event FROM temporal.history_events WHERE run_id = $1 AND event_id < $2 ORDER BY event_id DESC LIMIT $3"
            : HistoryAfter);
        command.Parameters.Add(new() { Value = Guid.Parse(runId) });
        command.Parameters.Add(new() { Value = reverse && after == 0 ? long.MaxValue : after });
        command.Parameters.Add(new() { Value = limit });
        var events = new List<HistoryEvent>();
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct)) events.Add(HistoryEvent.Parser.ParseFrom(reader.GetFieldValue<byte[]>(0)));
        return events;
    }

    const string HistoryAfter = "SELECT event FROM temporal.history_events WHERE run_id = $1 AND event_id > $2 ORDER BY event_id LIMIT $3";

    /// <summary>
    /// Commits the transaction's pending writes and reads the run's events after <paramref name="after"/> (those writes
    /// included) in the same round trip.
    /// </summary>
    public static async Task<List<HistoryEvent>> CommitReadingHistoryAsync(StoreTransaction tx, string runId, long after, CancellationToken ct)
    {
        var query = new NpgsqlBatchCommand(HistoryAfter);
        query.Parameters.Add(new() { Value = Guid.Parse(runId) });
        query.Parameters.Add(new() { Value = after });
        query.Parameters.Add(new() { Value = int.MaxValue });
        var events = new List<HistoryEvent>();
        await tx.CommitReadingAsync(query, "event", reader => events.Add(HistoryEvent.Parser.ParseFrom(reader.GetFieldValue<byte[]>(0))), ct);
        return events;
    }
}

/// <summary>
/// One transaction on one pooled connection. Writes can be staged in <see cref="Pending"/> and sent with the commit:
/// a change is then two round trips (lock and read; write and commit) instead of three. Npgsql has no API for a commit
/// in a batch (npgsql/npgsql#4351); a <c>COMMIT</c> statement ends the transaction it began, which Npgsql then sees
/// as completed, and a failure in any statement fails the batch and rolls everything back.
/// </summary>
sealed class StoreTransaction(NpgsqlConnection connection, NpgsqlTransaction transaction) : IAsyncDisposable
{
    NpgsqlBatch? _pending;
    bool _committed;

    public NpgsqlConnection Connection { get; } = connection;
    public NpgsqlTransaction Transaction { get; } = transaction;

    /// <summary>Statements sent with the next <see cref="FlushAsync"/> or <see cref="CommitAsync"/>.</summary>
    public NpgsqlBatch Pending => _pending ??= new NpgsqlBatch(Connection, Transaction);

    public NpgsqlCommand Command(string sql) => new(sql, Connection, Transaction);

    /// <summary>Sends the pending statements (none: nothing is sent).</summary>
    public async Task FlushAsync(CancellationToken ct)
    {
        if (_pending is null) return;
        await using var batch = _pending;
        _pending = null;
        await batch.ExecuteNonQueryAsync(ct);
    }

    /// <summary>
    /// Sends the pending statements, <paramref name="query"/> (one column named <paramref name="column"/>) and the commit
    /// in one round trip; <paramref name="read"/> gets the query's rows.
    /// </summary>
    public async Task CommitReadingAsync(NpgsqlBatchCommand query, string column, Action<NpgsqlDataReader> read, CancellationToken ct)
    {
        var batch = Pending;
        batch.BatchCommands.Add(query);
        batch.BatchCommands.Add(new NpgsqlBatchCommand("COMMIT"));
        _pending = null;
        _committed = true;
        await using (batch)
        {
            await using var reader = await batch.ExecuteReaderAsync(ct);
            do
            {
                // Staged statements may return rows too (pg_notify): only the query's are read, found by its column.
                if (reader.FieldCount == 1 && reader.GetName(0) == column)
                    while (await reader.ReadAsync(ct)) read(reader);
            }
            // To the last result: the commit's outcome comes after the rows, and an error there throws here.
            while (await reader.NextResultAsync(ct));
        }
    }

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

    /// <summary>Commits, sending the pending statements with the commit in one round trip; once committed, nothing.</summary>
    public async Task CommitAsync(CancellationToken ct)
    {
        if (_committed) return;
        _committed = true;
        if (_pending is null)
        {
            await Transaction.CommitAsync(ct);
            return;
        }
        Pending.BatchCommands.Add(new NpgsqlBatchCommand("COMMIT"));
        await FlushAsync(ct);
    }

    public async ValueTask DisposeAsync()
    {
        if (_pending is not null) await _pending.DisposeAsync();
        await Transaction.DisposeAsync();
        await Connection.DisposeAsync();
    }
}
