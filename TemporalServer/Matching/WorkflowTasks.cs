using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Temporalio.Api.Enums.V1;
using Temporalio.Api.History.V1;
using Temporalio.Api.WorkflowService.V1;
using TemporalServer.Api;
using TemporalServer.Executions;
using TemporalServer.Namespaces;
using TemporalServer.Queries;
using TaskQueueMessage = Temporalio.Api.TaskQueue.V1.TaskQueue;

namespace TemporalServer.Matching;

/// <summary>
/// Workflow task polls and completions. Stickiness is ignored: every task goes to the normal queue with the full
/// history (the sticky pollers just wait), which Temporal's workers handle by reconciling their cache.
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
            await UpdateStartedTaskAsync(r.Namespace, r.TaskToken, run =>
            {
                run.CompleteWorkflowTask(r);
                run.EnforceHistoryLimits(_historyLimits);
            }, call);
            return new RespondWorkflowTaskCompletedResponse();
        });
        handlers.Add<RespondWorkflowTaskFailedRequest, RespondWorkflowTaskFailedResponse>("RespondWorkflowTaskFailed", async (r, call) =>
        {
            await UpdateStartedTaskAsync(r.Namespace, r.TaskToken, run => run.FailWorkflowTask(r.Cause, r.Failure, r.Identity), call);
            return new RespondWorkflowTaskFailedResponse();
        });
        // Sticky queues are not used (see the class comment), so there is nothing to shut down or reset.
        handlers.Add<ShutdownWorkerRequest, ShutdownWorkerResponse>("ShutdownWorker", (_, _) => Task.FromResult(new ShutdownWorkerResponse()));
        handlers.Add<ResetStickyTaskQueueRequest, ResetStickyTaskQueueResponse>("ResetStickyTaskQueue", (_, _) => Task.FromResult(new ResetStickyTaskQueueResponse()));
    }

    async Task<PollWorkflowTaskQueueResponse> Poll(PollWorkflowTaskQueueRequest r, ServerCallContext call)
    {
        namespaces.Require(r.Namespace);
        if (r.TaskQueue?.Kind == TaskQueueKind.Sticky)
        {
            // Nothing is ever dispatched to a sticky queue: park the poll until its deadline or cancellation.
            await Storage.Notifications.WaitAsync(Task.Delay(Timeout.Infinite, call.CancellationToken), Storage.Notifications.LongPollDeadline(call, TimeSpan.FromSeconds(60)), call.CancellationToken);
            return new PollWorkflowTaskQueueResponse();
        }
        return await queue.PollAsync(r.Namespace, r.TaskQueue?.Name ?? "", TaskKind.Workflow, call, async (tx, task) =>
        {
            if (task.QueryId is { } queryId) return await queries.StartAsync(tx, task.RunId, queryId, call.CancellationToken);
            var run = await store.LockAsync(tx, task.RunId, call.CancellationToken);
            if (run is null || !run.CanStartWorkflowTask(task.ScheduledEventId)) return null;
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
            await store.SaveAsync(tx, run, call.CancellationToken);
            response.History.Events.AddRange(await ExecutionStore.ReadHistoryAsync(tx, s.RunId, 0, int.MaxValue, reverse: false, call.CancellationToken));
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
        change(run);
        await store.SaveAsync(tx, run, call.CancellationToken);
        await tx.CommitAsync(call.CancellationToken);
    }
}
