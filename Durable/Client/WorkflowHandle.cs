using System.Linq.Expressions;
using System.Reflection;
using System.Text.Json;
using Durable.Storage;
using Npgsql;

namespace Durable;

/// <summary>Operations on one workflow ID (and optionally one run of it).</summary>
public class WorkflowHandle(DurableClient client, string workflowId, Guid? runId)
{
    public string WorkflowId { get; } = workflowId;
    /// <summary>The run this handle was created for; null follows the latest run of the ID.</summary>
    public Guid? RunId { get; } = runId;
    protected DurableClient Client => client;

    const string LatestRunSql = "SELECT run_id FROM durable.runs WHERE workflow_id = $1 ORDER BY (status = 'Running') DESC, started_at DESC, closed_at DESC LIMIT 1";

    async Task<Guid> ResolveRunAsync(CancellationToken ct)
    {
        if (RunId is { } id) return id;
        await using var tx = await client.BeginAsync(ct);
        await using var command = tx.Command(LatestRunSql, WorkflowId);
        return await command.ExecuteScalarAsync(ct) as Guid? ?? throw new InvalidOperationException($"no run of workflow {WorkflowId}");
    }

    async Task<RunRow> LockRunningAsync(RunTransaction tx, CancellationToken ct)
    {
        var run = RunId is { } id ? await tx.LockRunAsync(id, ct) : await tx.LockRunningAsync(WorkflowId, ct);
        return run is { Status: WorkflowStatus.Running } ? run : throw new InvalidOperationException($"workflow {WorkflowId} has no running run{(RunId is null ? "" : $" {RunId}")}");
    }

    public async Task SignalAsync(string signalName, object?[] args, CancellationToken ct = default)
    {
        await using var tx = await client.BeginAsync(ct);
        var run = await LockRunningAsync(tx, ct);
        using var span = DurableTelemetry.StartChildSpan($"SignalWorkflow:{signalName}", run.TraceParent, System.Diagnostics.ActivityKind.Producer);
        var now = client.Now;
        tx.Append(run, [(EventTypes.SignalReceived, new EventAttributes { Name = signalName, Payload = client.Serializer.ArgsToElement(args, args.Select(a => a?.GetType() ?? typeof(object)).ToArray()) })], now);
        tx.EnqueueWorkflowTask(run, now);
        await tx.CommitAsync(ct);
    }

    /// <summary>Asks the run to cancel: its Workflow.CancellationToken fires, cancelling activities, timers and children it passed it to.</summary>
    public async Task CancelAsync(CancellationToken ct = default)
    {
        await using var tx = await client.BeginAsync(ct);
        tx.RequestCancel(await LockRunningAsync(tx, ct), "cancel requested by client", client.Now);
        await tx.CommitAsync(ct);
    }

    /// <summary>Closes the run at once without running its code; pending activities lose their leases, children are terminated.</summary>
    public async Task TerminateAsync(string? reason = null, CancellationToken ct = default)
    {
        await using var tx = await client.BeginAsync(ct);
        await tx.CloseRunAsync(await LockRunningAsync(tx, ct), WorkflowStatus.Terminated, EventTypes.WorkflowTerminated, new EventAttributes { Reason = reason ?? "terminated" }, client.Now, ct);
        await tx.CommitAsync(ct);
    }

    const string ResultSql = "SELECT status, result::text, failure::text, next_run_id FROM durable.runs WHERE run_id = $1";

    /// <summary>Waits for the run to close (following continue-as-new) and returns its result, or throws <see cref="WorkflowFailedException"/>.</summary>
    public async Task<TResult?> GetResultAsync<TResult>(bool followRuns = true, CancellationToken ct = default)
    {
        var runId = await ResolveRunAsync(ct);
        var delay = TimeSpan.FromMilliseconds(2);
        while (true)
        {
            try
            {
                await using (var tx = await client.BeginAsync(ct))
                {
                    await using var command = tx.Command(ResultSql, runId);
                    await using var reader = await command.ExecuteReaderAsync(ct);
                    if (!await reader.ReadAsync(ct)) throw new InvalidOperationException($"run {runId} not found");
                    var status = Enum.Parse<WorkflowStatus>(reader.GetString(0));
                    switch (status)
                    {
                        case WorkflowStatus.Completed:
                            return reader.IsDBNull(1) ? default : client.Serializer.FromElement<TResult>(JsonDocument.Parse(reader.GetString(1)).RootElement);
                        case WorkflowStatus.ContinuedAsNew when followRuns && !reader.IsDBNull(3):
                            runId = reader.GetGuid(3);
                            continue;
                        case not WorkflowStatus.Running:
                            throw new WorkflowFailedException(WorkflowId, runId, status, reader.IsDBNull(2) ? null : EngineJson.Deserialize<FailureInfo>(reader.GetString(2)));
                    }
                }
            }
            catch (Npgsql.NpgsqlException e) when (e.IsTransient || e is Npgsql.PostgresException { SqlState: ['5', '7', ..] or ['0', '8', ..] })
            {
                // Waiting outlives database restarts: the run is durable, the wait is just polling.
            }
            await Task.Delay(delay, ct);
            delay = TimeSpan.FromMilliseconds(Math.Min(100, delay.TotalMilliseconds * 1.5));
        }
    }

