using System.Diagnostics;
using System.Text.Json;
using Durable.Storage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Npgsql;
using NpgsqlTypes;

namespace Durable;

/// <summary>
/// Claims activity tasks and runs them with DI-created instances. At-least-once: an attempt's completion is recorded in
/// the same transaction that deletes its task row, and only while this worker still holds the task.
/// </summary>
internal sealed class ActivityTaskRunner(WorkerContext context)
{
    readonly SemaphoreSlim _slots = new(context.Options.MaxConcurrentActivities);
    readonly Dictionary<long, Attempt> _inFlight = [];
    readonly List<Task> _running = [];
    DateTimeOffset _lastDepth;

    sealed class Attempt(ActivityExecutionContext activity, CancellationTokenSource cancel, TimeSpan? heartbeatTimeout)
    {
        public ActivityExecutionContext Activity { get; } = activity;
        public TimeSpan? HeartbeatTimeout { get; } = heartbeatTimeout;
        public string? Reason { get; private set; }

        public void Cancel(string reason)
        {
            Reason ??= reason;
            try { cancel.Cancel(); } catch (ObjectDisposedException) { }
        }
    }

    internal sealed record Claimed(long Id, Guid RunId, int CommandIndex, string WorkflowId, string WorkflowType, string ActivityType, JsonElement Input,
        ActivityOptionsRecord Options, string? TraceParent, int Attempt, DateTimeOffset ScheduledAt, JsonElement? HeartbeatDetails);

    const string ClaimSql = """
        WITH next AS (
            SELECT id, lease_owner AS previous_owner, visible_at FROM durable.activity_tasks
            WHERE task_queue = $1 AND visible_at <= $2
            ORDER BY visible_at LIMIT $3 FOR UPDATE SKIP LOCKED)
        UPDATE durable.activity_tasks t SET lease_owner = $4, lease_expires_at = $5, visible_at = $5, attempt = t.attempt + 1
        FROM next WHERE t.id = next.id
        RETURNING t.id, t.run_id, t.command_index, t.workflow_id, t.workflow_type, t.activity_type, t.input::text, t.options::text,
                  t.trace_parent, t.attempt, t.scheduled_at, t.heartbeat_details::text, next.previous_owner, next.visible_at
        """;

