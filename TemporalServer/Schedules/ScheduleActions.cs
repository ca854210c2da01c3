using System.Security.Cryptography;
using System.Text;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Npgsql;
using Temporalio.Api.Common.V1;
using Temporalio.Api.Enums.V1;
using Temporalio.Api.ErrorDetails.V1;
using Temporalio.Api.Schedule.V1;
using Temporalio.Api.WorkflowService.V1;
using TemporalServer.Api;
using TemporalServer.Http;

namespace TemporalServer.Schedules;

/// <summary>
/// Takes a schedule's actions: for each nominal time, the overlap policy decides whether the workflow starts,
/// is buffered or is skipped; times older than the catch-up window are missed. A start goes through the server's
/// own StartWorkflowExecution with a request id derived from the schedule and the nominal time, so a start repeated
/// after a crash is the same start. Callers hold the schedule's row lock.
/// </summary>
/// <remarks>The gRPC binding is resolved at call time: it depends on every IRpcFeature, ScheduleRpcs (and so this) included.</remarks>
sealed class ScheduleActions(IServiceProvider services, TimeProvider time)
{
    /// <summary>Temporal's default when a schedule sets no catch-up window.</summary>
    static readonly TimeSpan DefaultCatchupWindow = TimeSpan.FromDays(365);
    const int RecentActionsKept = 10;
    const int MaxTimesPerPass = 1000;
    const string Identity = "temporal-scheduler";

    public DateTime Now => time.GetUtcNow().UtcDateTime;

    /// <summary>Acts on every spec time up to now; returns when the scheduler must look at the schedule again.</summary>
    public async Task<DateTime?> AdvanceAsync(NpgsqlConnection connection, NpgsqlTransaction tx, ScheduleRow row, CancellationToken ct)
    {
        var now = Now;
        await RefreshRunningAsync(connection, tx, row, ct);
        var times = new ScheduleTimes(row.Schedule.Spec);
        var window = row.Schedule.Policies?.CatchupWindow?.ToTimeSpan() is { } w && w > TimeSpan.Zero ? w : DefaultCatchupWindow;
        var caughtUp = true;
        var count = 0;
        foreach (var nominal in times.Between(row.ProcessedUntil, now))
        {
            if (++count > MaxTimesPerPass) { caughtUp = false; break; }
            row.ProcessedUntil = nominal;
            if (row.Schedule.State.Paused) continue;
            if (now - nominal > window) { row.Info.MissedCatchupWindow++; continue; }
            await TakeAsync(row, nominal, OverlapPolicy(row, ScheduleOverlapPolicy.Unspecified), ct);
        }
        if (caughtUp) row.ProcessedUntil = now;
        await StartBufferedAsync(row, ct);
        return caughtUp ? WakeAt(row, times, now) : now;
    }

    /// <summary>One nominal time through the overlap policy (a trigger, a backfill or a spec time).</summary>
    public async Task TakeAsync(ScheduleRow row, DateTime nominal, ScheduleOverlapPolicy policy, CancellationToken ct)
    {
        if (row.Schedule.State.LimitedActions && row.Schedule.State.RemainingActions <= 0) return;
        var running = row.Info.RunningWorkflows.Count > 0;
        switch (policy)
        {
            case ScheduleOverlapPolicy.AllowAll:
                await StartAsync(row, nominal, ct);
                break;
            case ScheduleOverlapPolicy.Skip when running:
                row.Info.OverlapSkipped++;
                break;
            case ScheduleOverlapPolicy.BufferOne when running:
                if (row.Buffered.Count == 0) row.Buffered.Add(nominal);
                else row.Info.BufferDropped++;
                break;
            case ScheduleOverlapPolicy.BufferAll when running:
                row.Buffered.Add(nominal);
                break;
            default:
                await StartAsync(row, nominal, ct);
                break;
        }
        row.Info.BufferSize = row.Buffered.Count;
    }