    const string DescriptionColumns =
        "workflow_id, run_id, workflow_type, task_queue, status, started_at, closed_at, failure::text, parent_run_id, next_run_id, schedule_id, next_seq - 1";
    const string DescribeSql = "SELECT " + DescriptionColumns + " FROM durable.runs WHERE run_id = $1";
    const string DetailsSql = "SELECT " + DescriptionColumns + ", input::text, result::text, parent_workflow_id, trace_parent FROM durable.runs WHERE run_id = $1";

    public Task<WorkflowDescription> DescribeAsync(CancellationToken ct = default) => ReadRunAsync(DescribeSql, DurableClient.ReadDescription, ct);

    /// <summary>The description plus the run's input, result, parent and trace; children: <see cref="WorkflowListFilter.ParentRunId"/>.</summary>
    public Task<WorkflowDetails> FetchDetailsAsync(CancellationToken ct = default) => ReadRunAsync(DetailsSql, r =>
        new WorkflowDetails(DurableClient.ReadDescription(r), Json(r, 12), Json(r, 13), r.IsDBNull(14) ? null : r.GetString(14), r.IsDBNull(15) ? null : r.GetString(15)), ct);

    static JsonElement? Json(NpgsqlDataReader r, int column) => r.IsDBNull(column) ? null : JsonDocument.Parse(r.GetString(column)).RootElement;

    /// <summary>One row of this handle's run, read by <paramref name="sql"/> (parameter $1: the run ID).</summary>
    async Task<T> ReadRunAsync<T>(string sql, Func<NpgsqlDataReader, T> read, CancellationToken ct)
    {
        var runId = await ResolveRunAsync(ct);
        await using var tx = await client.BeginAsync(ct);
        await using var command = tx.Command(sql, runId);
        await using var reader = await command.ExecuteReaderAsync(ct);
        return await reader.ReadAsync(ct) ? read(reader) : throw new InvalidOperationException($"run {runId} not found");
    }

    public async Task<WorkflowHistory> FetchHistoryAsync(CancellationToken ct = default)
    {
        var runId = await ResolveRunAsync(ct);
        var (run, events) = await HistoryLoader.LoadAsync(client.DataSource, runId, ct) ?? throw new InvalidOperationException($"run {runId} not found");
        return new WorkflowHistory(run.WorkflowId, run.RunId, run.WorkflowType, run.TaskQueue, events);
    }

    const string InsertQuerySql = "INSERT INTO durable.queries (id, run_id, task_queue, name, args, created_at, visible_at) VALUES ($1, $2, $3, $4, $5, $6, $6)";
    const string QueueSql = "SELECT task_queue FROM durable.runs WHERE run_id = $1";
    const string AnswerSql = "SELECT result::text, error FROM durable.queries WHERE id = $1 AND answered_at IS NOT NULL";
    const string DeleteQuerySql = "DELETE FROM durable.queries WHERE id = $1";

