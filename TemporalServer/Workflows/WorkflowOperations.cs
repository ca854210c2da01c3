using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Temporalio.Api.Common.V1;
using Temporalio.Api.Enums.V1;
using Temporalio.Api.History.V1;
using Temporalio.Api.TaskQueue.V1;
using Temporalio.Api.Workflow.V1;
using Temporalio.Api.WorkflowService.V1;
using TemporalServer.Api;
using TemporalServer.Executions;
using TemporalServer.Namespaces;
using TemporalServer.Storage;

namespace TemporalServer.Workflows;

/// <summary>What clients do to a running workflow (signal, cancel, terminate) and read from any (describe, history).</summary>
sealed class WorkflowOperations(ExecutionStore store, RunningWorkflows running, NamespaceRegistry namespaces, Notifications notifications) : IRpcFeature
{
    static readonly TimeSpan LongestHistoryWait = TimeSpan.FromSeconds(20);

    public void Register(RpcHandlers handlers)
    {
        handlers.Add<SignalWorkflowExecutionRequest, SignalWorkflowExecutionResponse>("SignalWorkflowExecution", async (r, call) =>
        {
            if (string.IsNullOrEmpty(r.SignalName)) throw ApiErrors.InvalidArgument("SignalName is not set on request.");
            await running.ChangeAsync(r.Namespace, r.WorkflowExecution, "", run => run.Signal(r.SignalName, r.Input, r.Header, r.Identity), call.CancellationToken);
            return new SignalWorkflowExecutionResponse();
        });
        handlers.Add<RequestCancelWorkflowExecutionRequest, RequestCancelWorkflowExecutionResponse>("RequestCancelWorkflowExecution", async (r, call) =>
        {
            // Cancelling a run that already closed succeeds and changes nothing, as in Temporal.
            await running.ChangeAsync(r.Namespace, r.WorkflowExecution, r.FirstExecutionRunId, run => run.RequestCancel(r.Reason, r.Identity), call.CancellationToken, closedIsNoop: true);
            return new RequestCancelWorkflowExecutionResponse();
        });
        handlers.Add<TerminateWorkflowExecutionRequest, TerminateWorkflowExecutionResponse>("TerminateWorkflowExecution", async (r, call) =>
        {
            await running.ChangeAsync(r.Namespace, r.WorkflowExecution, r.FirstExecutionRunId, run => run.Terminate(r.Reason, r.Details, r.Identity), call.CancellationToken);
            return new TerminateWorkflowExecutionResponse();
        });
        handlers.Add<DescribeWorkflowExecutionRequest, DescribeWorkflowExecutionResponse>("DescribeWorkflowExecution", async (r, call) =>
        {
            namespaces.Require(r.Namespace);
            var state = await store.ReadStateAsync(r.Namespace, RunningWorkflows.Required(r.Execution), call.CancellationToken) ?? throw ApiErrors.WorkflowNotFound(r.Execution);
            return Describe(state);
        });
        handlers.Add<GetWorkflowExecutionHistoryRequest, GetWorkflowExecutionHistoryResponse>("GetWorkflowExecutionHistory", History);
        handlers.Add<GetWorkflowExecutionHistoryReverseRequest, GetWorkflowExecutionHistoryReverseResponse>("GetWorkflowExecutionHistoryReverse", async (r, call) =>
        {
            namespaces.Require(r.Namespace);
            await using var tx = await store.BeginAsync(call.CancellationToken);
            var state = await store.ReadStateAsync(tx, r.Namespace, RunningWorkflows.Required(r.Execution), forUpdate: false, call.CancellationToken) ?? throw ApiErrors.WorkflowNotFound(r.Execution);
            var before = r.NextPageToken.IsEmpty ? 0 : long.Parse(r.NextPageToken.ToStringUtf8());
            var events = await ExecutionStore.ReadHistoryAsync(tx, state.RunId, before, PageSize(r.MaximumPageSize), reverse: true, call.CancellationToken);
            var response = new GetWorkflowExecutionHistoryReverseResponse { History = new History() };
            response.History.Events.AddRange(events);
            if (events.Count > 0 && events[^1].EventId > 1) response.NextPageToken = ByteString.CopyFromUtf8(events[^1].EventId.ToString());
            return response;
        });
    }