    /// <summary>Buffered times start one at a time, each when nothing the schedule started is running.</summary>
    public async Task StartBufferedAsync(ScheduleRow row, CancellationToken ct)
    {
        while (row.Buffered.Count > 0 && row.Info.RunningWorkflows.Count == 0)
        {
            var nominal = row.Buffered[0];
            row.Buffered.RemoveAt(0);
            await StartAsync(row, nominal, ct);
        }
        row.Info.BufferSize = row.Buffered.Count;
    }

    public static ScheduleOverlapPolicy OverlapPolicy(ScheduleRow row, ScheduleOverlapPolicy requested) =>
        requested != ScheduleOverlapPolicy.Unspecified ? requested
        : row.Schedule.Policies?.OverlapPolicy is { } p && p != ScheduleOverlapPolicy.Unspecified ? p
        : ScheduleOverlapPolicy.Skip;

    /// <summary>The next spec time, or sooner while buffered times wait for a running workflow to close.</summary>
    public DateTime? WakeAt(ScheduleRow row, ScheduleTimes times, DateTime now)
    {
        var next = times.Next(row.ProcessedUntil);
        if (row.Buffered.Count == 0) return next;
        var soon = now.AddSeconds(1);
        return next is { } n && n < soon ? n : soon;
    }

    /// <summary>Drops closed runs from the running list and records their final status in the recent actions.</summary>
    public static async Task RefreshRunningAsync(NpgsqlConnection connection, NpgsqlTransaction tx, ScheduleRow row, CancellationToken ct)
    {
        var statuses = await ScheduleStore.StatusesAsync(connection, tx, row.Info.RecentActions.Select(a => a.StartWorkflowResult.RunId)
            .Concat(row.Info.RunningWorkflows.Select(r => r.RunId)).Distinct(), ct);
        foreach (var action in row.Info.RecentActions)
            if (statuses.TryGetValue(action.StartWorkflowResult.RunId, out var status)) action.StartWorkflowStatus = status;
        var stillRunning = row.Info.RunningWorkflows.Where(r => statuses.GetValueOrDefault(r.RunId) == WorkflowExecutionStatus.Running).ToList();
        row.Info.RunningWorkflows.Clear();
        row.Info.RunningWorkflows.AddRange(stillRunning);
    }

    async Task StartAsync(ScheduleRow row, DateTime nominal, CancellationToken ct)
    {
        var action = row.Schedule.Action?.StartWorkflow ?? throw ApiErrors.InvalidArgument("the schedule has no start_workflow action");
        var workflowId = row.Schedule.Policies?.KeepOriginalWorkflowId == true ? action.WorkflowId : $"{action.WorkflowId}-{nominal:yyyy-MM-ddTHH:mm:ssZ}";
        var request = new StartWorkflowExecutionRequest
        {
            Namespace = row.Namespace,
            WorkflowId = workflowId,
            WorkflowType = action.WorkflowType,
            TaskQueue = action.TaskQueue,
            Input = action.Input,
            WorkflowExecutionTimeout = action.WorkflowExecutionTimeout,
            WorkflowRunTimeout = action.WorkflowRunTimeout,
            WorkflowTaskTimeout = action.WorkflowTaskTimeout,
            WorkflowIdReusePolicy = action.WorkflowIdReusePolicy,
            RetryPolicy = action.RetryPolicy,
            CronSchedule = action.CronSchedule,
            Memo = action.Memo,
            Header = action.Header,
            UserMetadata = action.UserMetadata,
            Priority = action.Priority,
            Identity = Identity,
            RequestId = RequestId(row, nominal),
            SearchAttributes = action.SearchAttributes?.Clone() ?? new SearchAttributes(),
        };
        (request.LastCompletionResult, request.ContinuedFailure) = await LastOutcomeAsync(row, ct);
        request.SearchAttributes.IndexedFields[Visibility.SearchAttributes.ScheduledById] = Visibility.SearchAttributes.Payload(row.ScheduleId, IndexedValueType.Keyword);
        request.SearchAttributes.IndexedFields[Visibility.SearchAttributes.ScheduledStartTime] =
            Visibility.SearchAttributes.Payload(nominal.ToString("yyyy-MM-ddTHH:mm:ssZ"), IndexedValueType.Datetime);

        string runId;
        try
        {
            var binding = services.GetRequiredService<WorkflowServiceBinding>();
            var response = (StartWorkflowExecutionResponse)await binding.DispatchAsync("StartWorkflowExecution", request, new InProcessCallContext("StartWorkflowExecution", ct));
            runId = response.RunId;
        }
        catch (RpcException e) when (e.StatusCode == StatusCode.AlreadyExists && AlreadyStarted(e) is { } existing)
        {
            // The workflow id is still running from an earlier action (or this very start, retried): nothing new starts.
            if (existing.StartRequestId != request.RequestId) { row.Info.OverlapSkipped++; return; }
            runId = existing.RunId;
        }
        var execution = new WorkflowExecution { WorkflowId = workflowId, RunId = runId };
        row.Info.ActionCount++;
        row.Info.RunningWorkflows.Add(execution);
        row.Info.RecentActions.Add(new ScheduleActionResult
        {
            ScheduleTime = Timestamp.FromDateTime(nominal),
            ActualTime = Timestamp.FromDateTime(Now),
            StartWorkflowResult = execution,
            StartWorkflowStatus = WorkflowExecutionStatus.Running,
        });
        while (row.Info.RecentActions.Count > RecentActionsKept) row.Info.RecentActions.RemoveAt(0);
        if (row.Schedule.State.LimitedActions) row.Schedule.State.RemainingActions--;
    }

