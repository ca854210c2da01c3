using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Temporalio.Api.Common.V1;
using Temporalio.Api.WorkflowService.V1;
using TemporalServer.Api;
using TemporalServer.Executions;
using TemporalServer.Namespaces;

namespace TemporalServer.Matching;

/// <summary>Activity task polls, heartbeats and results (by task token or by workflow and activity id).</summary>
sealed class ActivityTasks(ExecutionStore store, TaskQueue queue, NamespaceRegistry namespaces) : IRpcFeature
{
    public void Register(RpcHandlers handlers)
    {
        handlers.Add<PollActivityTaskQueueRequest, PollActivityTaskQueueResponse>("PollActivityTaskQueue", Poll);
        handlers.Add<RespondActivityTaskCompletedRequest, RespondActivityTaskCompletedResponse>("RespondActivityTaskCompleted", async (r, call) =>
        {
            await ByTokenAsync(r.Namespace, r.TaskToken, (run, a) => run.CompleteActivity(a, r.Result, r.Identity), call);
            return new RespondActivityTaskCompletedResponse();
        });
        handlers.Add<RespondActivityTaskFailedRequest, RespondActivityTaskFailedResponse>("RespondActivityTaskFailed", async (r, call) =>
        {
            await ByTokenAsync(r.Namespace, r.TaskToken, (run, a) => run.FailActivity(a, r.Failure, r.LastHeartbeatDetails, r.Identity), call);
            return new RespondActivityTaskFailedResponse();
        });
        handlers.Add<RespondActivityTaskCanceledRequest, RespondActivityTaskCanceledResponse>("RespondActivityTaskCanceled", async (r, call) =>
        {
            await ByTokenAsync(r.Namespace, r.TaskToken, (run, a) => run.CancelActivity(a, r.Details, r.Identity), call);
            return new RespondActivityTaskCanceledResponse();
        });
        handlers.Add<RecordActivityTaskHeartbeatRequest, RecordActivityTaskHeartbeatResponse>("RecordActivityTaskHeartbeat", async (r, call) =>
        {
            var asked = await ByTokenAsync(r.Namespace, r.TaskToken, (run, a) => run.RecordHeartbeat(a, r.Details), call);
            return new RecordActivityTaskHeartbeatResponse { CancelRequested = asked.CancelRequested, ActivityPaused = asked.Paused, ActivityReset = asked.Reset };
        });
        handlers.Add<RespondActivityTaskCompletedByIdRequest, RespondActivityTaskCompletedByIdResponse>("RespondActivityTaskCompletedById", async (r, call) =>
        {
            await ByIdAsync(r.Namespace, r.WorkflowId, r.RunId, r.ActivityId, (run, a) => run.CompleteActivity(a, r.Result, r.Identity), call);
            return new RespondActivityTaskCompletedByIdResponse();
        });
        handlers.Add<RespondActivityTaskFailedByIdRequest, RespondActivityTaskFailedByIdResponse>("RespondActivityTaskFailedById", async (r, call) =>
        {
            await ByIdAsync(r.Namespace, r.WorkflowId, r.RunId, r.ActivityId, (run, a) => run.FailActivity(a, r.Failure, r.LastHeartbeatDetails, r.Identity), call);
            return new RespondActivityTaskFailedByIdResponse();
        });
        handlers.Add<RespondActivityTaskCanceledByIdRequest, RespondActivityTaskCanceledByIdResponse>("RespondActivityTaskCanceledById", async (r, call) =>
        {
            await ByIdAsync(r.Namespace, r.WorkflowId, r.RunId, r.ActivityId, (run, a) => run.CancelActivity(a, r.Details, r.Identity), call);
            return new RespondActivityTaskCanceledByIdResponse();
        });
        handlers.Add<RecordActivityTaskHeartbeatByIdRequest, RecordActivityTaskHeartbeatByIdResponse>("RecordActivityTaskHeartbeatById", async (r, call) =>
        {
            var asked = await ByIdAsync(r.Namespace, r.WorkflowId, r.RunId, r.ActivityId, (run, a) => run.RecordHeartbeat(a, r.Details), call);
            return new RecordActivityTaskHeartbeatByIdResponse { CancelRequested = asked.CancelRequested, ActivityPaused = asked.Paused, ActivityReset = asked.Reset };
        });
    }

