using Grpc.Core;
using Temporalio.Api.Common.V1;
using Temporalio.Api.Enums.V1;
using Temporalio.Api.WorkflowService.V1;
using TemporalServer.Api;
using TemporalServer.Executions;
using TemporalServer.Namespaces;

namespace TemporalServer.Workflows;

/// <summary>
/// ExecuteMultiOperation with the one list Temporal accepts, [StartWorkflow, UpdateWorkflow] on one workflow id:
/// update-with-start. The start (or the running run that the conflict policy, the start's request id or an update of
/// the same id makes it use) and the update's admission are one transaction; then it waits for the update like
/// UpdateWorkflowExecution. Failures come back as Temporal's MultiOperationExecutionFailure (the failing operation's
/// own status, the other one Aborted), which the SDK turns into the typed exceptions of a lone start or update.
/// </summary>
sealed class UpdateWithStart(WorkflowStarts starts, WorkflowUpdates updates, ExecutionStore store, NamespaceRegistry namespaces) : IRpcFeature
{
    public void Register(RpcHandlers handlers) =>
        handlers.Add<ExecuteMultiOperationRequest, ExecuteMultiOperationResponse>("ExecuteMultiOperation", ExecuteAsync);

    async Task<ExecuteMultiOperationResponse> ExecuteAsync(ExecuteMultiOperationRequest r, ServerCallContext call)
    {
        namespaces.Require(r.Namespace);
        if (r.Operations is not [{ StartWorkflow: { } start }, { UpdateWorkflow: { } update }])
            throw ApiErrors.InvalidArgument("Operations have to be exactly [Start, Update].");
        var startProblem = Problem(() => ValidateStart(start, r.Namespace));
        var updateProblem = Problem(() => ValidateUpdate(update, r.Namespace, start.WorkflowId));
        if (startProblem is not null || updateProblem is not null) throw ApiErrors.MultiOperation(startProblem, updateProblem);
        start.Namespace = update.Namespace = r.Namespace;
        var updateId = update.Request.Meta.UpdateId;

        // An update of this id that already completed on the workflow's latest run is answered from there, without a start.
        var latest = await store.ReadStateAsync(r.Namespace, new WorkflowExecution { WorkflowId = start.WorkflowId }, call.CancellationToken);
        if (latest?.Updates.GetValueOrDefault(updateId) is { Stage: UpdateWorkflowExecutionLifecycleStage.Completed })
            return Response(new StartWorkflowExecutionResponse { RunId = latest.RunId, Started = false, Status = latest.Status },
                await updates.RespondAsync(r.Namespace, latest.Execution, updateId, update.WaitPolicy, call));

        string runId;
        bool started;
        try
        {
            (runId, started) = await starts.StartAsync(WorkflowStarts.Request(start), signal: null,
                new WorkflowStarts.Companion(JoinsRunning: state => state.Updates.ContainsKey(updateId), Apply: run => run.AdmitUpdate(update.Request)),
                call.CancellationToken);
        }
        catch (RpcException e) when (e.StatusCode is not (StatusCode.Cancelled or StatusCode.Unavailable))
        {
            throw ApiErrors.MultiOperation(e, null);
        }
        var run = new WorkflowExecution { WorkflowId = start.WorkflowId, RunId = runId };
        return Response(new StartWorkflowExecutionResponse { RunId = runId, Started = started, Status = WorkflowExecutionStatus.Running },
            await updates.RespondAsync(r.Namespace, run, updateId, update.WaitPolicy, call));
    }

    /// <summary>Temporal's restrictions on the start of an update-with-start.</summary>
    static void ValidateStart(StartWorkflowExecutionRequest start, string ns)
    {
        RequireNamespace(start.Namespace, ns);
        if (string.IsNullOrEmpty(start.WorkflowId)) throw ApiErrors.InvalidArgument("WorkflowId is not set on request.");
        if (!string.IsNullOrEmpty(start.CronSchedule)) throw ApiErrors.InvalidArgument("CronSchedule is not allowed.");
        if (start.RequestEagerExecution) throw ApiErrors.InvalidArgument("RequestEagerExecution is not supported.");
        if (start.WorkflowStartDelay is { } delay && delay.ToTimeSpan() > TimeSpan.Zero) throw ApiErrors.InvalidArgument("WorkflowStartDelay is not supported.");
    }

    /// <summary>The update goes to the workflow the start names, to whichever run the start lands on.</summary>
    static void ValidateUpdate(UpdateWorkflowExecutionRequest update, string ns, string workflowId)
    {
        RequireNamespace(update.Namespace, ns);
        WorkflowUpdates.Validate(update);
        if (!string.IsNullOrEmpty(update.FirstExecutionRunId)) throw ApiErrors.InvalidArgument("FirstExecutionRunId is not allowed.");
        if (!string.IsNullOrEmpty(update.WorkflowExecution?.RunId)) throw ApiErrors.InvalidArgument("RunId is not allowed.");
        if (update.WorkflowExecution?.WorkflowId != workflowId) throw ApiErrors.InvalidArgument("WorkflowId is not consistent with previous operation(s).");
    }

    static void RequireNamespace(string operationNamespace, string ns)
    {
        if (!string.IsNullOrEmpty(operationNamespace) && operationNamespace != ns)
            throw ApiErrors.InvalidArgument("Operation namespace did not match request's namespace.");
    }

    static RpcException? Problem(Action validate)
    {
        try
        {
            validate();
            return null;
        }
        catch (RpcException e)
        {
            return e;
        }
    }

    static ExecuteMultiOperationResponse Response(StartWorkflowExecutionResponse start, UpdateWorkflowExecutionResponse update) => new()
    {
        Responses =
        {
            new ExecuteMultiOperationResponse.Types.Response { StartWorkflow = start },
            new ExecuteMultiOperationResponse.Types.Response { UpdateWorkflow = update },
        },
    };
}
