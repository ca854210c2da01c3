using System.Text.Json;
using Npgsql;
using NpgsqlTypes;

namespace Durable.Storage;

/// <summary>
/// One PostgreSQL transaction that changes runs. Every history append goes through here: the run row is locked first
/// (so sequence numbers have no gaps and no interleaving), and notifications are sent just before commit so that
/// PostgreSQL delivers them only if the transaction commits.
/// Statements whose results nobody reads are queued and travel with the next statement that is read (or with the
/// commit) in one <see cref="NpgsqlBatch"/>: a transaction costs as many round trips as it has decisions to make.
/// </summary>
internal sealed class RunTransaction : IAsyncDisposable
{
    public const string Channel = "durable";

    readonly bool _ownsConnection;
    readonly HashSet<string> _notifications = [];
    readonly List<Statement> _pending = [];

    RunTransaction(NpgsqlConnection connection, NpgsqlTransaction transaction, bool ownsConnection)
    {
        Connection = connection;
        Transaction = transaction;
        _ownsConnection = ownsConnection;
    }

    public NpgsqlConnection Connection { get; }
    public NpgsqlTransaction Transaction { get; }

    public static async Task<RunTransaction> BeginAsync(NpgsqlDataSource dataSource, CancellationToken ct)
    {
        var connection = await dataSource.OpenConnectionAsync(ct);
        try { return new(connection, await connection.BeginTransactionAsync(ct), ownsConnection: true); }
        catch { await connection.DisposeAsync(); throw; }
    }

    /// <summary>Joins a transaction an activity already used for its own writes.</summary>
    public static RunTransaction Join(NpgsqlConnection connection, NpgsqlTransaction transaction) => new(connection, transaction, ownsConnection: false);

    /// <summary>A command to run now; only when nothing is queued (queued statements must run first).</summary>
    public NpgsqlCommand Command(string sql, params object?[] args) =>
        _pending.Count == 0 ? Sql.Command(sql, Connection, Transaction, args) : throw new InvalidOperationException("flush queued statements first");

    /// <summary>A statement sent with the next flush; <paramref name="onRow"/> reads its rows, if it returns any.</summary>
    public sealed class Statement(NpgsqlBatchCommand command, Action<NpgsqlDataReader>? onRow)
    {
        internal NpgsqlBatchCommand BatchCommand { get; } = command;
        internal Action<NpgsqlDataReader>? OnRow { get; } = onRow;
        public int RowsAffected => BatchCommand.RecordsAffected;
    }

    /// <summary>Queues a script; returns its last statement. Statements that return rows must have <paramref name="onRow"/>.</summary>
    public Statement Queue(string sql, Action<NpgsqlDataReader>? onRow, params object?[] args)
    {
        Statement? last = null;
        foreach (var command in Sql.BatchCommands(sql, args)) _pending.Add(last = new Statement(command, onRow));
        return last!;
    }

    public Statement Queue(string sql, params object?[] args) => Queue(sql, null, args);

    /// <summary>Sends every queued statement in one round trip.</summary>
    public async Task FlushAsync(CancellationToken ct)
    {
        if (_pending.Count == 0) return;
        var statements = _pending.ToArray();
        _pending.Clear();
        await using var batch = new NpgsqlBatch(Connection, Transaction);
        foreach (var s in statements) batch.BatchCommands.Add(s.BatchCommand);
        if (!statements.Any(s => s.OnRow is not null))
        {
            await batch.ExecuteNonQueryAsync(ct);
            return;
        }
        // Npgsql yields one result set per statement that returns rows, in order.
        await using var reader = await batch.ExecuteReaderAsync(ct);
        var first = true;
        foreach (var s in statements.Where(s => s.OnRow is not null))
        {
            if (!first && !await reader.NextResultAsync(ct)) throw new InvalidOperationException("a statement returned no result set");
            first = false;
            while (await reader.ReadAsync(ct)) s.OnRow!(reader);
        }
    }

    public async Task<int> ExecuteAsync(string sql, CancellationToken ct, params object?[] args)
    {
        var statement = Queue(sql, args);
        await FlushAsync(ct);
        return statement.RowsAffected;
    }

    public async Task<List<T>> QueryAsync<T>(string sql, Func<NpgsqlDataReader, T> read, CancellationToken ct, params object?[] args)
    {
        var rows = new List<T>();
        Queue(sql, r => rows.Add(read(r)), args);
        await FlushAsync(ct);
        return rows;
    }

    public static NpgsqlParameter Json(object? json) => new() { NpgsqlDbType = NpgsqlDbType.Jsonb, Value = json switch { null => DBNull.Value, JsonElement e => e.GetRawText(), string s => s, _ => EngineJson.Serialize(json) } };

