using System.Diagnostics;
using System.Diagnostics.Metrics;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Npgsql;
using Temporalio.Api.Common.V1;
using Temporalio.Api.Enums.V1;
using Temporalio.Api.History.V1;
using TemporalServer.Api;
using TemporalServer.Executions;
using TemporalServer.Storage;

namespace TemporalServer.Timers;

/// <summary>
/// Fires due rows of <c>temporal.timers</c>. Each row is deleted in the transaction that applies it (taken with
/// <c>FOR UPDATE SKIP LOCKED</c>), so a timer fires once however many servers run, and survives their restarts.
/// </summary>
sealed class TimerProcessor(ExecutionStore store, Notifications notifications, ILogger<TimerProcessor> logger) : BackgroundService
{
    /// <summary>A new timer notifies, so this only bounds how long a missed notification can delay one.</summary>
    public static readonly TimeSpan LongestSleep = TimeSpan.FromSeconds(1);
    static readonly Meter Meter = new("Pipeline.TemporalServer");
    static readonly Histogram<double> Lag = Meter.CreateHistogram<double>("temporal.server.timer.lag", "ms", "how late a timer fired");

    const string TakeDue = """
        DELETE FROM temporal.timers WHERE id = (
            SELECT id FROM temporal.timers WHERE fire_at <= $1 ORDER BY fire_at LIMIT 1 FOR UPDATE SKIP LOCKED)
        RETURNING id, fire_at, run_id, kind, scheduled_event_id, attempt, payload
        """;

