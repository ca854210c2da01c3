using Temporalio.Api.Common.V1;
using Temporalio.Api.WorkflowService.V1;
using TemporalServer.Api;
using TemporalServer.Executions;
using TemporalServer.Namespaces;

namespace TemporalServer.Workflows;

/// <summary>
/// What operators do to a workflow's pending activities: PauseActivity, UnpauseActivity and ResetActivity, each
/// naming one activity by id, or every pending activity of a type (or all of them, where the request allows).
/// </summary>
sealed class ActivityOperations(ExecutionStore store, NamespaceRegistry namespaces) : IRpcFeature
{
    public void Register(RpcHandlers handlers)
    {
        handlers.Add<PauseActivityRequest, PauseActivityResponse>("PauseActivity", async (r, call) =>
        {
            await ChangeAsync(r.Namespace, r.Execution, r.Id, r.Type, matchAll: false,
                (run, a) => run.PauseActivity(a, r.Reason, r.Identity), call.CancellationToken);
            return new PauseActivityResponse();
        });
        handlers.Add<UnpauseActivityRequest, UnpauseActivityResponse>("UnpauseActivity", async (r, call) =>
        {
            await ChangeAsync(r.Namespace, r.Execution, r.Id, r.Type, r.UnpauseAll,
                (run, a) => run.UnpauseActivity(a, r.ResetAttempts, r.ResetHeartbeat), call.CancellationToken);
            return new UnpauseActivityResponse();
        });
        handlers.Add<ResetActivityRequest, ResetActivityResponse>("ResetActivity", async (r, call) =>
        {
            await ChangeAsync(r.Namespace, r.Execution, r.Id, r.Type, r.MatchAll,
                (run, a) => run.ResetActivity(a, r.ResetHeartbeat, r.KeepPaused), call.CancellationToken);
            return new ResetActivityResponse();
        });
    }

    async Task ChangeAsync(string ns, WorkflowExecution? execution, string id, string type, bool matchAll, Action<WorkflowRun, PendingActivity> change, CancellationToken ct)
    {
        namespaces.Require(ns);
        if (string.IsNullOrEmpty(execution?.WorkflowId)) throw ApiErrors.InvalidArgument("Execution is not set on request.");
        if (string.IsNullOrEmpty(id) && string.IsNullOrEmpty(type) && !matchAll) throw ApiErrors.InvalidArgument("Either the activity id or the activity type must be given.");
        await store.UpdateAsync(ns, execution, (run, _) =>
        {
            if (!run.State.IsRunning) throw ApiErrors.WorkflowClosed();
            var matched = run.State.Activities.Values
                .Where(a => matchAll || (!string.IsNullOrEmpty(id) ? a.Scheduled.ActivityId == id : a.Scheduled.ActivityType.Name == type))
                .ToList();
            if (matched.Count == 0) throw ApiErrors.NotFound(!string.IsNullOrEmpty(id) ? $"no pending activity with id {id}" : $"no pending activity of type {type}");
            foreach (var activity in matched) change(run, activity);
            return Task.FromResult(true);
        }, ct);
    }
}
