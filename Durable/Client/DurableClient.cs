using System.Linq.Expressions;
using System.Text.Json;
using Durable.Storage;
using Npgsql;

namespace Durable;

/// <summary>Starts, finds and operates on workflow runs and schedules. Thread-safe; register one per process.</summary>
public sealed class DurableClient
{
    readonly Lazy<Task> _schema;

    public DurableClient(NpgsqlDataSource dataSource, DurableClientOptions? options = null)
    {
        DataSource = dataSource;
        Options = options ?? new DurableClientOptions();
        Serializer = new DurableSerializer(Options.SerializerOptions);
        _schema = new(() => Options.ApplyMigrations ? DurableSchema.ApplyAsync(dataSource) : Task.CompletedTask);
    }

    internal NpgsqlDataSource DataSource { get; }
    internal DurableClientOptions Options { get; }
    internal DurableSerializer Serializer { get; }
    internal DateTimeOffset Now => Options.TimeProvider.GetUtcNow();

    internal async Task<RunTransaction> BeginAsync(CancellationToken ct)
    {
        await _schema.Value;
        return await RunTransaction.BeginAsync(DataSource, ct);
    }

    public async Task<WorkflowHandle<TWorkflow>> StartWorkflowAsync<TWorkflow>(Expression<Func<TWorkflow, Task>> run, WorkflowOptions options, CancellationToken ct = default)
    {
        var definition = WorkflowDefinition.For(typeof(TWorkflow));
        var call = MethodCall.From(run, $"Workflow class {typeof(TWorkflow).FullName}: start");
        if (call.Method != definition.Run)
            throw new WorkflowDefinitionException($"Workflow class {typeof(TWorkflow).FullName}: start must call the [WorkflowRun] method {definition.Run.Name}, not {call.Method.Name}");
        var runId = await StartAsync(definition.Name, SerializeArgs(call.Args, definition.ParameterTypes, $"Workflow class {typeof(TWorkflow).FullName} member {definition.Run.Name}"), options, ct);
        return new WorkflowHandle<TWorkflow>(this, options.Id, runId);
    }

    public async Task<TResult> ExecuteWorkflowAsync<TWorkflow, TResult>(Expression<Func<TWorkflow, Task<TResult>>> run, WorkflowOptions options, CancellationToken ct = default)
    {
        var handle = await StartWorkflowAsync<TWorkflow>(Expression.Lambda<Func<TWorkflow, Task>>(run.Body, run.Parameters), options, ct);
        return (await handle.GetResultAsync<TResult>(ct: ct))!;
    }

    public async Task ExecuteWorkflowAsync<TWorkflow>(Expression<Func<TWorkflow, Task>> run, WorkflowOptions options, CancellationToken ct = default)
    {
        var handle = await StartWorkflowAsync(run, options, ct);
        await handle.GetResultAsync<JsonElement?>(ct: ct);
    }

    /// <summary>Starts a workflow by type name (for callers without the workflow class).</summary>
    public async Task<WorkflowHandle> StartWorkflowAsync(string workflowType, object?[] args, WorkflowOptions options, CancellationToken ct = default)
    {
        var runId = await StartAsync(workflowType, SerializeArgs(args, args.Select(a => a?.GetType() ?? typeof(object)).ToArray(), $"Workflow {workflowType}"), options, ct);
        return new WorkflowHandle(this, options.Id, runId);
    }

    JsonElement SerializeArgs(object?[] args, Type[] types, string where)
    {
        try { return Serializer.ArgsToElement(args, types); }
        catch (Exception e) when (e is NotSupportedException or JsonException or InvalidOperationException)
        {
            throw new WorkflowDefinitionException($"{where}: arguments are not serialisable: {e.Message}");
        }
    }

    const string RunningSql = "SELECT run_id FROM durable.runs WHERE workflow_id = $1 AND status = 'Running'";
    const string LastRunSql = "SELECT run_id, status FROM durable.runs WHERE workflow_id = $1 ORDER BY started_at DESC, closed_at DESC NULLS FIRST LIMIT 1";