    static int PageSize(int requested) => requested is > 0 and <= 1000 ? requested : 1000;

    /// <summary>
    /// A page of events after the page token; with <c>wait_new_event</c> it long-polls for events (or, with the
    /// close-event filter, for the run to close) and answers an empty page with a token to come back with.
    /// </summary>
    async Task<GetWorkflowExecutionHistoryResponse> History(GetWorkflowExecutionHistoryRequest r, ServerCallContext call)
    {
        namespaces.Require(r.Namespace);
        RunningWorkflows.Required(r.Execution);
        var after = r.NextPageToken.IsEmpty ? 0 : long.Parse(r.NextPageToken.ToStringUtf8());
        var until = Notifications.LongPollDeadline(call, LongestHistoryWait);
        string? runKey = null;
        while (true)
        {
            var wake = runKey is null ? Task.CompletedTask : notifications.NextAsync(runKey);
            var response = new GetWorkflowExecutionHistoryResponse { History = new History() };
            await using (var tx = await store.BeginAsync(call.CancellationToken))
            {
                var state = await store.ReadStateAsync(tx, r.Namespace, r.Execution, forUpdate: false, call.CancellationToken) ?? throw ApiErrors.WorkflowNotFound(r.Execution);
                if (runKey is null)
                {
                    runKey = r.HistoryEventFilterType == HistoryEventFilterType.CloseEvent ? Notifications.ClosedKey(state.RunId) : Notifications.RunKey(state.RunId);
                    wake = notifications.NextAsync(runKey);
                    // The run may have changed between the first read and taking the wake-up task: read once more below.
                }
                if (r.HistoryEventFilterType == HistoryEventFilterType.CloseEvent)
                {
                    if (!state.IsRunning)
                    {
                        response.History.Events.AddRange(await ExecutionStore.ReadHistoryAsync(tx, state.RunId, state.NextEventId - 2, 1, reverse: false, call.CancellationToken));
                        return response;
                    }
                    if (!r.WaitNewEvent) return response;
                }
                else
                {
                    var events = await ExecutionStore.ReadHistoryAsync(tx, state.RunId, after, PageSize(r.MaximumPageSize), reverse: false, call.CancellationToken);
                    if (events.Count > 0 || !r.WaitNewEvent || !state.IsRunning)
                    {
                        response.History.Events.AddRange(events);
                        var last = events.Count > 0 ? events[^1].EventId : after;
                        if (last < state.NextEventId - 1 || (r.WaitNewEvent && state.IsRunning && events.Count > 0))
                            response.NextPageToken = ByteString.CopyFromUtf8(last.ToString());
                        return response;
                    }
                }
            }
            if (!await Notifications.WaitAsync(wake, until, call.CancellationToken))
            {
                // Time is up with nothing new: an empty page and a token make the SDK ask again.
                return new GetWorkflowExecutionHistoryResponse { History = new History(), NextPageToken = ByteString.CopyFromUtf8(after.ToString()) };
            }
        }
    }

