using Temporalio.Api.Common.V1;
using Temporalio.Api.Enums.V1;
using Temporalio.Api.History.V1;
using Temporalio.Api.WorkflowService.V1;
using TemporalServer.Api;
using TemporalServer.Executions;
using TemporalServer.Namespaces;

namespace TemporalServer.Workflows;

/// <summary>
/// ResetWorkflowExecution: a new run of the workflow from a workflow task of a base run (<see cref="WorkflowRun.Reset"/>),
/// with the base run's later signals reapplied unless excluded; the workflow's current run, if still running, is
/// terminated and replaced. A request id makes a retried reset return the run the first one created.
/// </summary>
sealed class WorkflowResets(ExecutionStore store, NamespaceRegistry namespaces) : IRpcFeature
{
    public void Register(RpcHandlers handlers) =>
        handlers.Add<ResetWorkflowExecutionRequest, ResetWorkflowExecutionResponse>("ResetWorkflowExecution", (r, call) => ResetAsync(r, call.CancellationToken));

    async Task<ResetWorkflowExecutionResponse> ResetAsync(ResetWorkflowExecutionRequest request, CancellationToken ct)
    {
        var ns = namespaces.Require(request.Namespace);
        if (string.IsNullOrEmpty(request.WorkflowExecution?.WorkflowId)) throw ApiErrors.InvalidArgument("WorkflowId is not set on request.");
        if (request.WorkflowTaskFinishEventId <= 0) throw ApiErrors.InvalidArgument("WorkflowTaskFinishEventId is not set on request.");
        await using var tx = await store.BeginAsync(ct);
        // The current run is locked first: it may be the base run, whose history must not grow while it is copied.
        var current = await store.LockAsync(tx, ns, new WorkflowExecution { WorkflowId = request.WorkflowExecution.WorkflowId }, ct)
            ?? throw ApiErrors.WorkflowNotFound(request.WorkflowExecution);
        if (!string.IsNullOrEmpty(request.RequestId) && current.State.StartRequestId == request.RequestId)
            return new ResetWorkflowExecutionResponse { RunId = current.State.RunId };
        var baseRun = await store.ReadStateAsync(tx, ns, request.WorkflowExecution, forUpdate: false, ct) ?? throw ApiErrors.WorkflowNotFound(request.WorkflowExecution);
        var history = await ExecutionStore.ReadHistoryAsync(tx, baseRun.RunId, 0, int.MaxValue, reverse: false, ct);
        var finish = request.WorkflowTaskFinishEventId;
        if (finish >= baseRun.NextEventId) throw ApiErrors.InvalidArgument($"WorkflowTaskFinishEventId {finish} is not an event of run {baseRun.RunId}");
        var keepThrough = history[(int)finish - 1].EventType == EventType.WorkflowTaskStarted ? finish : finish - 1;
        var kept = history.Take((int)keepThrough).ToList();
        var reapply = history.Skip((int)keepThrough).Where(e => e.EventType == EventType.WorkflowExecutionSignaled && ReappliesSignals(request)).ToList();

        WorkflowRun reset;
        try
        {
            reset = WorkflowRun.Reset(baseRun, kept, reapply, Guid.NewGuid().ToString(), request.Reason ?? "", request.RequestId, request.Identity ?? "");
        }
        catch (ResetException e)
        {
            throw ApiErrors.InvalidArgument($"cannot reset to event {finish}: {e.Message}");
        }
        if (current.State.IsRunning)
        {
            current.Terminate($"reset: {request.Reason}", null, request.Identity ?? "", replaced: true);
            current.NewRuns.Add(reset);
            store.Stage(tx, current);
        }
        else store.Stage(tx, reset);
        await tx.CommitAsync(ct);
        return new ResetWorkflowExecutionResponse { RunId = reset.State.RunId };
    }

#pragma warning disable CS0612 // ResetReapplyType: deprecated in favour of the exclude list, still sent by clients
    static bool ReappliesSignals(ResetWorkflowExecutionRequest request) =>
        request.ResetReapplyType != ResetReapplyType.None && !request.ResetReapplyExcludeTypes.Contains(ResetReapplyExcludeType.Signal);
#pragma warning restore CS0612
}