    internal async Task<Guid> StartAsync(string workflowType, JsonElement input, WorkflowOptions options, CancellationToken ct, string? scheduleId = null)
    {
        if (string.IsNullOrWhiteSpace(options.Id)) throw new ArgumentException("workflow ID is required", nameof(options));
        await using var tx = await BeginAsync(ct);
        await using (var running = tx.Command(RunningSql, options.Id))
            if (await running.ExecuteScalarAsync(ct) is Guid existing) return existing; // idempotent start
        await using (var last = tx.Command(LastRunSql, options.Id))
        await using (var reader = await last.ExecuteReaderAsync(ct))
            if (await reader.ReadAsync(ct))
            {
                var (lastRun, status) = (reader.GetGuid(0), Enum.Parse<WorkflowStatus>(reader.GetString(1)));
                if (options.IdReusePolicy == WorkflowIdReusePolicy.RejectDuplicate
                    || (options.IdReusePolicy == WorkflowIdReusePolicy.AllowDuplicateFailedOnly && status is WorkflowStatus.Completed or WorkflowStatus.ContinuedAsNew))
                    throw new WorkflowAlreadyStartedException(options.Id, lastRun);
            }
        var runId = Guid.CreateVersion7();
        var created = await tx.CreateRunAsync(new NewRun(options.Id, workflowType, options.TaskQueue, input)
        {
            RunId = runId,
            ScheduleId = scheduleId,
            TraceParent = DurableTelemetry.StartRunSpan(workflowType, options.Id, runId, System.Diagnostics.Activity.Current?.Id),
        }, Now, ct);
        if (created is null)
        {
            // Lost a race with another starter: the run it created is the answer.
            await using var running = tx.Command(RunningSql, options.Id);
            return (Guid)(await running.ExecuteScalarAsync(ct))!;
        }
        await tx.CommitAsync(ct);
        return runId;
    }

    /// <summary>A handle to the workflow ID; without <paramref name="runId"/> it follows the latest run.</summary>
    public WorkflowHandle GetWorkflowHandle(string workflowId, Guid? runId = null) => new(this, workflowId, runId);
    public WorkflowHandle<TWorkflow> GetWorkflowHandle<TWorkflow>(string workflowId, Guid? runId = null) => new(this, workflowId, runId);

    // One filter for listing and counting, so a page and its total can never disagree.
    const string FilterSql = """
        WHERE ($1::text IS NULL OR r.workflow_type = $1)
          AND ($2::text IS NULL OR r.status = $2)
          AND ($3::text IS NULL OR starts_with(r.workflow_id, $3))
          AND ($4::timestamptz IS NULL OR r.started_at >= $4)
          AND ($5::timestamptz IS NULL OR r.started_at < $5)
          AND ($6::timestamptz IS NULL OR r.closed_at >= $6)
          AND ($7::timestamptz IS NULL OR r.closed_at < $7)
          AND ($8::uuid IS NULL OR r.parent_run_id = $8)
        """;
    const string ListSql = """
        SELECT r.workflow_id, r.run_id, r.workflow_type, r.task_queue, r.status, r.started_at, r.closed_at, r.failure::text,
               r.parent_run_id, r.next_run_id, r.schedule_id, r.next_seq - 1
        FROM durable.runs r
        """ + "\n" + FilterSql + "\n" + """
          AND ($9::timestamptz IS NULL OR (r.started_at, r.run_id) < ($9, $10::uuid))
        ORDER BY r.started_at DESC, r.run_id DESC
        LIMIT $11
        """;
    const string CountSql = "SELECT count(*) FROM durable.runs r\n" + FilterSql;

