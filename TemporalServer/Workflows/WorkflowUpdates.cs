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
sealed class WorkflowUpdates(ExecutionStore store, RunningWorkflows running, NamespaceRegistry namespaces, Notifications notifications) : IRpcFeature
{
    static readonly TimeSpan LongestWait = TimeSpan.FromSeconds(20);

    public void Register(RpcHandlers handlers)
    {
        handlers.Add<UpdateWorkflowExecutionRequest, UpdateWorkflowExecutionResponse>("UpdateWorkflowExecution", async (r, call) =>
        {
            Validate(r);
            var state = await running.ChangeAsync(r.Namespace, r.WorkflowExecution, r.FirstExecutionRunId, run => run.AdmitUpdate(r.Request), call.CancellationToken);
            return await RespondAsync(r.Namespace, state!.Execution, r.Request.Meta.UpdateId, r.WaitPolicy, call);
        });
        handlers.Add<PollWorkflowExecutionUpdateRequest, PollWorkflowExecutionUpdateResponse>("PollWorkflowExecutionUpdate", async (r, call) =>
        {
            namespaces.Require(r.Namespace);
            var state = await store.ReadStateAsync(r.Namespace, r.UpdateRef.WorkflowExecution, call.CancellationToken) ?? throw ApiErrors.WorkflowNotFound(r.UpdateRef.WorkflowExecution);
            if (!state.Updates.ContainsKey(r.UpdateRef.UpdateId)) throw ApiErrors.TaskNotFound($"update {r.UpdateRef.UpdateId}");
            var (stage, outcome) = await WaitAsync(r.Namespace, state.Execution, r.UpdateRef.UpdateId, r.WaitPolicy?.LifecycleStage, call);
            return new PollWorkflowExecutionUpdateResponse
            {
                UpdateRef = new UpdateRef { WorkflowExecution = state.Execution, UpdateId = r.UpdateRef.UpdateId },
                Stage = stage,
                Outcome = outcome,
            };
        });
    }

    /// <summary>The answer to an admitted update: the stage it reached within the wait the client asked for, and its outcome once completed.</summary>
    public async Task<UpdateWorkflowExecutionResponse> RespondAsync(string ns, WorkflowExecution run, string updateId, WaitPolicy? wait, ServerCallContext call)
    {
        var (stage, outcome) = await WaitAsync(ns, run, updateId, wait?.LifecycleStage, call);
        return new UpdateWorkflowExecutionResponse { UpdateRef = new UpdateRef { WorkflowExecution = run, UpdateId = updateId }, Stage = stage, Outcome = outcome };
    }

    /// <summary>An update request names its update id and handler (INVALID_ARGUMENT naming the field otherwise).</summary>
    public static void Validate(UpdateWorkflowExecutionRequest r)
    {
        if (string.IsNullOrEmpty(r.Request?.Meta?.UpdateId)) throw ApiErrors.InvalidArgument("Request.Meta.UpdateId is not set on request.");
        if (string.IsNullOrEmpty(r.Request.Input?.Name)) throw ApiErrors.InvalidArgument("Request.Input.Name is not set on request.");
    }

    /// <summary>Waits until the update reaches <paramref name="wanted"/> (default: accepted) or the wait is up; answers the stage reached.</summary>
    async Task<(UpdateWorkflowExecutionLifecycleStage Stage, Outcome? Outcome)> WaitAsync(string ns, WorkflowExecution run, string updateId, UpdateWorkflowExecutionLifecycleStage? wanted, ServerCallContext call)
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