    Task<PollActivityTaskQueueResponse> Poll(PollActivityTaskQueueRequest r, ServerCallContext call)
    {
        namespaces.Require(r.Namespace);
        return queue.PollAsync(r.Namespace, r.TaskQueue?.Name ?? "", TaskKind.Activity, call, async (tx, task) =>
        {
            var run = task.Run;
            var activity = run?.FindActivity(task.ScheduledEventId, task.Attempt);
            // A paused activity's task is dropped: UnpauseActivity dispatches a new one.
            if (run is null || activity is null || activity.Running || activity.Paused) return null;
            run.StartActivity(activity, r.Identity);
            // Sent with the poll's commit.
            store.Stage(tx, run);
            var s = run.State;
            var scheduled = activity.Scheduled;
            return new PollActivityTaskQueueResponse
            {
                TaskToken = TaskToken.For('a', s.RunId, activity.ScheduledEventId, activity.Attempt),
                WorkflowNamespace = s.Namespace,
                WorkflowType = s.Started.WorkflowType,
                WorkflowExecution = s.Execution,
                ActivityType = scheduled.ActivityType,
                ActivityId = scheduled.ActivityId,
                Header = scheduled.Header,
                Input = scheduled.Input,
                HeartbeatDetails = activity.HeartbeatDetails,
                ScheduledTime = Timestamp.FromDateTime(activity.FirstScheduledTime),
                CurrentAttemptScheduledTime = Timestamp.FromDateTime(activity.AttemptScheduledTime),
                StartedTime = Timestamp.FromDateTime(activity.StartedTime!.Value),
                Attempt = activity.Attempt,
                ScheduleToCloseTimeout = scheduled.ScheduleToCloseTimeout,
                StartToCloseTimeout = scheduled.StartToCloseTimeout,
                HeartbeatTimeout = scheduled.HeartbeatTimeout,
                RetryPolicy = scheduled.RetryPolicy,
                Priority = scheduled.Priority,
            };
        }, new PollActivityTaskQueueResponse());
    }

    /// <summary>What a heartbeat response tells the worker about its attempt (as it was before the report).</summary>
    readonly record struct OperatorAsks(bool CancelRequested, bool Paused, bool Reset)
    {
        public static OperatorAsks Of(PendingActivity activity) => new(activity.CancelRequested, activity.Paused, activity.ResetRequested);
    }

    /// <summary>Applies a worker's report to the attempt the token names; NotFound when that attempt is over (timed out, retried, run closed).</summary>
    async Task<OperatorAsks> ByTokenAsync(string ns, Google.Protobuf.ByteString token, Action<WorkflowRun, PendingActivity> change, ServerCallContext call)
    {
        namespaces.Require(ns);
        var (runId, scheduled, attempt) = TaskToken.Parse(token, 'a');
        await using var tx = await store.BeginAsync(call.CancellationToken);
        var run = await store.LockAsync(tx, runId, call.CancellationToken);
        var activity = run?.FindActivity(scheduled, attempt);
        if (run is null || activity is null || !activity.Running) throw ApiErrors.TaskNotFound("Activity task");
        var asks = OperatorAsks.Of(activity);
        change(run, activity);
        if (run.FindActivity(scheduled, attempt) is not { Running: true })
        {
            // The attempt is over: its timeouts would only fire as no-ops.
            run.CancelTimer(TimerKind.ActivityStartToClose, scheduled, attempt);
            run.CancelTimer(TimerKind.ActivityHeartbeat, scheduled, attempt);
        }
        store.Stage(tx, run);
        await tx.CommitAsync(call.CancellationToken);
        return asks;
    }

    async Task<OperatorAsks> ByIdAsync(string ns, string workflowId, string runId, string activityId, Action<WorkflowRun, PendingActivity> change, ServerCallContext call)
    {
        namespaces.Require(ns);
        if (string.IsNullOrEmpty(activityId)) throw ApiErrors.InvalidArgument("ActivityId is not set on request.");
        var execution = new WorkflowExecution { WorkflowId = workflowId, RunId = runId };
        return await store.UpdateAsync(ns, execution, (run, _) =>
        {
            var activity = run.FindActivity(activityId) ?? throw ApiErrors.TaskNotFound($"Activity {activityId}");
            var asks = OperatorAsks.Of(activity);
            change(run, activity);
            return Task.FromResult(asks);
        }, call.CancellationToken);
    }
}
