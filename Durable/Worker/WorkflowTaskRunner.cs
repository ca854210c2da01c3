using System.Diagnostics;
using Durable.Storage;
using Microsoft.Extensions.Logging;

namespace Durable;

/// <summary>
/// Claims workflow tasks, replays the run's history through its code, and commits the new commands with a
/// WorkflowTaskCompleted marker in one transaction. No thread or lease is held between tasks: a waiting run is just rows.
/// </summary>
internal sealed class WorkflowTaskRunner(WorkerContext context)
{
    readonly SemaphoreSlim _slots = new(context.Options.MaxConcurrentWorkflowTasks);
    readonly HashSet<Guid> _inFlight = [];
    readonly List<Task> _running = [];
    readonly Dictionary<Guid, CachedRun> _cache = [];

    /// <summary>An instance that has seen history through <see cref="SeenThrough"/> and itself wrote events OwnFrom..OwnTo.</summary>
    sealed record CachedRun(WorkflowExecution Execution, RunRow Run, long SeenThrough, long OwnFrom, long OwnTo);

    /// <summary>What a task left to do after its commit: poll again (it re-queued itself) or start activities leased to us.</summary>
    sealed record Outcome(bool Requeued, List<ActivityTaskRunner.Claimed> Eager)
    {
        public static readonly Outcome None = new(false, []);
    }

    /// <summary>Set by the worker: eager activity dispatch hands activities scheduled here to it.</summary>
    internal ActivityTaskRunner? Activities { get; set; }

    const string ClaimSql = """
        WITH next AS (
            SELECT run_id, lease_owner AS previous_owner, visible_at FROM durable.workflow_tasks
            WHERE task_queue = $1 AND visible_at <= $2
            ORDER BY visible_at LIMIT $3 FOR UPDATE SKIP LOCKED)
        UPDATE durable.workflow_tasks t SET lease_owner = $4, lease_expires_at = $5, visible_at = $5
        FROM next WHERE t.run_id = next.run_id
        RETURNING t.run_id, t.version, next.previous_owner, next.visible_at
        """;

