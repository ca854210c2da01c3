using Google.Protobuf.WellKnownTypes;
using Npgsql;
using Temporalio.Api.Common.V1;
using Temporalio.Api.Enums.V1;
using Temporalio.Api.History.V1;
using Temporalio.Api.WorkflowService.V1;
using TemporalServer.Api;
using TemporalServer.Executions;
using TemporalServer.Namespaces;
using TemporalServer.Schedules;

namespace TemporalServer.Workflows;

/// <summary>StartWorkflowExecution and SignalWithStartWorkflowExecution: id reuse and conflict policies, request-id idempotency, cron schedules.</summary>
sealed class WorkflowStarts(ExecutionStore store, NamespaceRegistry namespaces) : IRpcFeature
{
    public void Register(RpcHandlers handlers)
    {
        handlers.Add<StartWorkflowExecutionRequest, StartWorkflowExecutionResponse>("StartWorkflowExecution", async (r, call) =>
        {
            var (runId, started) = await StartAsync(Request(r), signal: null, with: null, call.CancellationToken);
            return new StartWorkflowExecutionResponse { RunId = runId, Started = started, Status = WorkflowExecutionStatus.Running };
        });
        handlers.Add<SignalWithStartWorkflowExecutionRequest, SignalWithStartWorkflowExecutionResponse>("SignalWithStartWorkflowExecution", async (r, call) =>
        {
            if (string.IsNullOrEmpty(r.SignalName)) throw ApiErrors.InvalidArgument("SignalName is not set on request.");
            var signal = WorkflowRun.Event(EventType.WorkflowExecutionSignaled);
            signal.WorkflowExecutionSignaledEventAttributes = new() { SignalName = r.SignalName, Input = r.SignalInput, Header = r.Header, Identity = r.Identity };
            var (runId, started) = await StartAsync(new StartRequest(r.Namespace, r.WorkflowId, r.RequestId, r.WorkflowIdReusePolicy, r.WorkflowIdConflictPolicy,
                Attributes(r.WorkflowType, r.TaskQueue, r.Input, r.WorkflowExecutionTimeout, r.WorkflowRunTimeout, r.WorkflowTaskTimeout, r.Identity,
                    r.RetryPolicy, r.CronSchedule, r.Memo, r.SearchAttributes, r.Header, r.Priority), r.WorkflowStartDelay, r.UserMetadata), signal, with: null, call.CancellationToken);
            return new SignalWithStartWorkflowExecutionResponse { RunId = runId, Started = started };
        });
    }

    /// <summary>A StartWorkflowExecution request as a start (validating the workflow type, task queue and cron schedule).</summary>
    public static StartRequest Request(StartWorkflowExecutionRequest r)
    {
        var attributes = Attributes(r.WorkflowType, r.TaskQueue, r.Input, r.WorkflowExecutionTimeout, r.WorkflowRunTimeout, r.WorkflowTaskTimeout, r.Identity,
            r.RetryPolicy, r.CronSchedule, r.Memo, r.SearchAttributes, r.Header, r.Priority);
        // Set by schedules: the last completed action's result and the latest action's failure.
        attributes.LastCompletionResult = r.LastCompletionResult;
        attributes.ContinuedFailure = r.ContinuedFailure;
        return new StartRequest(r.Namespace, r.WorkflowId, r.RequestId, r.WorkflowIdReusePolicy, r.WorkflowIdConflictPolicy, attributes, r.WorkflowStartDelay, r.UserMetadata);
    }

    public sealed record StartRequest(string Namespace, string WorkflowId, string RequestId, WorkflowIdReusePolicy ReusePolicy,
        WorkflowIdConflictPolicy ConflictPolicy, WorkflowExecutionStartedEventAttributes Started, Duration? StartDelay,
        Temporalio.Api.Sdk.V1.UserMetadata? UserMetadata);

    /// <summary>
    /// What a start also does to the run it lands on, in the same transaction (update-with-start admits its update):
    /// <paramref name="JoinsRunning"/> says whether a running run takes it even where the conflict policy would refuse.
    /// </summary>
    public sealed record Companion(Func<RunState, bool> JoinsRunning, Action<WorkflowRun> Apply);