    public const string LockRunSql = $"SELECT {RunRow.Columns} FROM durable.runs WHERE run_id = $1 FOR UPDATE";
    const string LockRunningSql = $"SELECT {RunRow.Columns} FROM durable.runs WHERE workflow_id = $1 AND status = 'Running' FOR UPDATE";

    public Task<RunRow?> LockRunAsync(Guid runId, CancellationToken ct) => ReadRunAsync(LockRunSql, runId, ct);
    public Task<RunRow?> LockRunningAsync(string workflowId, CancellationToken ct) => ReadRunAsync(LockRunningSql, workflowId, ct);

    async Task<RunRow?> ReadRunAsync(string sql, object key, CancellationToken ct) =>
        (await QueryAsync(sql, RunRow.Read, ct, key)).FirstOrDefault();

    const string AppendSql = """
        INSERT INTO durable.events (run_id, seq, type, time, attributes)
        SELECT $1, e.seq, e.type, $5, e.attributes FROM unnest($2::bigint[], $3::text[], $4::jsonb[]) AS e(seq, type, attributes);
        UPDATE durable.runs SET next_seq = $6 WHERE run_id = $1
        """;

    /// <summary>Appends events to a locked run (queued) and returns them with their sequence numbers.</summary>
    public List<HistoryEvent> Append(RunRow run, IReadOnlyList<(string Type, EventAttributes Attributes)> events, DateTimeOffset now)
    {
        if (events.Count == 0) return [];
        var appended = events.Select((e, i) => new HistoryEvent(run.NextSeq + i, e.Type, now, e.Attributes)).ToList();
        run.NextSeq += events.Count;
        Queue(AppendSql, run.RunId, appended.Select(e => e.Seq).ToArray(), appended.Select(e => e.Type).ToArray(),
            new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Jsonb, Value = appended.Select(e => EngineJson.Serialize(e.Attributes)).ToArray() },
            now, run.NextSeq);
        return appended;
    }

    const string EnqueueWorkflowTaskSql = """
        INSERT INTO durable.workflow_tasks (run_id, task_queue, visible_at) VALUES ($1, $2, $3)
        ON CONFLICT (run_id) DO UPDATE SET version = durable.workflow_tasks.version + 1,
            visible_at = CASE WHEN durable.workflow_tasks.lease_owner IS NULL THEN LEAST(durable.workflow_tasks.visible_at, $3) ELSE durable.workflow_tasks.visible_at END
        """;

    /// <summary>Asks for the run's code to be executed again (new events arrived, queued). A task already running is re-run after it finishes.</summary>
    public void EnqueueWorkflowTask(RunRow run, DateTimeOffset now)
    {
        Queue(EnqueueWorkflowTaskSql, run.RunId, run.TaskQueue, now);
        Notify($"w:{run.TaskQueue}");
    }

    const string InsertRunSql = """
        INSERT INTO durable.runs (run_id, workflow_id, workflow_type, task_queue, status, input, started_at, next_seq,
                                  parent_run_id, parent_workflow_id, parent_command_index, schedule_id, trace_parent)
        VALUES ($1, $2, $3, $4, 'Running', $5, $6, 1, $7, $8, $9, $10, $11)
        ON CONFLICT (workflow_id) WHERE status = 'Running' DO NOTHING
        """;

    /// <summary>Creates a running run with its first events and a workflow task; false if the workflow ID already has a running run.</summary>
    public async Task<RunRow?> CreateRunAsync(NewRun run, DateTimeOffset now, CancellationToken ct)
    {
        var inserted = await ExecuteAsync(InsertRunSql, ct, run.RunId, run.WorkflowId, run.WorkflowType, run.TaskQueue, Json(run.Input), now,
            run.ParentRunId, run.ParentWorkflowId, run.ParentCommandIndex, run.ScheduleId, run.TraceParent);
        if (inserted == 0) return null;
        var row = new RunRow
        {
            RunId = run.RunId,
            WorkflowId = run.WorkflowId,
            WorkflowType = run.WorkflowType,
            TaskQueue = run.TaskQueue,
            Status = WorkflowStatus.Running,
            NextSeq = 1,
            Input = run.Input,
            StartedAt = now,
            ParentRunId = run.ParentRunId,
            ParentWorkflowId = run.ParentWorkflowId,
            ParentCommandIndex = run.ParentCommandIndex,
            ScheduleId = run.ScheduleId,
            TraceParent = run.TraceParent,
        };
        var history = run.History?.Select(e => (e.Type, e.Attributes)).ToList()
            ?? [(EventTypes.WorkflowStarted, new EventAttributes { Name = run.WorkflowType, Payload = run.Input, TaskQueue = run.TaskQueue, WorkflowId = run.WorkflowId })];
        Append(row, history, now);
        EnqueueWorkflowTask(row, now);
        DurableTelemetry.WorkflowsStarted.Add(1, new KeyValuePair<string, object?>("workflow.type", run.WorkflowType));
        return row;
    }

    const string CloseRunSql = """
        UPDATE durable.runs SET status = $2, result = $3, failure = $4, closed_at = $5, next_run_id = $6 WHERE run_id = $1;
        DELETE FROM durable.workflow_tasks WHERE run_id = $1;
        DELETE FROM durable.timers WHERE run_id = $1;
        DELETE FROM durable.activity_tasks WHERE run_id = $1
        """;
    const string RunningChildrenSql = "SELECT run_id FROM durable.runs WHERE parent_run_id = $1 AND status = 'Running'";

    /// <summary>
    /// Closes a locked run: writes its closing event and status, drops its pending work (a running activity notices the
    /// lost lease), reports to the parent and terminates running children (Temporal's default parent-close policy).
    /// </summary>
    public async Task CloseRunAsync(RunRow run, WorkflowStatus status, string eventType, EventAttributes attributes, DateTimeOffset now, CancellationToken ct, Guid? nextRunId = null)
    {
        Append(run, [(eventType, attributes)], now);
        run.Status = status;
        Queue(CloseRunSql, run.RunId, status.ToString(), Json(attributes.Payload), Json(attributes.Failure), now, nextRunId);
        Notify($"c:{run.RunId}");
        var tags = new KeyValuePair<string, object?>("workflow.type", run.WorkflowType);
        if (status == WorkflowStatus.Completed) DurableTelemetry.WorkflowsCompleted.Add(1, tags);
        else if (status is WorkflowStatus.Failed or WorkflowStatus.NonDeterministic) DurableTelemetry.WorkflowsFailed.Add(1, tags);

        if (run.ParentRunId is { } parentId && status != WorkflowStatus.ContinuedAsNew && await LockRunAsync(parentId, ct) is { Status: WorkflowStatus.Running } parent)
        {
            var resolution = status == WorkflowStatus.Completed
                ? (EventTypes.ChildWorkflowCompleted, new EventAttributes { CommandIndex = run.ParentCommandIndex, WorkflowId = run.WorkflowId, RunId = run.RunId, Payload = attributes.Payload })
                : (EventTypes.ChildWorkflowFailed, new EventAttributes
                {
                    CommandIndex = run.ParentCommandIndex,
                    WorkflowId = run.WorkflowId,
                    RunId = run.RunId,
                    Failure = attributes.Failure ?? new FailureInfo(status.ToString(), attributes.Reason ?? $"child workflow {status.ToString().ToLowerInvariant()}"),
                });
            Append(parent, [resolution], now);
            EnqueueWorkflowTask(parent, now);
        }

        var children = await QueryAsync(RunningChildrenSql, r => r.GetGuid(0), ct, run.RunId);
        foreach (var childId in children)
            if (await LockRunAsync(childId, ct) is { Status: WorkflowStatus.Running } child)
                await CloseRunAsync(child, WorkflowStatus.Terminated, EventTypes.WorkflowTerminated, new EventAttributes { Reason = $"parent {run.WorkflowId} closed as {status}" }, now, ct);
    }

    /// <summary>Records a cancel request; the code sees it through Workflow.CancellationToken on its next task.</summary>
    public void RequestCancel(RunRow run, string reason, DateTimeOffset now)
    {
        Append(run, [(EventTypes.CancelRequested, new EventAttributes { Reason = reason })], now);
        EnqueueWorkflowTask(run, now);
    }

    public void Notify(string payload) => _notifications.Add(payload);

    /// <summary>
    /// Sends the queued statements, the notifications and COMMIT in one round trip. Npgsql follows the transaction state
    /// the server reports, so <see cref="Transaction"/> knows it is committed; if any statement fails the server skips the
    /// rest of the batch, COMMIT included, and disposing rolls back.
    /// </summary>
    public async Task CommitAsync(CancellationToken ct)
    {
        if (_notifications.Count > 0)
            Queue("SELECT pg_notify($1, n) FROM unnest($2::text[]) AS n", static _ => { }, Channel, _notifications.ToArray());
        Queue("COMMIT");
        await FlushAsync(ct);
    }

    public async ValueTask DisposeAsync()
    {
        if (!_ownsConnection) return;
        await Transaction.DisposeAsync();
        await Connection.DisposeAsync();
    }
}