    /// <summary>Runs newest first, keyset-paged.</summary>
    public async Task<WorkflowPage> ListWorkflowsAsync(WorkflowListFilter filter, CancellationToken ct = default)
    {
        await _schema.Value;
        DateTimeOffset? afterStart = null;
        Guid? afterRun = null;
        if (filter.PageToken is { } token)
        {
            var parts = token.Split('_');
            afterStart = new DateTimeOffset(long.Parse(parts[0]), TimeSpan.Zero);
            afterRun = Guid.Parse(parts[1]);
        }
        await using var connection = await DataSource.OpenConnectionAsync(ct);
        await using var command = Sql.Command(ListSql, connection, null, filter.WorkflowType, filter.Status?.ToString(), filter.IdPrefix,
            filter.StartedAfter, filter.StartedBefore, filter.ClosedAfter, filter.ClosedBefore, filter.ParentRunId, afterStart, afterRun, filter.PageSize + 1);
        var runs = new List<WorkflowDescription>();
        await using (var reader = await command.ExecuteReaderAsync(ct))
            while (await reader.ReadAsync(ct)) runs.Add(ReadDescription(reader));
        string? next = null;
        if (runs.Count > filter.PageSize)
        {
            runs.RemoveAt(runs.Count - 1);
            next = $"{runs[^1].StartedAt.UtcTicks}_{runs[^1].RunId}";
        }
        return new WorkflowPage(runs, next);
    }

    public async Task<long> CountWorkflowsAsync(WorkflowListFilter filter, CancellationToken ct = default)
    {
        await _schema.Value;
        await using var connection = await DataSource.OpenConnectionAsync(ct);
        await using var command = Sql.Command(CountSql, connection, null, filter.WorkflowType, filter.Status?.ToString(), filter.IdPrefix,
            filter.StartedAfter, filter.StartedBefore, filter.ClosedAfter, filter.ClosedBefore, filter.ParentRunId);
        return (long)(await command.ExecuteScalarAsync(ct))!;
    }

    internal static WorkflowDescription ReadDescription(NpgsqlDataReader r) => new(
        r.GetString(0), r.GetGuid(1), r.GetString(2), r.GetString(3), Enum.Parse<WorkflowStatus>(r.GetString(4)), r.GetFieldValue<DateTimeOffset>(5),
        r.IsDBNull(6) ? null : r.GetFieldValue<DateTimeOffset>(6), r.IsDBNull(7) ? null : EngineJson.Deserialize<FailureInfo>(r.GetString(7)),
        r.IsDBNull(8) ? null : r.GetGuid(8), r.IsDBNull(9) ? null : r.GetGuid(9), r.IsDBNull(10) ? null : r.GetString(10), r.GetInt64(11));

    public Task<ScheduleHandle> CreateScheduleAsync<TWorkflow>(string scheduleId, Expression<Func<TWorkflow, Task>> run, ScheduleOptions options, CancellationToken ct = default)
    {
        var definition = WorkflowDefinition.For(typeof(TWorkflow));
        var call = MethodCall.From(run, $"Workflow class {typeof(TWorkflow).FullName}: schedule");
        return ScheduleHandle.CreateAsync(this, scheduleId, definition.Name, SerializeArgs(call.Args, definition.ParameterTypes, $"Workflow class {typeof(TWorkflow).FullName} member {definition.Run.Name}"), options, ct);
    }

    public ScheduleHandle GetScheduleHandle(string scheduleId) => new(this, scheduleId);

    /// <summary>Every schedule, by ID.</summary>
    public async Task<IReadOnlyList<ScheduleDescription>> ListSchedulesAsync(CancellationToken ct = default)
    {
        await using var tx = await BeginAsync(ct);
        await using var command = tx.Command(ScheduleHandle.SelectSql + " ORDER BY schedule_id");
        await using var r = await command.ExecuteReaderAsync(ct);
        var schedules = new List<ScheduleDescription>();
        while (await r.ReadAsync(ct)) schedules.Add(ScheduleHandle.Read(r));
        return schedules;
    }
}