    static WorkflowExecutionStartedEventAttributes Attributes(WorkflowType? type, Temporalio.Api.TaskQueue.V1.TaskQueue? taskQueue, Payloads? input,
        Duration? executionTimeout, Duration? runTimeout, Duration? taskTimeout, string identity, RetryPolicy? retry, string cron, Memo? memo,
        SearchAttributes? searchAttributes, Header? header, Priority? priority)
    {
        if (string.IsNullOrEmpty(type?.Name)) throw ApiErrors.InvalidArgument("WorkflowType is not set on request.");
        if (string.IsNullOrEmpty(taskQueue?.Name)) throw ApiErrors.InvalidArgument("TaskQueue is not set on request.");
        var started = new WorkflowExecutionStartedEventAttributes
        {
            WorkflowType = type,
            TaskQueue = taskQueue.Clone(),
            Input = input,
            WorkflowExecutionTimeout = executionTimeout,
            WorkflowRunTimeout = runTimeout,
            WorkflowTaskTimeout = taskTimeout,
            Identity = identity ?? "",
            RetryPolicy = retry,
            CronSchedule = cron ?? "",
            Memo = memo,
            SearchAttributes = searchAttributes,
            Header = header,
            Priority = priority,
            Attempt = 1,
        };
        if (!string.IsNullOrEmpty(cron))
        {
            try
            {
                WorkflowCron.Validate(cron);
            }
            catch (ScheduleSpecException e)
            {
                throw ApiErrors.InvalidArgument($"Invalid CronSchedule: {e.Message}");
            }
        }
        if (executionTimeout is { } timeout && timeout.ToTimeSpan() > TimeSpan.Zero)
            started.WorkflowExecutionExpirationTime = Timestamp.FromDateTime(DateTime.UtcNow + timeout.ToTimeSpan());
        return started;
    }

    /// <summary>
    /// Starts a run, or lands on the running one where the request id (a retried start), a signal, the conflict policy
    /// or <paramref name="with"/> says so; <paramref name="with"/> is applied to whichever run that is.
    /// </summary>
    public async Task<(string RunId, bool Started)> StartAsync(StartRequest r, HistoryEvent? signal, Companion? with, CancellationToken ct)
    {
        namespaces.Require(r.Namespace);
        if (string.IsNullOrEmpty(r.WorkflowId)) throw ApiErrors.InvalidArgument("WorkflowId is not set on request.");
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await TryStartAsync(r, signal, with, ct);
            }
            catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.UniqueViolation && attempt < 3)
            {
                // Another server started the same workflow id in between: decide again against its run.
            }
        }
    }

    async Task<(string RunId, bool Started)> TryStartAsync(StartRequest r, HistoryEvent? signal, Companion? with, CancellationToken ct)
    {
        await using var tx = await store.BeginAsync(ct);
        var current = await store.LockAsync(tx, r.Namespace, new WorkflowExecution { WorkflowId = r.WorkflowId }, ct);
        if (current is not null)
        {
            var state = current.State;
            // A retried start changes nothing (its signal was delivered the first time); only a companion (idempotent) is applied.
            var retried = !string.IsNullOrEmpty(r.RequestId) && state.StartRequestId == r.RequestId;
            if (retried && (with is null || !state.IsRunning)) return (state.RunId, true);
            if (state.IsRunning && (retried || signal is not null || r.ConflictPolicy == WorkflowIdConflictPolicy.UseExisting || with?.JoinsRunning(state) == true))
            {
                if (signal is not null && !retried) current.AddExternal(signal);
                with?.Apply(current);
                store.Stage(tx, current);
                await tx.CommitAsync(ct);
                return (state.RunId, retried);
            }
            if (state.IsRunning)
            {
#pragma warning disable CS0612 // TerminateIfRunning: deprecated for the conflict policy, still sent by older clients
                if (r.ConflictPolicy != WorkflowIdConflictPolicy.TerminateExisting && r.ReusePolicy != WorkflowIdReusePolicy.TerminateIfRunning)
#pragma warning restore CS0612
                    throw ApiErrors.AlreadyStarted(r.WorkflowId, state.RunId, r.RequestId);
                current.Terminate("terminated by a new start of the same workflow id (conflict policy TerminateExisting)", null, r.Started.Identity);
                store.Stage(tx, current);
            }
            else if (r.ReusePolicy == WorkflowIdReusePolicy.RejectDuplicate
                     || (r.ReusePolicy == WorkflowIdReusePolicy.AllowDuplicateFailedOnly && state.Status is WorkflowExecutionStatus.Completed))
            {
                throw ApiErrors.AlreadyStarted(r.WorkflowId, state.RunId, r.RequestId);
            }
        }
        var delay = r.StartDelay is { } d && d.ToTimeSpan() > TimeSpan.Zero ? d.ToTimeSpan() : TimeSpan.Zero;
        if (!string.IsNullOrEmpty(r.Started.CronSchedule))
        {
            if (delay > TimeSpan.Zero) throw ApiErrors.InvalidArgument("CronSchedule and WorkflowStartDelay may not be used together.");
            // The first run of a cron workflow waits for the first cron time, like every later one.
            delay = WorkflowCron.FirstBackoff(r.Started.CronSchedule);
        }
        var run = WorkflowRun.Start(r.Namespace, r.WorkflowId, Guid.NewGuid().ToString(), r.Started, r.RequestId, delay, signal is null ? null : [signal], r.UserMetadata);
        with?.Apply(run);
        store.Stage(tx, run);
        await tx.CommitAsync(ct);
        return (run.State.RunId, true);
    }
}
