using Grpc.Core;
using Temporalio.Api.Common.V1;
using Temporalio.Api.Enums.V1;
using Temporalio.Api.Update.V1;
using Temporalio.Api.WorkflowService.V1;
using TemporalServer.Api;
using TemporalServer.Executions;
using TemporalServer.Namespaces;
using TemporalServer.Storage;

namespace TemporalServer.Workflows;

/// <summary>UpdateWorkflowExecution and PollWorkflowExecutionUpdate: admit an update, then wait for the stage the client asked for.</summary>
sealed class WorkflowUpdates(ExecutionStore store, NamespaceRegistry namespaces, Notifications notifications) : IRpcFeature
{
    static readonly TimeSpan LongestWait = TimeSpan.FromSeconds(20);

    public void Register(RpcHandlers handlers)
    {
        handlers.Add<UpdateWorkflowExecutionRequest, UpdateWorkflowExecutionResponse>("UpdateWorkflowExecution", async (r, call) =>
        {
            namespaces.Require(r.Namespace);
            if (string.IsNullOrEmpty(r.Request?.Meta?.UpdateId)) throw ApiErrors.InvalidArgument("Request.Meta.UpdateId is not set on request.");
            if (string.IsNullOrEmpty(r.Request.Input?.Name)) throw ApiErrors.InvalidArgument("Request.Input.Name is not set on request.");
            var runId = await store.UpdateAsync(r.Namespace, r.WorkflowExecution, (run, _) =>
            {
                if (!run.State.IsRunning) throw ApiErrors.WorkflowClosed();
                if (!string.IsNullOrEmpty(r.FirstExecutionRunId) && run.State.Started.FirstExecutionRunId != r.FirstExecutionRunId) throw ApiErrors.WorkflowNotFound(r.WorkflowExecution);
                run.AdmitUpdate(r.Request);
                return Task.FromResult(run.State.RunId);
            }, call.CancellationToken);
            var (stage, outcome) = await WaitAsync(r.Namespace, new WorkflowExecution { WorkflowId = r.WorkflowExecution.WorkflowId, RunId = runId }, r.Request.Meta.UpdateId, r.WaitPolicy?.LifecycleStage, call);
            return new UpdateWorkflowExecutionResponse
            {
                UpdateRef = new UpdateRef { WorkflowExecution = new WorkflowExecution { WorkflowId = r.WorkflowExecution.WorkflowId, RunId = runId }, UpdateId = r.Request.Meta.UpdateId },
                Stage = stage, Outcome = outcome,
            };
        });
        handlers.Add<PollWorkflowExecutionUpdateRequest, PollWorkflowExecutionUpdateResponse>("PollWorkflowExecutionUpdate", async (r, call) =>
        {
            namespaces.Require(r.Namespace);
            var state = await store.ReadStateAsync(r.Namespace, r.UpdateRef.WorkflowExecution, call.CancellationToken) ?? throw ApiErrors.WorkflowNotFound(r.UpdateRef.WorkflowExecution);
            if (!state.Updates.ContainsKey(r.UpdateRef.UpdateId)) throw ApiErrors.TaskNotFound($"update {r.UpdateRef.UpdateId}");
            var (stage, outcome) = await WaitAsync(r.Namespace, state.Execution, r.UpdateRef.UpdateId, r.WaitPolicy?.LifecycleStage, call);
            return new PollWorkflowExecutionUpdateResponse
            {
                UpdateRef = new UpdateRef { WorkflowExecution = state.Execution, UpdateId = r.UpdateRef.UpdateId }, Stage = stage, Outcome = outcome,
            };
        });
    }

    /// <summary>Waits until the update reaches <paramref name="wanted"/> (default: accepted) or the wait is up; answers the stage reached.</summary>
    async Task<(UpdateWorkflowExecutionLifecycleStage, Outcome?)> WaitAsync(string ns, WorkflowExecution run, string updateId, UpdateWorkflowExecutionLifecycleStage? wanted, ServerCallContext call)
    {
        var target = wanted is null or UpdateWorkflowExecutionLifecycleStage.Unspecified ? UpdateWorkflowExecutionLifecycleStage.Accepted : wanted.Value;
        var until = Notifications.LongPollDeadline(call, LongestWait);
        while (true)
        {
            var wake = notifications.NextAsync(Notifications.RunKey(run.RunId));
            var state = await store.ReadStateAsync(ns, run, call.CancellationToken);
            var update = state?.Updates.GetValueOrDefault(updateId) ?? throw ApiErrors.TaskNotFound($"update {updateId}");
            if (update.Stage >= target) return (update.Stage, update.Outcome);
            if (!await Notifications.WaitAsync(wake, until, call.CancellationToken)) return (update.Stage, null);
        }
    }
}