    public static DescribeWorkflowExecutionResponse Describe(RunState state)
    {
        var started = state.Started;
        var response = new DescribeWorkflowExecutionResponse
        {
            ExecutionConfig = new WorkflowExecutionConfig
            {
                TaskQueue = new TaskQueue { Name = state.TaskQueue, Kind = TaskQueueKind.Normal },
                WorkflowExecutionTimeout = started.WorkflowExecutionTimeout,
                WorkflowRunTimeout = started.WorkflowRunTimeout,
                DefaultWorkflowTaskTimeout = started.WorkflowTaskTimeout,
                UserMetadata = state.UserMetadata,
            },
            WorkflowExecutionInfo = Info(state),
        };
        if (state.WorkflowTask.ScheduledEventId != 0)
        {
            response.PendingWorkflowTask = new PendingWorkflowTaskInfo
            {
                State = state.WorkflowTask.StartedEventId != 0 ? PendingWorkflowTaskState.Started : PendingWorkflowTaskState.Scheduled,
                ScheduledTime = Timestamp.FromDateTime(state.WorkflowTask.ScheduledTime),
                OriginalScheduledTime = Timestamp.FromDateTime(state.WorkflowTask.ScheduledTime),
                StartedTime = state.WorkflowTask.StartedEventId != 0 ? Timestamp.FromDateTime(state.WorkflowTask.StartedTime) : null,
                Attempt = state.WorkflowTask.Attempt,
            };
        }
        foreach (var a in state.Activities.Values.OrderBy(a => a.ScheduledEventId))
        {
            var info = new PendingActivityInfo
            {
                ActivityId = a.Scheduled.ActivityId,
                ActivityType = a.Scheduled.ActivityType,
                State = a.CancelRequested ? PendingActivityState.CancelRequested : a.Running ? PendingActivityState.Started
                    : a.Paused ? PendingActivityState.Paused : PendingActivityState.Scheduled,
                HeartbeatDetails = a.HeartbeatDetails,
                Attempt = a.Attempt,
                MaximumAttempts = a.Scheduled.RetryPolicy.MaximumAttempts,
                ScheduledTime = Timestamp.FromDateTime(a.AttemptScheduledTime),
                LastFailure = a.LastFailure,
                LastWorkerIdentity = a.Identity ?? a.LastWorkerIdentity ?? "",
                LastHeartbeatTime = a.LastHeartbeatTime is { } hb ? Timestamp.FromDateTime(hb) : null,
                LastStartedTime = a.StartedTime is { } st ? Timestamp.FromDateTime(st) : null,
                Paused = a.Paused,
                PauseInfo = a.PauseInfo,
                ActivityOptions = new() { TaskQueue = a.Scheduled.TaskQueue, ScheduleToCloseTimeout = a.Scheduled.ScheduleToCloseTimeout, ScheduleToStartTimeout = a.Scheduled.ScheduleToStartTimeout, StartToCloseTimeout = a.Scheduled.StartToCloseTimeout, HeartbeatTimeout = a.Scheduled.HeartbeatTimeout, RetryPolicy = a.Scheduled.RetryPolicy },
            };
            if (a.Scheduled.ScheduleToCloseTimeout is { } s2c && s2c.ToTimeSpan() > TimeSpan.Zero)
                info.ExpirationTime = Timestamp.FromDateTime(a.FirstScheduledTime + s2c.ToTimeSpan());
            response.PendingActivities.Add(info);
        }
        foreach (var (initiated, child) in state.Children.OrderBy(c => c.Key))
        {
            response.PendingChildren.Add(new PendingChildExecutionInfo
            {
                WorkflowId = child.WorkflowId,
                RunId = child.RunId ?? "",
                WorkflowTypeName = child.WorkflowType,
                InitiatedId = initiated,
                ParentClosePolicy = child.ParentClosePolicy,
            });
        }
        return response;
    }

    public static WorkflowExecutionInfo Info(RunState state)
    {
        var started = state.Started;
        var info = new WorkflowExecutionInfo
        {
            Execution = state.Execution,
            Type = started.WorkflowType,
            StartTime = Timestamp.FromDateTime(state.StartTime),
            ExecutionTime = Timestamp.FromDateTime(state.ExecutionTime),
            CloseTime = state.CloseTime is { } c ? Timestamp.FromDateTime(c) : null,
            Status = state.Status,
            HistoryLength = state.NextEventId - 1,
            TaskQueue = state.TaskQueue,
            Memo = state.Memo,
            SearchAttributes = state.SearchAttributes,
            ParentExecution = started.ParentWorkflowExecution,
            ParentNamespaceId = started.ParentWorkflowNamespace ?? "",
            RootExecution = started.RootWorkflowExecution ?? state.Execution,
            FirstRunId = started.FirstExecutionRunId,
            ExecutionDuration = state.CloseTime is { } closed ? Duration.FromTimeSpan(closed - state.StartTime) : null,
        };
        return info;
    }
}