    public async Task<TimeSpan> PollAsync(CancellationToken ct)
    {
        await _slots.WaitAsync(ct);
        var taken = 1;
        while (taken < context.Options.MaxConcurrentWorkflowTasks && _slots.Wait(0)) taken++;
        var claimed = new List<(Guid RunId, int Version)>();
        try
        {
            await using var connection = await context.DataSource.OpenConnectionAsync(ct);
            var now = context.Now;
            await using var command = Sql.Command(ClaimSql, connection, null, context.Queue, now, taken, context.WorkerId, context.LeaseExpiry);
            await using var reader = await command.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct))
            {
                claimed.Add((reader.GetGuid(0), reader.GetInt32(1)));
                if (!reader.IsDBNull(2)) DurableTelemetry.LeaseTakeovers.Add(1, new KeyValuePair<string, object?>("kind", "workflow"));
                DurableTelemetry.ScheduleToStart.Record((now - reader.GetFieldValue<DateTimeOffset>(3)).TotalMilliseconds, new KeyValuePair<string, object?>("kind", "workflow"));
            }
        }
        finally
        {
            if (taken > claimed.Count) _slots.Release(taken - claimed.Count);
        }
        foreach (var (runId, version) in claimed) Start(runId, version, null);
        return claimed.Count == 0 ? context.Options.PollInterval : TimeSpan.Zero;
    }

    void Start(Guid runId, int version, HistoryEvent? delivered)
    {
        lock (_inFlight) _inFlight.Add(runId);
        var task = Task.Run(() => RunTaskAsync(runId, version, delivered, CancellationToken.None), CancellationToken.None);
        lock (_running) _running.Add(task);
        _ = task.ContinueWith(t => { lock (_running) _running.Remove(t); }, TaskScheduler.Default);
    }

    /// <summary>Takes a slot for a workflow task this worker is about to claim itself (eager dispatch); false if none is free.</summary>
    public bool TryReserveSlot(string workflowType) =>
        !context.Stopping.IsCancellationRequested && context.Options.Workflows.ContainsKey(workflowType) && _slots.Wait(0);

    public void ReleaseSlot() => _slots.Release();

    /// <summary>
    /// Runs a workflow task this worker claimed in the transaction that appended <paramref name="delivered"/> (Temporal's
    /// eager workflow task): no poll, no notification, and no history read when the cached instance has seen everything before it.
    /// </summary>
    public void RunEager(Guid runId, int version, HistoryEvent delivered) => Start(runId, version, delivered);

    public Guid[] InFlight() { lock (_inFlight) return _inFlight.ToArray(); }

    public async Task DrainAsync()
    {
        Task[] running;
        lock (_running) running = _running.ToArray();
        await Task.WhenAll(running);
    }

    async Task RunTaskAsync(Guid runId, int version, HistoryEvent? delivered, CancellationToken ct)
    {
        var outcome = Outcome.None;
        try
        {
            for (var attempt = 1; ; attempt++)
            {
                try
                {
                    outcome = await ProcessAsync(runId, version, attempt == 1 ? delivered : null, ct);
                    return;
                }
                catch (Exception e) when (attempt < 5 && e is Npgsql.NpgsqlException or System.Net.Sockets.SocketException or TimeoutException)
                {
                    // Storage trouble (including deadlocks between runs): retry; if we die, the lease expires and another worker retries.
                    context.Health.Failed("workflow-task", e);
                    await Task.Delay(TimeSpan.FromMilliseconds(50 * attempt * attempt), ct);
                }
            }
        }
        catch (Exception e)
        {
            context.Logger.LogError(e, "Workflow task of run {RunId} failed; it will be retried after its lease expires", runId);
        }
        finally
        {
            lock (_inFlight) _inFlight.Remove(runId);
            _slots.Release();
            // Only a re-queued task is new work nobody was told about; a freed slot alone needs no poll (the poll loop
            // waits on the slots, and every other enqueue notifies).
            if (outcome.Requeued) context.WorkflowWake.Set();
            // Started last, so that their completions find this run cached and not in flight.
            foreach (var activity in outcome.Eager) Activities!.RunEager(activity);
        }
    }

    async Task<Outcome> ProcessAsync(Guid runId, int version, HistoryEvent? delivered, CancellationToken ct)
    {
        CachedRun? cached;
        lock (_cache) _cache.Remove(runId, out cached);
        RunRow run;
        List<HistoryEvent> events;
        if (cached is not null && delivered is not null && delivered.Seq == Math.Max(cached.SeenThrough, cached.OwnTo) + 1)
            (run, events) = (cached.Run, [delivered]); // nothing happened in between: the delivered event is all that is new
        else if (await HistoryLoader.LoadAsync(context.DataSource, runId, ct, cached?.SeenThrough ?? 0) is { } l)
            (run, events) = l;
        else return Outcome.None;
        var fresh = cached is null ? events : events.Where(e => e.Seq < cached.OwnFrom || e.Seq > cached.OwnTo).ToList();
        if (cached is not null && fresh.Any(e => e.Type == EventTypes.WorkflowTaskCompleted || EventTypes.IsCommand(e.Type)))
        {
            // Another worker ran this workflow meanwhile: the cached state is stale, replay from the start.
            cached = null;
            (run, events) = await HistoryLoader.LoadAsync(context.DataSource, runId, ct) ?? throw new InvalidOperationException($"run {runId} vanished");
            fresh = events;
        }
        using var span = DurableTelemetry.StartChildSpan($"WorkflowTask:{run.WorkflowType}", run.TraceParent);
        List<WorkflowCommand> commands = [];
        WorkflowExecution? execution = null;
        NonDeterminismException? nonDeterminism = null;
        Exception? crash = null;
        var now = context.Now;
        if (run.Status == WorkflowStatus.Running)
        {
            if (!context.Options.Workflows.TryGetValue(run.WorkflowType, out var definition))
            {
                // Not ours to run (a worker without this workflow polls the queue): put it back for someone else.
                await ReleaseAsync(runId, now + context.Options.PollInterval, ct);
                context.Logger.LogWarning("Workflow type {Type} is not registered on worker {Worker}", run.WorkflowType, context.WorkerId);
                return Outcome.None;
            }
            try
            {
                if (cached is not null)
                {
                    execution = cached.Execution;
                    commands = execution.Continue(fresh, now);
                }
                else
                {
                    execution = WorkflowExecution.Replay(definition, HistoryLoader.InfoOf(run), events, context.Serializer, context.LoggerFactory.CreateLogger(definition.Type));
                    commands = execution.RunLiveStep(now);
                }
            }
            catch (NonDeterminismException e) { nonDeterminism = e; }
            catch (Exception e) { crash = e; }
        }
        var seenThrough = events.Count > 0 ? events[^1].Seq : cached?.SeenThrough ?? 0;

        await using var tx = await RunTransaction.BeginAsync(context.DataSource, ct);
        // One round trip: lock the run (first, as every path does), then delete or re-queue our task.
        RunRow? locked = null;
        tx.Queue(RunTransaction.LockRunSql, r => locked = RunRow.Read(r), runId);
        var deleted = tx.Queue(DeleteTaskSql, runId, context.WorkerId, version);
        var requeued = tx.Queue(RequeueTaskSql, runId, context.WorkerId, now);
        await tx.FlushAsync(ct);
        if (deleted.RowsAffected + requeued.RowsAffected == 0) return Outcome.None; // lease lost: another worker owns this task now
        var requeue = requeued.RowsAffected > 0;
        if (locked is not { Status: WorkflowStatus.Running })
        {
            await tx.CommitAsync(ct);
            return Outcome.None;
        }
        if (nonDeterminism is not null || crash is not null)
        {
            var error = (Exception?)nonDeterminism ?? crash!;
            span?.SetStatus(ActivityStatusCode.Error, error.Message);
            context.Logger.LogError(error, "Workflow {WorkflowId} run {RunId} failed in the engine", run.WorkflowId, runId);
            await tx.CloseRunAsync(locked, nonDeterminism is null ? WorkflowStatus.Failed : WorkflowStatus.NonDeterministic,
                nonDeterminism is null ? EventTypes.WorkflowFailed : EventTypes.WorkflowNonDeterministic,
                new EventAttributes { Failure = FailureInfo.From(error) with { StackTrace = null } }, now, ct);
            await tx.CommitAsync(ct);
            return Outcome.None;
        }
        var eager = new List<EagerActivity>();
        var committed = false;
        try
        {
            var (markerSeq, ownCount) = await ApplyCommandsAsync(tx, locked, seenThrough, commands, now, ct, eager);
            await tx.CommitAsync(ct);
            committed = true;
            if (locked.Status == WorkflowStatus.Running && execution is not null && context.Options.MaxCachedWorkflows > 0)
                lock (_cache)
                {
                    if (_cache.Count >= context.Options.MaxCachedWorkflows) _cache.Remove(_cache.Keys.First());
                    _cache[runId] = new CachedRun(execution, run, seenThrough, markerSeq, markerSeq + ownCount - 1);
                }
            return new Outcome(requeue, eager.Select(e => e.ToClaimed(run, now)).ToList());
        }
        finally
        {
            // Not committed (or unknown): give the slots back. Rows that did commit are leased to us and taken over
            // by any worker when the lease expires, as an abandoned claim would be.
            if (!committed) foreach (var _ in eager) Activities!.ReleaseSlot();
        }
    }

    /// <summary>An activity inserted already leased to this worker; its ID is read when the transaction is flushed.</summary>
    internal sealed class EagerActivity(EventAttributes attributes)
    {
        public long Id { get; set; }

        public ActivityTaskRunner.Claimed ToClaimed(RunRow run, DateTimeOffset scheduledAt) => new(Id, run.RunId, attributes.CommandIndex!.Value, run.WorkflowId,
            run.WorkflowType, attributes.Name!, attributes.Payload!.Value, attributes.Options!, run.TraceParent, Attempt: 1, scheduledAt, HeartbeatDetails: null);
    }

    // A task is deleted, or re-queued when events arrived while it ran (its version moved on); neither matches if we lost it.
    const string DeleteTaskSql = "DELETE FROM durable.workflow_tasks WHERE run_id = $1 AND lease_owner = $2 AND version = $3";
    const string RequeueTaskSql = "UPDATE durable.workflow_tasks SET lease_owner = NULL, lease_expires_at = NULL, visible_at = $3 WHERE run_id = $1 AND lease_owner = $2";

    async Task ReleaseAsync(Guid runId, DateTimeOffset visibleAt, CancellationToken ct)
    {
        await using var tx = await RunTransaction.BeginAsync(context.DataSource, ct);
        await tx.ExecuteAsync(RequeueTaskSql, ct, runId, context.WorkerId, visibleAt);
        await tx.CommitAsync(ct);
    }

    const string InsertActivitySql = """
        INSERT INTO durable.activity_tasks (run_id, command_index, workflow_id, workflow_type, task_queue, activity_type, input, options, trace_parent, scheduled_at, visible_at)
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10)
        """;
    // Eager dispatch: the task starts life claimed by us (attempt 1, visible again at lease expiry), exactly as a claim leaves it.
    const string InsertLeasedActivitySql = """
        INSERT INTO durable.activity_tasks (run_id, command_index, workflow_id, workflow_type, task_queue, activity_type, input, options, trace_parent, scheduled_at,
                                            visible_at, lease_owner, lease_expires_at, attempt)
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $12, $11, $12, 1)
        RETURNING id
        """;
    // An unclaimed task is deleted; a claimed one (the delete left it) is flagged for the lease keeper to cancel.
    const string CancelActivitySql = """
        DELETE FROM durable.activity_tasks WHERE run_id = $1 AND command_index = $2 AND lease_owner IS NULL;
        UPDATE durable.activity_tasks SET cancel_requested = true WHERE run_id = $1 AND command_index = $2
        """;
    const string InsertTimerSql = "INSERT INTO durable.timers (run_id, command_index, fire_at) VALUES ($1, $2, $3)";
    const string DeleteTimerSql = "DELETE FROM durable.timers WHERE run_id = $1 AND command_index = $2";

    static readonly HashSet<string> Closing = [EventTypes.WorkflowCompleted, EventTypes.WorkflowFailed, EventTypes.WorkflowCanceled, EventTypes.WorkflowContinuedAsNew];

    /// <summary>
    /// Writes the commands of a task (queued: they travel with the commit). With <paramref name="eager"/>, activities for
    /// our own queue are inserted leased to this worker while it has free activity slots (Temporal's eager activity
    /// dispatch): no notification, no poll, no claim; the caller starts them after the commit.
    /// </summary>
    internal async Task<(long MarkerSeq, int Count)> ApplyCommandsAsync(RunTransaction tx, RunRow run, long seenThrough, List<WorkflowCommand> commands, DateTimeOffset now,
        CancellationToken ct, List<EagerActivity>? eager = null)
    {
        // Child run IDs are chosen here so that the started event can name them.
        commands = commands.Select(c => c.Type == EventTypes.ChildWorkflowStarted ? c with { Attributes = c.Attributes with { RunId = Guid.CreateVersion7() } } : c).ToList();
        var closing = commands.FirstOrDefault(c => Closing.Contains(c.Type));
        if (closing is not null) eager = null; // closing drops the run's activity tasks: none may start
        var open = commands.Where(c => c != closing).ToList();
        var toAppend = new List<(string, EventAttributes)> { (EventTypes.WorkflowTaskCompleted, new EventAttributes { SeenThrough = seenThrough, Identity = context.WorkerId }) };
        toAppend.AddRange(open.Select(c => (c.Type, c.Attributes)));
        var appended = tx.Append(run, toAppend, now);

        var followUps = new List<(string, EventAttributes)>();
        foreach (var command in open)
        {
            var a = command.Attributes;
            switch (command.Type)
            {
                case EventTypes.ActivityScheduled when eager is not null && Activities?.TryReserveSlot(a.TaskQueue!, a.Name!) == true:
                    var leased = new EagerActivity(a);
                    eager.Add(leased);
                    tx.Queue(InsertLeasedActivitySql, r => leased.Id = r.GetInt64(0), run.RunId, a.CommandIndex, run.WorkflowId, run.WorkflowType, a.TaskQueue, a.Name,
                        RunTransaction.Json(a.Payload), RunTransaction.Json(a.Options), run.TraceParent, now, context.WorkerId, context.LeaseExpiry);
                    break;
                case EventTypes.ActivityScheduled:
                    tx.Queue(InsertActivitySql, run.RunId, a.CommandIndex, run.WorkflowId, run.WorkflowType, a.TaskQueue, a.Name,
                        RunTransaction.Json(a.Payload), RunTransaction.Json(a.Options), run.TraceParent, now);
                    tx.Notify($"a:{a.TaskQueue}");
                    break;
                case EventTypes.ActivityCancelRequested:
                    tx.Queue(CancelActivitySql, run.RunId, a.CommandIndex);
                    break;
                case EventTypes.TimerStarted:
                    tx.Queue(InsertTimerSql, run.RunId, a.CommandIndex, a.FireAt);
                    tx.Notify("t");
                    break;
                case EventTypes.TimerCanceled:
                    tx.Queue(DeleteTimerSql, run.RunId, a.CommandIndex);
                    break;
                case EventTypes.ChildWorkflowStarted:
                    var child = await tx.CreateRunAsync(new NewRun(a.WorkflowId!, a.Name!, a.TaskQueue!, a.Payload!.Value)
                    {
                        RunId = a.RunId!.Value,
                        ParentRunId = run.RunId,
                        ParentWorkflowId = run.WorkflowId,
                        ParentCommandIndex = a.CommandIndex,
                        TraceParent = DurableTelemetry.StartRunSpan(a.Name!, a.WorkflowId!, a.RunId!.Value, run.TraceParent),
                    }, now, ct);
                    if (child is null)
                        followUps.Add((EventTypes.ChildWorkflowFailed, new EventAttributes
                        {
                            CommandIndex = a.CommandIndex,
                            WorkflowId = a.WorkflowId,
                            Failure = new FailureInfo(nameof(WorkflowAlreadyStartedException), $"workflow ID {a.WorkflowId} is already running", NonRetryable: true),
                        }));
                    break;
                case EventTypes.ChildWorkflowCancelRequested:
                    if (await tx.LockRunningAsync(a.WorkflowId!, ct) is { } running && running.ParentRunId == run.RunId)
                        tx.RequestCancel(running, $"parent {run.WorkflowId} cancelled", now);
                    break;
            }
        }

        if (closing is not null)
        {
            var a = closing.Attributes;
            switch (closing.Type)
            {
                case EventTypes.WorkflowCompleted:
                    await tx.CloseRunAsync(run, WorkflowStatus.Completed, closing.Type, a, now, ct);
                    break;
                case EventTypes.WorkflowFailed:
                    await tx.CloseRunAsync(run, WorkflowStatus.Failed, closing.Type, a, now, ct);
                    break;
                case EventTypes.WorkflowCanceled:
                    await tx.CloseRunAsync(run, WorkflowStatus.Canceled, closing.Type, a, now, ct);
                    break;
                case EventTypes.WorkflowContinuedAsNew:
                    var next = Guid.CreateVersion7();
                    await tx.CloseRunAsync(run, WorkflowStatus.ContinuedAsNew, closing.Type, a with { RunId = next }, now, ct, nextRunId: next);
                    await tx.CreateRunAsync(new NewRun(run.WorkflowId, run.WorkflowType, run.TaskQueue, a.Payload!.Value)
                    {
                        RunId = next,
                        ParentRunId = run.ParentRunId,
                        ParentWorkflowId = run.ParentWorkflowId,
                        ParentCommandIndex = run.ParentCommandIndex,
                        ScheduleId = run.ScheduleId,
                        TraceParent = run.TraceParent,
                    }, now, ct);
                    break;
            }
        }
        else if (followUps.Count > 0)
        {
            tx.Append(run, followUps, now);
            tx.EnqueueWorkflowTask(run, now);
        }
        return (appended[0].Seq, appended.Count);
    }
}