    /// <summary>
    /// As Temporal's scheduler: each action's workflow sees the result of the schedule's last completed workflow
    /// (<c>Workflow.Info.LastResult</c>) and, when the latest one failed, its failure.
    /// </summary>
    async Task<(Payloads? LastResult, Temporalio.Api.Failure.V1.Failure? LastFailure)> LastOutcomeAsync(ScheduleRow row, CancellationToken ct)
    {
        await using var command = services.GetRequiredService<NpgsqlDataSource>().CreateCommand("""
            SELECT e.status, h.event FROM temporal.executions e
            JOIN temporal.history_events h ON h.run_id = e.run_id AND h.event_id = e.history_length
            WHERE e.namespace = $1 AND e.search_attributes ->> $2 = $3 AND e.status IN ($4, $5)
            ORDER BY e.close_time DESC LIMIT 2
            """);
        command.Parameters.Add(new() { Value = row.Namespace });
        command.Parameters.Add(new() { Value = Visibility.SearchAttributes.ScheduledById });
        command.Parameters.Add(new() { Value = row.ScheduleId });
        command.Parameters.Add(new() { Value = (int)WorkflowExecutionStatus.Completed });
        command.Parameters.Add(new() { Value = (int)WorkflowExecutionStatus.Failed });
        Payloads? result = null;
        Temporalio.Api.Failure.V1.Failure? failure = null;
        var first = true;
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            var closing = Temporalio.Api.History.V1.HistoryEvent.Parser.ParseFrom(reader.GetFieldValue<byte[]>(1));
            if (first && closing.WorkflowExecutionFailedEventAttributes is { } failed) failure = failed.Failure;
            result ??= closing.WorkflowExecutionCompletedEventAttributes?.Result;
            first = false;
        }
        return (result, failure);
    }

    static WorkflowExecutionAlreadyStartedFailure? AlreadyStarted(RpcException e) =>
        e.Trailers.GetValueBytes("grpc-status-details-bin") is { } bytes
            ? GrpcStatus.Parser.ParseFrom(bytes).Details.Select(d => d.TryUnpack<WorkflowExecutionAlreadyStartedFailure>(out var f) ? f : null).FirstOrDefault(f => f is not null)
            : null;

    /// <summary>A UUID derived from namespace, schedule and nominal time: the same action always has the same request id.</summary>
    static string RequestId(ScheduleRow row, DateTime nominal)
    {
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes($"{row.Namespace}/{row.ScheduleId}/{nominal.Ticks}"));
        return new Guid(hash.AsSpan(0, 16)).ToString();
    }
}
