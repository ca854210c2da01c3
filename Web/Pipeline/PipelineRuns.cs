using ServiceDefaults.Temporal;
using Temporalio.Client;
using Temporalio.Api.Enums.V1;
using Web.Api;
using Web.Dashboard;
using Workflows.Trades;

namespace Web.Pipeline;

/// <summary>A workflow run as the home page lists it, with where to look at it: the Temporal UI and, when it was started under a trace, that trace in the dashboard.</summary>
public sealed record PipelineRun(string WorkflowId, string RunId, string WorkflowType, string Status, DateTimeOffset StartedAt, DateTimeOffset? ClosedAt,
    string TemporalUiUrl, string? TraceUrl);

/// <summary>A backfill started through Temporal: its workflow and where to watch it.</summary>
public sealed record BackfillStarted(string WorkflowId, string RunId, string TemporalUiUrl);

/// <summary>
/// The pipeline's workflow runs through <see cref="ITemporalClient"/>: the most recent ones (Temporal visibility) and
/// backfills started on an operator's request. Workflow operations themselves happen in the Temporal UI.
/// </summary>
/// <remarks>
/// Links: <c>Temporal:UiUrl</c> (default http://127.0.0.1:8233, the local server's UI) and the dashboard's trace
/// pages through <see cref="DashboardLinks"/>.
/// </remarks>
public sealed class PipelineRuns(ITemporalClient client, TemporalSettings temporal, DashboardLinks dashboard, IConfiguration configuration)
{
    readonly string _ui = (configuration["Temporal:UiUrl"] ?? "http://127.0.0.1:8233").TrimEnd('/');

    /// <summary>The statuses a run can have, as Temporal's visibility names them (the <c>status</c> filter's values).</summary>
    public static readonly IReadOnlyList<string> Statuses =
        [.. Enum.GetValues<WorkflowExecutionStatus>().Where(s => s != WorkflowExecutionStatus.Unspecified).Select(s => s.ToString())];

    /// <summary>Runs, most recent first, optionally only those with <paramref name="status"/> (one of <see cref="Statuses"/>).</summary>
    public async Task<Paged<PipelineRun>> ListAsync(string? status, PageRequest page, CancellationToken ct)
    {
        var runs = new List<PipelineRun>();
        // Visibility pages by token, not offset: the runs before the offset are listed and skipped.
        var options = new WorkflowListOptions { Limit = page.Offset + page.Limit, Rpc = new RpcOptions { CancellationToken = ct } };
        await foreach (var run in client.ListWorkflowsAsync(Query(status), options).Skip(page.Offset))
            runs.Add(new PipelineRun(run.Id, run.RunId, run.WorkflowType, run.Status.ToString(), run.StartTime, run.CloseTime,
                UiUrl(run.Id, run.RunId), await TraceUrlAsync(run.Id, run.RunId, ct)));
        return new Paged<PipelineRun>(runs, await CountAsync(status, ct), page);
    }

    public async Task<long> CountAsync(string? status, CancellationToken ct) =>
        (await client.CountWorkflowsAsync(Query(status), new WorkflowCountOptions { Rpc = new RpcOptions { CancellationToken = ct } })).Count;

    // status is one of Statuses (the endpoint validates it), never free text in the query.
    static string Query(string? status) => status is null ? "" : $"ExecutionStatus = '{Statuses.Single(s => s == status)}'";

    /// <summary>Starts the trade pipeline over delivery days <paramref name="first"/>..<paramref name="last"/>; the ID names the range, so the same range cannot run twice at once.</summary>
    public async Task<BackfillStarted> StartBackfillAsync(DateOnly first, DateOnly last, CancellationToken ct)
    {
        var handle = await client.StartWorkflowAsync((TradePipelineWorkflow w) => w.RunAsync(TradePipelineRequest.Backfill(first, last)),
            new WorkflowOptions(TradePipelineWorkflow.BackfillId(first, last), TradePipelineWorkflow.TaskQueue) { Rpc = new RpcOptions { CancellationToken = ct } });
        return new BackfillStarted(handle.Id, handle.ResultRunId!, UiUrl(handle.Id, handle.ResultRunId!));
    }

    /// <summary>The run's page in the Temporal UI.</summary>
    public string UiUrl(string workflowId, string runId) =>
        $"{_ui}/namespaces/{Uri.EscapeDataString(temporal.Namespace)}/workflows/{Uri.EscapeDataString(workflowId)}/{Uri.EscapeDataString(runId)}/history";

    /// <summary>The trace the run was started under, read from its first event's header (the tracing interceptor's).</summary>
    async Task<string?> TraceUrlAsync(string workflowId, string runId, CancellationToken ct)
    {
        await foreach (var started in client.GetWorkflowHandle(workflowId, runId).FetchHistoryEventsAsync(new() { Rpc = new RpcOptions { CancellationToken = ct } }))
        {
            var context = TemporalTracing.TraceContext(started.WorkflowExecutionStartedEventAttributes?.Header?.Fields);
            return dashboard.Trace(context.TraceId);
        }
        return null;
    }
}