    public async Task<TimeSpan> PollAsync(CancellationToken ct)
    {
        await _slots.WaitAsync(ct);
        var taken = 1;
        while (taken < context.Options.MaxConcurrentActivities && _slots.Wait(0)) taken++;
        var claimed = new List<Claimed>();
        try
        {
            await using var connection = await context.DataSource.OpenConnectionAsync(ct);
            var now = context.Now;
            await using var command = Sql.Command(ClaimSql, connection, null, context.Queue, now, taken, context.WorkerId, context.LeaseExpiry);
            await using var reader = await command.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct))
            {
                claimed.Add(new Claimed(reader.GetInt64(0), reader.GetGuid(1), reader.GetInt32(2), reader.GetString(3), reader.GetString(4), reader.GetString(5),
                    JsonDocument.Parse(reader.GetString(6)).RootElement, EngineJson.Deserialize<ActivityOptionsRecord>(reader.GetString(7)),
                    reader.IsDBNull(8) ? null : reader.GetString(8), reader.GetInt32(9), reader.GetFieldValue<DateTimeOffset>(10),
                    reader.IsDBNull(11) ? null : JsonDocument.Parse(reader.GetString(11)).RootElement));
                if (!reader.IsDBNull(12)) DurableTelemetry.LeaseTakeovers.Add(1, new KeyValuePair<string, object?>("kind", "activity"));
                DurableTelemetry.ScheduleToStart.Record((now - reader.GetFieldValue<DateTimeOffset>(13)).TotalMilliseconds, new KeyValuePair<string, object?>("kind", "activity"));
            }
        }
        finally
        {
            if (taken > claimed.Count) _slots.Release(taken - claimed.Count);
        }
        foreach (var task in claimed) Start(() => RunAsync(task, ct));
        return claimed.Count == 0 ? context.Options.PollInterval : TimeSpan.Zero;
    }

    void Start(Func<Task> run)
    {
        var running = Task.Run(run, CancellationToken.None);
        lock (_running) _running.Add(running);
        _ = running.ContinueWith(t => { lock (_running) _running.Remove(t); }, TaskScheduler.Default);
    }

    /// <summary>Takes a slot for an activity a workflow task is about to insert leased to this worker; false if it cannot run it now.</summary>
    public bool TryReserveSlot(string taskQueue, string activityType) =>
        taskQueue == context.Queue && context.Options.Activities.ContainsKey(activityType) && !context.Stopping.IsCancellationRequested && _slots.Wait(0);

    public void ReleaseSlot() => _slots.Release();

    /// <summary>Runs an activity that a committed workflow task inserted leased to this worker (eager dispatch), in a reserved slot.</summary>
    public void RunEager(Claimed task)
    {
        DurableTelemetry.ScheduleToStart.Record((context.Now - task.ScheduledAt).TotalMilliseconds, new KeyValuePair<string, object?>("kind", "activity"));
        Start(async () =>
        {
            if (context.Options.CompletionHook is { } hook)
                await hook("EagerDispatch", new ActivityInfo(task.Id, task.ActivityType, task.Attempt, task.WorkflowId, task.RunId, task.WorkflowType, context.Queue, task.ScheduledAt));
            await RunAsync(task, context.Stopping);
        });
    }

    public async Task DrainAsync()
    {
        Task[] running;
        lock (_running) running = _running.ToArray();
        await Task.WhenAll(running);
    }

    async Task RunAsync(Claimed task, CancellationToken stopping)
    {
        var options = task.Options;
        var policy = options.RetryPolicy;
        var info = new ActivityInfo(task.Id, task.ActivityType, task.Attempt, task.WorkflowId, task.RunId, task.WorkflowType, context.Queue, task.ScheduledAt);
        var start = context.Now;
        DateTimeOffset? scheduleDeadline = options.ScheduleToCloseTimeout is { } s ? task.ScheduledAt + s : null;
        var attemptTimeout = options.StartToCloseTimeout ?? options.ScheduleToCloseTimeout!.Value;
        var timeoutReason = "StartToCloseTimeout";
        if (scheduleDeadline is { } deadline && deadline - start < attemptTimeout)
        {
            attemptTimeout = deadline - start;
            timeoutReason = "ScheduleToCloseTimeout";
        }
        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(stopping);
        var tags = new KeyValuePair<string, object?>("activity.type", task.ActivityType);
        var activity = new ActivityExecutionContext(info, cancel.Token, context.DataSource, context.WorkerId, context.Serializer, task.HeartbeatDetails,
            context.LoggerFactory.CreateLogger($"Durable.Activity.{task.ActivityType}"), context.Time);
        var attempt = new Attempt(activity, cancel, options.HeartbeatTimeout);
        lock (_inFlight) _inFlight[task.Id] = attempt;
        using var stopRegistration = stopping.Register(() => attempt.Cancel("WorkerShutdown"));
        using var span = DurableTelemetry.StartChildSpan($"RunActivity:{task.ActivityType}", task.TraceParent);
        span?.SetTag("durable.attempt", task.Attempt);
        span?.SetTag("durable.workflow_id", task.WorkflowId);
        DurableTelemetry.ActivityAttempts.Add(1, tags);
        try
        {
            if (attemptTimeout <= TimeSpan.Zero) attempt.Cancel("ScheduleToCloseTimeout");
            using var timer = context.Time.CreateTimer(_ => attempt.Cancel(timeoutReason), null, attemptTimeout > TimeSpan.Zero ? attemptTimeout : TimeSpan.Zero, Timeout.InfiniteTimeSpan);
            JsonElement? result;
            try
            {
                if (!context.Options.Activities.TryGetValue(task.ActivityType, out var definition))
                    throw new ApplicationFailureException($"Activity {task.ActivityType} is not registered on worker {context.WorkerId}", "ActivityNotRegistered");
                cancel.Token.ThrowIfCancellationRequested();
                await using var scope = context.Services.CreateAsyncScope();
                var instance = scope.ServiceProvider.GetRequiredService(definition.ActivityClass);
                var args = context.Serializer.ArgsFromElement(task.Input, definition.ParameterTypes);
                ActivityExecutionContext.Enter(activity);
                object? returned;
                try { returned = definition.Method.Invoke(instance, args); }
                catch (System.Reflection.TargetInvocationException e) when (e.InnerException is not null) { throw e.InnerException; }
                finally { ActivityExecutionContext.Enter(null); }
                if (returned is Task running)
                {
                    // WaitAsync: an activity that ignores its token still times out; its late result is discarded.
                    await running.WaitAsync(cancel.Token);
                    returned = definition.ResultType is null ? null : running.GetType().GetProperty("Result")!.GetValue(running);
                }
                result = definition.ResultType is null ? null : context.Serializer.ToElement(returned, definition.ResultType);
            }
            catch (Exception e)
            {
                await activity.ReleaseTransactionAsync(); // roll back the activity's own writes
                var failure = attempt.Reason switch
                {
                    "Canceled" => new FailureInfo("Canceled", "activity cancelled", NonRetryable: true),
                    "StartToCloseTimeout" or "HeartbeatTimeout" or "ScheduleToCloseTimeout" => new FailureInfo($"Timeout.{attempt.Reason}", $"activity timed out ({attempt.Reason})",
                        NonRetryable: attempt.Reason == "ScheduleToCloseTimeout"),
                    _ => FailureInfo.From(e),
                };
                if (attempt.Reason is "LeaseLost" or "WorkerShutdown" || e is ActivityLeaseLostException)
                {
                    if (attempt.Reason == "WorkerShutdown") await ReleaseAsync(task, activity);
                    return;
                }
                DurableTelemetry.ActivityFailures.Add(1, tags);
                span?.SetStatus(ActivityStatusCode.Error, failure.Message);
                await FailAsync(task, activity, policy, failure, scheduleDeadline);
                return;
            }
            await CompleteAsync(task, activity, result);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // Could not record the outcome (storage down): the lease will expire and another attempt will run.
            context.Logger.LogWarning(e, "Could not record the outcome of activity {Type} task {Id}", task.ActivityType, task.Id);
            context.Health.Failed("activity-completion", e);
        }
        catch (OperationCanceledException) { }
        finally
        {
            DurableTelemetry.ActivityDuration.Record((context.Now - start).TotalMilliseconds, tags);
            await activity.ReleaseTransactionAsync();
            lock (_inFlight) _inFlight.Remove(task.Id);
            _slots.Release(); // the poll loop waits on the slots; a freed slot is no new work, so no wake-up
        }
    }

    const string DeleteTaskSql = "DELETE FROM durable.activity_tasks WHERE id = $1 AND lease_owner = $2";

    /// <summary>
    /// The whole completion in one statement (one round trip): delete our task (only while we hold it), append
    /// ActivityCompleted to the run if it is still running (the UPDATE locks the run row and advances next_seq, as
    /// <see cref="RunTransaction.Append"/> does), and enqueue its workflow task. When <c>$7</c> (eager) is set and the
    /// task is free and on our queue, the workflow task is enqueued already leased to us, so this worker runs it next
    /// without a claim or a notification; if we die first, the lease expires and any worker takes it over.
    /// Lock order (activity task, run, workflow task) is the same as every other path.
    /// </summary>
    const string CompleteSql = """
        WITH done AS (
            DELETE FROM durable.activity_tasks WHERE id = $1 AND lease_owner = $2 RETURNING run_id),
        run AS (
            UPDATE durable.runs r SET next_seq = r.next_seq + 1 FROM done
            WHERE r.run_id = done.run_id AND r.status = 'Running'
            RETURNING r.run_id, r.next_seq - 1 AS seq, r.task_queue),
        event AS (
            INSERT INTO durable.events (run_id, seq, type, time, attributes)
            SELECT run_id, seq, 'ActivityCompleted', $3, $4 FROM run),
        task AS (
            INSERT INTO durable.workflow_tasks AS w (run_id, task_queue, visible_at, lease_owner, lease_expires_at)
            SELECT run_id, task_queue, CASE WHEN $7 AND task_queue = $5 THEN $6 ELSE $3 END,
                   CASE WHEN $7 AND task_queue = $5 THEN $2 END, CASE WHEN $7 AND task_queue = $5 THEN $6 END FROM run
            ON CONFLICT (run_id) DO UPDATE SET version = w.version + 1,
                visible_at = CASE WHEN w.lease_owner IS NULL THEN LEAST(w.visible_at, $3) ELSE w.visible_at END
            RETURNING w.lease_owner IS NOT DISTINCT FROM $2 AND w.lease_expires_at = $6 AS claimed, w.version, w.task_queue),
        wake AS (
            SELECT pg_notify('durable', 'w:' || task_queue) FROM task WHERE NOT claimed)
        SELECT (SELECT count(*) FROM done), run.seq, task.claimed, task.version, (SELECT count(*) FROM wake)
        FROM (SELECT 1) one LEFT JOIN run ON true LEFT JOIN task ON true
        """;

    async Task CompleteAsync(Claimed task, ActivityExecutionContext activity, JsonElement? result)
    {
        var ct = CancellationToken.None;
        var now = context.Now;
        var attributes = new EventAttributes { CommandIndex = task.CommandIndex, Payload = result, Attempt = task.Attempt, Name = task.ActivityType };
        var eager = Workflows?.TryReserveSlot(task.WorkflowType) == true;
        var leaseExpiry = context.LeaseExpiry;
        (bool Deleted, long? Seq, bool Claimed, int Version) outcome = default;
        var committed = false;
        try
        {
            await using (var tx = activity.Transaction is { } own ? RunTransaction.Join(activity.Connection!, own) : null)
            {
                if (tx is null && context.Options.CompletionHook is { } before) await before("BeforeCommit", activity.Info); // nothing is written yet
                await using var connection = tx is null ? await context.DataSource.OpenConnectionAsync(ct) : null;
                await using var command = Sql.Command(CompleteSql, tx?.Connection ?? connection!, tx?.Transaction,
                    task.Id, context.WorkerId, now, RunTransaction.Json(attributes), context.Queue, leaseExpiry, eager);
                await using (var reader = await command.ExecuteReaderAsync(ct))
                {
                    await reader.ReadAsync(ct);
                    outcome = (reader.GetInt64(0) > 0, reader.IsDBNull(1) ? null : reader.GetInt64(1), !reader.IsDBNull(2) && reader.GetBoolean(2), reader.IsDBNull(3) ? 0 : reader.GetInt32(3));
                }
                committed = tx is null;
                if (tx is not null)
                {
                    if (!outcome.Deleted) return; // lost: the activity's transaction is rolled back
                    if (context.Options.CompletionHook is { } hook) await hook("BeforeCommit", activity.Info);
                    await tx.CommitAsync(ct);
                    committed = true;
                }
            }
            if (outcome.Deleted && context.Options.CompletionHook is { } after) await after("AfterCommit", activity.Info);
        }
        finally
        {
            if (eager)
            {
                if (committed && outcome is { Claimed: true, Seq: { } seq })
                    Workflows!.RunEager(task.RunId, outcome.Version, new HistoryEvent(seq, EventTypes.ActivityCompleted, now, attributes));
                else Workflows!.ReleaseSlot();
            }
        }
    }

    const string RetrySql = """
        UPDATE durable.activity_tasks SET lease_owner = NULL, lease_expires_at = NULL, visible_at = $3, last_failure = $4, heartbeat_details = $5
        WHERE id = $1 AND lease_owner = $2
        """;

    async Task FailAsync(Claimed task, ActivityExecutionContext activity, RetryPolicy policy, FailureInfo failure, DateTimeOffset? scheduleDeadline)
    {
        var ct = CancellationToken.None;
        var now = context.Now;
        var retryAt = now + policy.DelayAfter(task.Attempt);
        var final = policy.IsNonRetryable(failure) || (policy.MaximumAttempts > 0 && task.Attempt >= policy.MaximumAttempts) || retryAt >= scheduleDeadline;
        await using var tx = await RunTransaction.BeginAsync(context.DataSource, ct);
        if (!final)
        {
            await tx.ExecuteAsync(RetrySql, ct, task.Id, context.WorkerId, retryAt, RunTransaction.Json(failure), RunTransaction.Json(activity.DetailsToStore));
            await tx.CommitAsync(ct);
            return;
        }
        if (await tx.ExecuteAsync(DeleteTaskSql, ct, task.Id, context.WorkerId) == 0) return;
        if (await tx.LockRunAsync(task.RunId, ct) is { Status: WorkflowStatus.Running } run)
        {
            tx.Append(run, [(EventTypes.ActivityFailed, new EventAttributes { CommandIndex = task.CommandIndex, Failure = failure with { StackTrace = null }, Attempt = task.Attempt, Name = task.ActivityType })], now);
            tx.EnqueueWorkflowTask(run, now);
        }
        await tx.CommitAsync(ct);
    }

    const string ReleaseSql = "UPDATE durable.activity_tasks SET lease_owner = NULL, lease_expires_at = NULL, visible_at = $3, attempt = attempt - 1, heartbeat_details = $4 WHERE id = $1 AND lease_owner = $2";

    /// <summary>Shutdown is not the activity's fault: hand the task back without spending an attempt.</summary>
    async Task ReleaseAsync(Claimed task, ActivityExecutionContext activity)
    {
        await using var tx = await RunTransaction.BeginAsync(context.DataSource, CancellationToken.None);
        await tx.ExecuteAsync(ReleaseSql, CancellationToken.None, task.Id, context.WorkerId, context.Now, RunTransaction.Json(activity.DetailsToStore));
        await tx.CommitAsync(CancellationToken.None);
    }

    const string RenewActivitiesSql = """
        UPDATE durable.activity_tasks t SET lease_expires_at = $3, visible_at = $3,
            heartbeat_details = COALESCE(d.details, t.heartbeat_details)
        FROM unnest($1::bigint[], $4::jsonb[]) AS d(id, details)
        WHERE t.id = d.id AND t.lease_owner = $2
        RETURNING t.id, t.cancel_requested
        """;
    const string RenewWorkflowTasksSql = "UPDATE durable.workflow_tasks SET lease_expires_at = $3, visible_at = $3 WHERE run_id = ANY($1) AND lease_owner = $2";
    const string DepthSql = """
        SELECT (SELECT count(*) FROM durable.activity_tasks WHERE task_queue = $1 AND lease_owner IS NULL),
               (SELECT count(*) FROM durable.workflow_tasks WHERE task_queue = $1 AND lease_owner IS NULL)
        """;

    internal WorkflowTaskRunner? Workflows { get; set; }

    /// <summary>Renews leases, flushes heartbeat details, delivers cancellation and enforces heartbeat timeouts.</summary>
    public async Task<TimeSpan> RenewLeasesAsync(CancellationToken ct)
    {
        var interval = TimeSpan.FromTicks(Math.Min(context.Options.LeaseDuration.Ticks / 3, TimeSpan.FromMilliseconds(500).Ticks));
        var now = context.Now;
        KeyValuePair<long, Attempt>[] attempts;
        lock (_inFlight) attempts = _inFlight.ToArray();
        foreach (var (_, a) in attempts)
            if (a.HeartbeatTimeout is { } hb && now - a.Activity.LastHeartbeat > hb) a.Cancel("HeartbeatTimeout");

        await using var connection = await context.DataSource.OpenConnectionAsync(ct);
        if (attempts.Length > 0)
        {
            var details = attempts.Select(a => a.Value.Activity.DetailsDirty ? a.Value.Activity.PendingDetails?.GetRawText() : null).ToArray();
            foreach (var (_, a) in attempts) a.Activity.DetailsDirty = false;
            await using var renew = Sql.Command(RenewActivitiesSql, connection, null, attempts.Select(a => a.Key).ToArray(), context.WorkerId, context.LeaseExpiry,
                new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Jsonb, Value = details.Select(d => (object?)d ?? DBNull.Value).ToArray() });
            var held = new HashSet<long>();
            await using (var reader = await renew.ExecuteReaderAsync(ct))
                while (await reader.ReadAsync(ct))
                {
                    held.Add(reader.GetInt64(0));
                    if (reader.GetBoolean(1)) attempts.First(a => a.Key == reader.GetInt64(0)).Value.Cancel("Canceled");
                }
            foreach (var (id, a) in attempts)
                if (!held.Contains(id) && a.Activity.Transaction is null) a.Cancel("LeaseLost");
        }
        if (Workflows?.InFlight() is { Length: > 0 } runs)
        {
            await using var renewRuns = Sql.Command(RenewWorkflowTasksSql, connection, null, runs, context.WorkerId, context.LeaseExpiry);
            await renewRuns.ExecuteNonQueryAsync(ct);
        }
        if (now - _lastDepth > TimeSpan.FromSeconds(5))
        {
            _lastDepth = now;
            await using var depth = Sql.Command(DepthSql, connection, null, context.Queue);
            await using var reader = await depth.ExecuteReaderAsync(ct);
            if (await reader.ReadAsync(ct))
            {
                DurableTelemetry.SetQueueDepth(context.Queue, "activity", reader.GetInt64(0));
                DurableTelemetry.SetQueueDepth(context.Queue, "workflow", reader.GetInt64(1));
            }
        }
        return interval;
    }
}