    const string NextDue = "SELECT min(fire_at) FROM temporal.timers";

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            var wake = notifications.NextAsync(Notifications.TimersKey);
            var sleepUntil = DateTime.UtcNow + LongestSleep;
            try
            {
                while (await FireNextAsync(stoppingToken)) { }
                // Wake for the next due timer, not on the next poll: a 400 ms retry backoff must not become a second.
                if (await NextDueAsync(stoppingToken) is { } next && next < sleepUntil) sleepUntil = next;
            }
            catch (Exception e) when (e is NpgsqlException or TimeoutException)
            {
                logger.LogWarning(e, "Timer processing failed on the database; retrying");
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            await Notifications.WaitAsync(wake, sleepUntil, stoppingToken).ContinueWith(_ => { }, TaskScheduler.Default);
        }
    }

    async Task<DateTime?> NextDueAsync(CancellationToken ct)
    {
        await using var tx = await store.BeginAsync(ct);
        await using var next = tx.Command(NextDue);
        return await next.ExecuteScalarAsync(ct) is DateTime due ? DateTime.SpecifyKind(due, DateTimeKind.Utc) : null;
    }

    async Task<bool> FireNextAsync(CancellationToken ct)
    {
        await using var tx = await store.BeginAsync(ct);
        TimerRow timer;
        long id;
        await using (var take = tx.Command(TakeDue))
        {
            take.Parameters.Add(new() { Value = DateTime.UtcNow });
            await using var reader = await take.ExecuteReaderAsync(ct);
            if (!await reader.ReadAsync(ct)) return false;
            id = reader.GetInt64(0);
            timer = new TimerRow(reader.GetDateTime(1), reader.GetGuid(2).ToString(), (TimerKind)reader.GetInt16(3), reader.GetInt64(4), reader.GetInt32(5),
                reader.IsDBNull(6) ? null : reader.GetFieldValue<byte[]>(6));
        }
        using var span = WorkflowServiceBinding.Source.StartActivity("timer " + timer.Kind, ActivityKind.Internal);
        try
        {
            await FireAsync(tx, timer, ct);
            await tx.CommitAsync(ct);
        }
        catch (Exception e) when (e is PostgresException or Grpc.Core.RpcException)
        {
            // A cross-run step that cannot be done now (e.g. a unique-index race) is tried again shortly.
            logger.LogWarning(e, "Timer {Id} ({Kind}) failed; retrying in a second", id, timer.Kind);
            await tx.DisposeAsync();
            await using var retry = await store.BeginAsync(ct);
            await using var insert = retry.Command("INSERT INTO temporal.timers (fire_at, run_id, kind, scheduled_event_id, attempt, payload) VALUES ($1, $2, $3, $4, $5, $6)");
            insert.Parameters.Add(new() { Value = DateTime.UtcNow.AddSeconds(1) });
            insert.Parameters.Add(new() { Value = Guid.Parse(timer.RunId) });
            insert.Parameters.Add(new() { Value = (short)timer.Kind });
            insert.Parameters.Add(new() { Value = timer.ScheduledEventId });
            insert.Parameters.Add(new() { Value = timer.Attempt });
            insert.Parameters.Add(new() { Value = (object?)timer.Payload ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Bytea });
            await insert.ExecuteNonQueryAsync(ct);
            await retry.CommitAsync(ct);
        }
        Lag.Record((DateTime.UtcNow - timer.FireAt).TotalMilliseconds, new KeyValuePair<string, object?>("kind", timer.Kind.ToString()));
        return true;
    }

    async Task FireAsync(StoreTransaction tx, TimerRow timer, CancellationToken ct)
    {
        switch (timer.Kind)
        {
            case TimerKind.SignalExternal:
                await DeliverExternalAsync(tx, timer, SignalExternalWorkflowExecutionInitiatedEventAttributes.Parser.ParseFrom(timer.Payload), ct);
                return;
            case TimerKind.CancelExternal:
                await DeliverExternalAsync(tx, timer, RequestCancelExternalWorkflowExecutionInitiatedEventAttributes.Parser.ParseFrom(timer.Payload), ct);
                return;
            case TimerKind.ApplyParentClosePolicy:
                {
                    var child = WorkflowExecution.Parser.ParseFrom(timer.Payload);
                    var run = await store.LockAsync(tx, child.RunId, ct);
                    if (run is null || !run.State.IsRunning) return;
                    if ((ParentClosePolicy)timer.Attempt == ParentClosePolicy.RequestCancel) run.RequestCancel("parent closed (parent-close policy RequestCancel)", "");
                    else run.Terminate("parent closed (parent-close policy Terminate)", null, "");
                    store.Stage(tx, run);
                    return;
                }
        }

        var execution = await store.LockAsync(tx, timer.RunId, ct);
        if (execution is null || !execution.State.IsRunning) return;
        switch (timer.Kind)
        {
            case TimerKind.WorkflowTaskTimeout:
                if (execution.IsStartedWorkflowTask(timer.ScheduledEventId, timer.Attempt)) execution.TimeOutWorkflowTask();
                break;
            case TimerKind.UserTimer:
                execution.FireTimer(StringValue.Parser.ParseFrom(timer.Payload).Value, timer.ScheduledEventId);
                break;
            case TimerKind.FirstWorkflowTask:
                execution.ScheduleWorkflowTask();
                break;
            case TimerKind.WorkflowRunTimeout:
                execution.TimeOutRun();
                break;
            case TimerKind.ActivityRetry:
                if (execution.FindActivity(timer.ScheduledEventId, timer.Attempt) is { Running: false } retried) execution.DispatchActivityRetry(retried);
                break;
            case TimerKind.ActivityScheduleToStart:
                if (execution.FindActivity(timer.ScheduledEventId, timer.Attempt) is { Running: false } waiting) execution.TimeOutActivity(waiting, TimeoutType.ScheduleToStart);
                break;
            case TimerKind.ActivityScheduleToClose:
                if (execution.FindActivity(timer.ScheduledEventId, 0) is { } any) execution.TimeOutActivity(any, TimeoutType.ScheduleToClose);
                break;
            case TimerKind.ActivityStartToClose:
                if (execution.FindActivity(timer.ScheduledEventId, timer.Attempt) is { Running: true } running) execution.TimeOutActivity(running, TimeoutType.StartToClose);
                break;
            case TimerKind.ActivityHeartbeat:
                if (execution.FindActivity(timer.ScheduledEventId, timer.Attempt) is { Running: true } beating) execution.CheckHeartbeat(beating);
                break;
            case TimerKind.StartChild:
                await StartChildAsync(tx, execution, timer, ct);
                break;
            case TimerKind.ChildClosed:
                execution.RecordChildClosed(HistoryEvent.Parser.ParseFrom(timer.Payload), timer.ScheduledEventId);
                break;
            case TimerKind.ExternalDelivered:
                execution.AddExternal(HistoryEvent.Parser.ParseFrom(timer.Payload));
                break;
            case TimerKind.StickyScheduleToStart:
                execution.StickyTaskTimedOut(timer.ScheduledEventId, timer.Attempt);
                break;
        }
        // Sent with the commit.
        store.Stage(tx, execution);
    }

    async Task StartChildAsync(StoreTransaction tx, WorkflowRun parent, TimerRow timer, CancellationToken ct)
    {
        if (!parent.IsChildPending(timer.ScheduledEventId)) return;
        var initiated = StartChildWorkflowExecutionInitiatedEventAttributes.Parser.ParseFrom(timer.Payload);
        var existing = await store.ReadStateAsync(tx, initiated.Namespace, new WorkflowExecution { WorkflowId = initiated.WorkflowId }, forUpdate: false, ct);
        if (existing is { IsRunning: true } || (existing is not null && initiated.WorkflowIdReusePolicy == WorkflowIdReusePolicy.RejectDuplicate))
        {
            parent.FailToStartChild(initiated, timer.ScheduledEventId);
            return;
        }
        var child = parent.StartChild(initiated, timer.ScheduledEventId, Guid.NewGuid().ToString());
        store.Stage(tx, child);
    }

    /// <summary>Signal or cancel another workflow, then tell the initiating run the outcome (in its own later transaction).</summary>
    async Task DeliverExternalAsync(StoreTransaction tx, TimerRow timer, IMessage initiated, CancellationToken ct)
    {
        var (ns, target) = initiated switch
        {
            SignalExternalWorkflowExecutionInitiatedEventAttributes s => (s.Namespace, s.WorkflowExecution),
            RequestCancelExternalWorkflowExecutionInitiatedEventAttributes c => (c.Namespace, c.WorkflowExecution),
            _ => throw new UnreachableException(),
        };
        var source = new WorkflowExecution { RunId = timer.RunId };
        var run = await store.LockAsync(tx, ns, target, ct);
        var found = run is not null && run.State.IsRunning;
        HistoryEvent outcome;
        if (initiated is SignalExternalWorkflowExecutionInitiatedEventAttributes signal)
        {
            if (found) run!.Signal(signal.SignalName, signal.Input, signal.Header, "", source);
            outcome = WorkflowRun.Event(found ? EventType.ExternalWorkflowExecutionSignaled : EventType.SignalExternalWorkflowExecutionFailed);
            if (found) outcome.ExternalWorkflowExecutionSignaledEventAttributes = new() { InitiatedEventId = timer.ScheduledEventId, Namespace = ns, WorkflowExecution = run!.State.Execution };
            else outcome.SignalExternalWorkflowExecutionFailedEventAttributes = new() { InitiatedEventId = timer.ScheduledEventId, Namespace = ns, WorkflowExecution = target, Cause = SignalExternalWorkflowExecutionFailedCause.ExternalWorkflowExecutionNotFound };
        }
        else
        {
            if (found) run!.RequestCancel("requested by another workflow", "", source, timer.ScheduledEventId);
            outcome = WorkflowRun.Event(found ? EventType.ExternalWorkflowExecutionCancelRequested : EventType.RequestCancelExternalWorkflowExecutionFailed);
            if (found) outcome.ExternalWorkflowExecutionCancelRequestedEventAttributes = new() { InitiatedEventId = timer.ScheduledEventId, Namespace = ns, WorkflowExecution = run!.State.Execution };
            else outcome.RequestCancelExternalWorkflowExecutionFailedEventAttributes = new() { InitiatedEventId = timer.ScheduledEventId, Namespace = ns, WorkflowExecution = target, Cause = CancelExternalWorkflowExecutionFailedCause.ExternalWorkflowExecutionNotFound };
        }
        if (found) await store.SaveAsync(tx, run!, ct);
        await tx.ExecuteAsync(ct, ("INSERT INTO temporal.timers (fire_at, run_id, kind, scheduled_event_id, attempt, payload) VALUES ($1, $2, $3, $4, 0, $5)",
            [DateTime.UtcNow, Guid.Parse(timer.RunId), (short)TimerKind.ExternalDelivered, timer.ScheduledEventId, outcome.ToByteArray()]));
        await tx.NotifyAsync(Notifications.TimersKey, ct);
    }
}
