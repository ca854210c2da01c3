using Temporalio.Api.Common.V1;
using TemporalServer.Api;
using TemporalServer.Executions;
using TemporalServer.Namespaces;

namespace TemporalServer.Workflows;

/// <summary>
/// The lookup every client operation on a running workflow starts with (signal, cancel, terminate, update): the
/// namespace is served, a workflow id is given, the run (the latest one when no run id is given) is locked and still
/// running and, when the caller names a first execution run id, belongs to that chain. The change is applied in the
/// lock's transaction.
/// </summary>
sealed class RunningWorkflows(ExecutionStore store, NamespaceRegistry namespaces)
{
    /// <summary>
    /// Applies <paramref name="change"/> to the running run and answers its state; on a closed run NotFound, or
    /// nothing (null) when <paramref name="closedIsNoop"/>.
    /// </summary>
    public async Task<RunState?> ChangeAsync(string ns, WorkflowExecution? execution, string firstExecutionRunId, Action<WorkflowRun> change, CancellationToken ct, bool closedIsNoop = false)
    {
        namespaces.Require(ns);
        var named = Required(execution);
        return await store.UpdateAsync(ns, named, (run, _) =>
        {
            if (!run.State.IsRunning && closedIsNoop) return Task.FromResult<RunState?>(null);
            if (!run.State.IsRunning) throw ApiErrors.WorkflowClosed();
            if (!string.IsNullOrEmpty(firstExecutionRunId) && run.State.Started.FirstExecutionRunId != firstExecutionRunId) throw ApiErrors.WorkflowNotFound(named);
            change(run);
            return Task.FromResult<RunState?>(run.State);
        }, ct);
    }

    public static WorkflowExecution Required(WorkflowExecution? execution) =>
        string.IsNullOrEmpty(execution?.WorkflowId) ? throw ApiErrors.InvalidArgument("WorkflowId is not set on request.") : execution;
}