    /// <summary>Asks a worker of the run's task queue to replay the run and read the query; waits up to the client's QueryTimeout.</summary>
    public async Task<TResult?> QueryAsync<TResult>(string queryName, object?[] args, CancellationToken ct = default)
    {
        var runId = await ResolveRunAsync(ct);
        var id = Guid.NewGuid();
        await using (var tx = await client.BeginAsync(ct))
        {
            string queue;
            await using (var q = tx.Command(QueueSql, runId)) queue = (string)(await q.ExecuteScalarAsync(ct))!;
            await tx.ExecuteAsync(InsertQuerySql, ct, id, runId, queue, queryName,
                RunTransaction.Json(client.Serializer.ArgsToElement(args, args.Select(a => a?.GetType() ?? typeof(object)).ToArray())), client.Now);
            tx.Notify($"q:{queue}");
            await tx.CommitAsync(ct);
        }
        var deadline = DateTimeOffset.UtcNow + client.Options.QueryTimeout;
        var delay = TimeSpan.FromMilliseconds(2);
        try
        {
            while (DateTimeOffset.UtcNow < deadline)
            {
                await Task.Delay(delay, ct);
                delay = TimeSpan.FromMilliseconds(Math.Min(50, delay.TotalMilliseconds * 1.5));
                await using var tx = await client.BeginAsync(ct);
                await using var command = tx.Command(AnswerSql, id);
                await using var reader = await command.ExecuteReaderAsync(ct);
                if (!await reader.ReadAsync(ct)) continue;
                if (!reader.IsDBNull(1)) throw new InvalidOperationException($"query {queryName} on {WorkflowId} failed: {reader.GetString(1)}");
                return reader.IsDBNull(0) ? default : client.Serializer.FromElement<TResult>(JsonDocument.Parse(reader.GetString(0)).RootElement);
            }
            throw new TimeoutException($"no worker answered query {queryName} on {WorkflowId} within {client.Options.QueryTimeout}");
        }
        finally
        {
            await using var tx = await client.BeginAsync(CancellationToken.None);
            await tx.ExecuteAsync(DeleteQuerySql, CancellationToken.None, id);
            await tx.CommitAsync(CancellationToken.None);
        }
    }

    /// <summary>Starts a new run of a closed (failed, cancelled, terminated, non-deterministic) run with the same ID, type and input.</summary>
    public async Task<WorkflowHandle> RetryAsync(CancellationToken ct = default)
    {
        var runId = await ResolveRunAsync(ct);
        await using var tx = await client.BeginAsync(ct);
        var old = await tx.LockRunAsync(runId, ct) ?? throw new InvalidOperationException($"run {runId} not found");
        if (old.Status is WorkflowStatus.Running or WorkflowStatus.Completed or WorkflowStatus.ContinuedAsNew)
            throw new InvalidOperationException($"run {runId} of {WorkflowId} is {old.Status}; only failed, cancelled, terminated or non-deterministic runs can be retried");
        var next = Guid.CreateVersion7();
        _ = await tx.CreateRunAsync(new NewRun(old.WorkflowId, old.WorkflowType, old.TaskQueue, old.Input)
        {
            RunId = next,
            TraceParent = DurableTelemetry.StartRunSpan(old.WorkflowType, old.WorkflowId, next, old.TraceParent),
        }, client.Now, ct) ?? throw new WorkflowAlreadyStartedException(old.WorkflowId, runId);
        await tx.ExecuteAsync("UPDATE durable.runs SET next_run_id = $2 WHERE run_id = $1", ct, runId, next);
        await tx.CommitAsync(ct);
        return new WorkflowHandle(client, WorkflowId, next);
    }

