using Temporalio.Common;
using Temporalio.Exceptions;
using Temporalio.Workflows;

namespace Workflows.Grid;

/// <summary>
/// Ingests one Energy-Charts dataset over a range of days, a chunk of at most <see cref="ChunkDays"/> days per fetch, in
/// order, then exports what changed to the lake. Each fetch is an idempotent activity (raw payload, change data
/// capture, gold for the changed days), and so is the export (it writes only partitions whose rows changed), so a
/// retried step or a re-run backfill changes nothing twice.
/// </summary>
[Workflow]
public sealed class GridIngestWorkflow
{
    public const string TaskQueue = "grid";
    public const int ChunkDays = 31;
    public const int MaxDays = 3660;

    public static readonly string[] Datasets = ["public_power", "price", "installed_power"];

    /// <summary>A backfill's ID names its dataset, area and range: the same backfill cannot run twice at once.</summary>
    public static string BackfillId(string dataset, string area, DateOnly first, DateOnly last) => $"grid-backfill-{dataset}-{area}-{first:yyyy-MM-dd}-{last:yyyy-MM-dd}";

    /// <summary>Fetches go to the public API (or the stand-in): a few minutes each at most, retried with backoff.</summary>
    public static readonly ActivityOptions FetchStep = new()
    {
        StartToCloseTimeout = TimeSpan.FromMinutes(10),
        RetryPolicy = new RetryPolicy
        {
            InitialInterval = TimeSpan.FromSeconds(5),
            BackoffCoefficient = 2,
            MaximumInterval = TimeSpan.FromMinutes(5),
            MaximumAttempts = 8,
            NonRetryableErrorTypes = [WorkflowErrors.InvalidRequest, GridIngestErrors.PayloadRejected],
        },
    };

    /// <summary>A year's export writes a few thousand small files: minutes at most; retried like a fetch.</summary>
    public static readonly ActivityOptions ExportStep = new()
    {
        StartToCloseTimeout = TimeSpan.FromMinutes(30),
        RetryPolicy = new RetryPolicy { InitialInterval = TimeSpan.FromSeconds(5), BackoffCoefficient = 2, MaximumInterval = TimeSpan.FromMinutes(5), MaximumAttempts = 8 },
    };

    int _fetched;

    [WorkflowRun]
    public async Task<GridIngestReport> RunAsync(GridIngestRequest request)
    {
        if (!Datasets.Contains(request.Dataset))
            throw new ApplicationFailureException($"dataset '{request.Dataset}' is not one of {string.Join(", ", Datasets)}", WorkflowErrors.InvalidRequest, nonRetryable: true);
        var started = Workflow.UtcNow;
        var fetches = Plan(request, DateOnly.FromDateTime(started));
        var outcomes = new List<GridFetchOutcome>();
        foreach (var fetch in fetches)
        {
            outcomes.Add(await Workflow.ExecuteActivityAsync((IGridActivities a) => a.FetchAndMergeAsync(fetch), FetchStep));
            _fetched++;
        }
        var export = new GridExport(request.Dataset, request.Area, fetches[0].FirstDay, fetches[^1].LastDay, started);
        var exported = await Workflow.ExecuteActivityAsync((IGridActivities a) => a.ExportAsync(export), ExportStep);
        return new GridIngestReport(request.Dataset, request.Area, fetches[0].FirstDay, fetches[^1].LastDay, outcomes.Count,
            outcomes.Sum(o => o.Points), outcomes.Sum(o => o.Inserted), outcomes.Sum(o => o.Revised), outcomes.Sum(o => o.Unchanged), outcomes.Sum(o => o.ChangedDays),
            exported.Exported);
    }

    [WorkflowQuery]
    public int Fetched => _fetched;

    /// <summary>The fetches of a request: installed power is one; a range of days is cut into chunks.</summary>
    public static IReadOnlyList<GridFetch> Plan(GridIngestRequest request, DateOnly today)
    {
        if (request.Dataset == "installed_power") return [new GridFetch(request.Dataset, request.Area, null, null)];
        var last = request.LastDay ?? (request.Dataset == "price" ? today.AddDays(1) : today);
        var first = request.FirstDay ?? last.AddDays(1 - Math.Max(1, request.RecentDays));
        if (last < first || last.DayNumber - first.DayNumber >= MaxDays)
            throw new ApplicationFailureException($"days {first:yyyy-MM-dd}..{last:yyyy-MM-dd} are not 1 to {MaxDays} days", WorkflowErrors.InvalidRequest, nonRetryable: true);
        var fetches = new List<GridFetch>();
        for (var start = first; start <= last; start = start.AddDays(ChunkDays))
        {
            var end = start.AddDays(ChunkDays - 1);
            fetches.Add(new GridFetch(request.Dataset, request.Area, start, end < last ? end : last));
        }
        return fetches;
    }
}
