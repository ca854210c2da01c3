using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Temporalio.Api.Enums.V1;
using Temporalio.Api.History.V1;
using Temporalio.Api.WorkflowService.V1;
using TemporalServer.Api;
using TemporalServer.Executions;
using TemporalServer.Namespaces;
using TemporalServer.Queries;
using TemporalServer.Storage;
using TaskQueueMessage = Temporalio.Api.TaskQueue.V1.TaskQueue;

namespace TemporalServer.Matching;

/// <summary>
/// Workflow task polls and completions, with Temporal's sticky queues: a worker completing a task names its own
/// sticky queue, and the run's next task goes there with only the events after the last completed task (the worker
/// has the rest cached). A task not taken from the sticky queue within the worker's schedule-to-start timeout, and
/// every task after a failed or timed-out one, goes to the normal queue with the full history; ShutdownWorker and
/// ResetStickyTaskQueue end stickiness at once.
/// </summary>
sealed class WorkflowTasks(ExecutionStore store, TaskQueue queue, NamespaceRegistry namespaces, QueryTasks queries, IConfiguration configuration) : IRpcFeature
{
    /// <summary>History length from which workflows are told to continue as new (Temporal's limit.historyCount.suggestContinueAsNew).</summary>
    readonly int _suggestContinueAsNewAfter = configuration.GetValue("Temporal:SuggestContinueAsNewHistoryCount", 4096);
    readonly HistoryLimits _historyLimits = HistoryLimits.From(configuration);

    public void Register(RpcHandlers handlers)
    {
        handlers.Add<PollWorkflowTaskQueueRequest, PollWorkflowTaskQueueResponse>("PollWorkflowTaskQueue", Poll);
        handlers.Add<RespondWorkflowTaskCompletedRequest, RespondWorkflowTaskCompletedResponse>("RespondWorkflowTaskCompleted", async (r, call) =>
        {
            BadCommand? bad = null;
            await UpdateStartedTaskAsync(r.Namespace, r.TaskToken, run =>
            {
                run.SetStickyQueue(r.StickyAttributes);
                bad = run.CompleteWorkflowTask(r);
                run.EnforceHistoryLimits(_historyLimits);
            }, call);
            // As in Temporal: the failed task (and its next attempt) is committed, and the worker is told what was wrong.
            if (bad is not null) throw ApiErrors.InvalidArgument(bad.ErrorMessage);
            return new RespondWorkflowTaskCompletedResponse();
        });
        handlers.Add<RespondWorkflowTaskFailedRequest, RespondWorkflowTaskFailedResponse>("RespondWorkflowTaskFailed", async (r, call) =>
        {
            await UpdateStartedTaskAsync(r.Namespace, r.TaskToken, run => run.FailWorkflowTask(r.Cause, r.Failure, r.Identity), call);
            return new RespondWorkflowTaskFailedResponse();
        });
        handlers.Add<ShutdownWorkerRequest, ShutdownWorkerResponse>("ShutdownWorker", async (r, call) =>
        {
            namespaces.Require(r.Namespace);
            if (!string.IsNullOrEmpty(r.StickyTaskQueue)) await ShutDownStickyQueueAsync(r.StickyTaskQueue, call.CancellationToken);
            return new ShutdownWorkerResponse();
        });
        handlers.Add<ResetStickyTaskQueueRequest, ResetStickyTaskQueueResponse>("ResetStickyTaskQueue", async (r, call) =>
        {
            namespaces.Require(r.Namespace);
            await store.UpdateAsync(r.Namespace, r.Execution ?? new(), (run, _) =>
            {
                run.LeaveStickyQueue();
                return Task.FromResult(0);
            }, call.CancellationToken);
            return new ResetStickyTaskQueueResponse();
        });
    }

    /// <summary>
    /// A worker shutting down will not poll its sticky queue again: the tasks waiting there time out now (the timer
    /// moves each to the normal queue in its run's transaction). Runs still naming the queue find out at their next
    /// task, after the sticky timeout, as in Temporal when a worker vanishes without saying so.
    /// </summary>
    async Task ShutDownStickyQueueAsync(string stickyQueue, CancellationToken ct)
    {
        await using var tx = await store.BeginAsync(ct);
        await tx.ExecuteAsync(ct, ("UPDATE temporal.timers SET fire_at = now() WHERE kind = $1 AND payload = $2",
            [(short)TimerKind.StickyScheduleToStart, new StringValue { Value = stickyQueue }.ToByteArray()]));
        await tx.NotifyAsync(Notifications.TimersKey, ct);
        await tx.CommitAsync(ct);
    }

    async Task<PollWorkflowTaskQueueResponse> Poll(PollWorkflowTaskQueueRequest r, ServerCallContext call)
    {
        namespaces.Require(r.Namespace);
        var sticky = r.TaskQueue?.Kind == TaskQueueKind.Sticky ? r.TaskQueue.Name : null;
        return await queue.PollAsync(r.Namespace, r.TaskQueue?.Name ?? "", TaskKind.Workflow, call, async (tx, task) =>
        {
            if (task.QueryId is { } queryId) return await queries.StartAsync(tx, task.RunId, queryId, call.CancellationToken);
            var run = task.Run;
            // A task taken from a queue it no longer belongs to (moved off a sticky queue meanwhile) is dropped.
            if (run is null || !run.CanStartWorkflowTask(task.ScheduledEventId, sticky)) return null;
            run.StartWorkflowTask(r.Identity, _suggestContinueAsNewAfter);
            var s = run.State;
            var response = new PollWorkflowTaskQueueResponse
            {
                TaskToken = TaskToken.For('w', s.RunId, s.WorkflowTask.ScheduledEventId, s.WorkflowTask.Attempt),
                WorkflowExecution = s.Execution,
                WorkflowType = s.Started.WorkflowType,
                PreviousStartedEventId = s.LastCompletedStartedEventId,
                StartedEventId = s.WorkflowTask.StartedEventId,
                Attempt = s.WorkflowTask.Attempt,
                History = new History(),
                WorkflowExecutionTaskQueue = new TaskQueueMessage { Name = s.TaskQueue, Kind = TaskQueueKind.Normal },
                ScheduledTime = Timestamp.FromDateTime(s.WorkflowTask.ScheduledTime),
                StartedTime = Timestamp.FromDateTime(s.WorkflowTask.StartedTime),
            };
            response.Messages.AddRange(run.DeliverUpdates());
            store.Stage(tx, run);
            // A sticky worker has the events up to the last completed task cached; any other gets the full history.
            // Written, read and committed in one round trip.
            var after = sticky is null ? 0 : s.LastCompletedStartedEventId;
            response.History.Events.AddRange(await ExecutionStore.CommitReadingHistoryAsync(tx, s.RunId, after, call.CancellationToken));
            return response;
        }, new PollWorkflowTaskQueueResponse());
    }

    async Task UpdateStartedTaskAsync(string ns, Google.Protobuf.ByteString token, Action<WorkflowRun> change, ServerCallContext call)
    {
        namespaces.Require(ns);
        var (runId, scheduled, attempt) = TaskToken.Parse(token, 'w');
        await using var tx = await store.BeginAsync(call.CancellationToken);
        var run = await store.LockAsync(tx, runId, call.CancellationToken);
        if (run is null || !run.IsStartedWorkflowTask(scheduled, attempt)) throw ApiErrors.TaskNotFound("Workflow task");
        run.CancelTimer(TimerKind.WorkflowTaskTimeout, scheduled, attempt);
        change(run);
        store.Stage(tx, run);
        await tx.CommitAsync(call.CancellationToken);
    }
}