    /// <summary>
    /// Starts a new run whose history is this run's history before <paramref name="workflowTaskCompletedSeq"/> (a
    /// WorkflowTaskCompleted event); the code continues from there. A running source run is terminated. Activities and
    /// timers pending at that point are scheduled again.
    /// </summary>
    public async Task<WorkflowHandle> ResetAsync(long workflowTaskCompletedSeq, string? reason = null, CancellationToken ct = default)
    {
        var runId = await ResolveRunAsync(ct);
        var (_, events) = await HistoryLoader.LoadAsync(client.DataSource, runId, ct) ?? throw new InvalidOperationException($"run {runId} not found");
        var point = events.FirstOrDefault(e => e.Seq == workflowTaskCompletedSeq);
        if (point?.Type != EventTypes.WorkflowTaskCompleted)
            throw new ArgumentException($"event {workflowTaskCompletedSeq} of run {runId} is {point?.Type ?? "missing"}; reset needs a {EventTypes.WorkflowTaskCompleted} event");
        var kept = events.Where(e => e.Seq < workflowTaskCompletedSeq).ToList();
        var now = client.Now;
        await using var tx = await client.BeginAsync(ct);
        var old = await tx.LockRunAsync(runId, ct) ?? throw new InvalidOperationException($"run {runId} not found");
        if (old.Status == WorkflowStatus.Running)
            await tx.CloseRunAsync(old, WorkflowStatus.Terminated, EventTypes.WorkflowTerminated, new EventAttributes { Reason = reason ?? $"reset to event {workflowTaskCompletedSeq}" }, now, ct);
        var next = Guid.CreateVersion7();
        var created = await tx.CreateRunAsync(new NewRun(old.WorkflowId, old.WorkflowType, old.TaskQueue, old.Input)
        {
            RunId = next,
            History = kept,
            ParentRunId = old.ParentRunId,
            ParentWorkflowId = old.ParentWorkflowId,
            ParentCommandIndex = old.ParentCommandIndex,
            TraceParent = DurableTelemetry.StartRunSpan(old.WorkflowType, old.WorkflowId, next, old.TraceParent),
        }, now, ct) ?? throw new WorkflowAlreadyStartedException(old.WorkflowId, runId);
        var resolved = kept.Where(e => e.Type is EventTypes.ActivityCompleted or EventTypes.ActivityFailed or EventTypes.ActivityCancelRequested
            or EventTypes.TimerFired or EventTypes.TimerCanceled).Select(e => e.Attributes.CommandIndex).ToHashSet();
        foreach (var e in kept.Where(e => !resolved.Contains(e.Attributes.CommandIndex)))
        {
            var a = e.Attributes;
            if (e.Type == EventTypes.ActivityScheduled)
            {
                await tx.ExecuteAsync("""
                    INSERT INTO durable.activity_tasks (run_id, command_index, workflow_id, workflow_type, task_queue, activity_type, input, options, trace_parent, scheduled_at, visible_at)
                    VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10)
                    """, ct, next, a.CommandIndex, old.WorkflowId, old.WorkflowType, a.TaskQueue, a.Name, RunTransaction.Json(a.Payload), RunTransaction.Json(a.Options), created.TraceParent, now);
                tx.Notify($"a:{a.TaskQueue}");
            }
            else if (e.Type == EventTypes.TimerStarted)
            {
                await tx.ExecuteAsync("INSERT INTO durable.timers (run_id, command_index, fire_at) VALUES ($1, $2, $3)", ct, next, a.CommandIndex, a.FireAt);
                tx.Notify("t");
            }
        }
        await tx.ExecuteAsync("UPDATE durable.runs SET next_run_id = $2 WHERE run_id = $1", ct, runId, next);
        await tx.CommitAsync(ct);
        return new WorkflowHandle(client, WorkflowId, next);
    }
}

/// <summary>A handle with typed signal and query calls: <c>handle.SignalAsync(wf => wf.ApproveAsync(x))</c>, <c>handle.QueryAsync(wf => wf.Stage)</c>.</summary>
public sealed class WorkflowHandle<TWorkflow>(DurableClient client, string workflowId, Guid? runId) : WorkflowHandle(client, workflowId, runId)
{
    public Task SignalAsync(Expression<Func<TWorkflow, Task>> signal, CancellationToken ct = default)
    {
        var call = MethodCall.From(signal, $"Workflow class {typeof(TWorkflow).FullName}: signal");
        var name = call.Method.GetCustomAttribute<WorkflowSignalAttribute>() is { } a ? a.Name ?? WorkflowDefinition.TrimAsync(call.Method.Name)
            : throw new WorkflowDefinitionException($"Workflow class {typeof(TWorkflow).FullName} member {call.Method.Name} is not a [WorkflowSignal]");
        return SignalAsync(name, call.Args, ct);
    }

    public Task<TResult?> QueryAsync<TResult>(Expression<Func<TWorkflow, TResult>> query, CancellationToken ct = default)
    {
        var (member, args) = query.Body switch
        {
            MemberExpression { Member: PropertyInfo p } => ((MemberInfo)p, Array.Empty<object?>()),
            MethodCallExpression => (MethodCall.From(query, "query").Method, MethodCall.From(query, "query").Args),
            _ => throw new WorkflowDefinitionException($"Workflow class {typeof(TWorkflow).FullName}: query lambda must read a [WorkflowQuery] property or call a [WorkflowQuery] method"),
        };
        var name = member.GetCustomAttribute<WorkflowQueryAttribute>() is { } q ? q.Name ?? WorkflowDefinition.TrimAsync(member.Name)
            : throw new WorkflowDefinitionException($"Workflow class {typeof(TWorkflow).FullName} member {member.Name} is not a [WorkflowQuery]");
        return QueryAsync<TResult>(name, args, ct);
    }
}
