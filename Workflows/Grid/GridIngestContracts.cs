using Temporalio.Activities;

namespace Workflows.Grid;

/// <summary>
/// What to ingest from Energy-Charts: a dataset (<c>public_power</c>, <c>price</c>, <c>installed_power</c>) for an area
/// and, for the time series, a range of local days. Without days (scheduled runs) the range is the last
/// <see cref="RecentDays"/> days up to today (prices: up to tomorrow, the day-ahead auction's day), so revisions of
/// recent days are picked up by the next run.
/// </summary>
public sealed record GridIngestRequest
{
    public required string Dataset { get; init; }
    public required string Area { get; init; }
    public DateOnly? FirstDay { get; init; }
    public DateOnly? LastDay { get; init; }
    public int RecentDays { get; init; } = 3;
}

/// <summary>One request to Energy-Charts, fetched and merged by one activity.</summary>
public sealed record GridFetch(string Dataset, string Area, DateOnly? FirstDay, DateOnly? LastDay);

public sealed record GridFetchOutcome(int Points, int Inserted, int Revised, int Unchanged, int ChangedDays, IReadOnlyList<string> MissingSeries);

/// <summary>
/// The lake export after the fetches: the dataset's partitions over the days fetched (and the gold they recompute), and
/// the payloads first fetched since the run started. Only partitions whose rows changed are written.
/// </summary>
public sealed record GridExport(string Dataset, string Area, DateOnly? FirstDay, DateOnly? LastDay, DateTime FetchedSince);

public sealed record GridExported(int Partitions, int Exported, long Rows, string Manifest);

public sealed record GridIngestReport(string Dataset, string Area, DateOnly? FirstDay, DateOnly? LastDay, int Fetches, int Points, int Inserted, int Revised, int Unchanged, int ChangedDays,
    int PartitionsExported);

/// <summary>Failure types the grid ingestion does not retry besides <see cref="WorkflowErrors.InvalidRequest"/>: the same payload would fail the same way.</summary>
public static class GridIngestErrors
{
    /// <summary>The payload's shape is not the expected one (kept raw in bronze with the reason).</summary>
    public const string PayloadRejected = "PayloadRejected";
}

/// <summary>
/// Implemented by Workers: fetch one request, keep it raw, merge it (CDC) and recompute its changed days; export the
/// changed partitions to the lake. Both idempotent.
/// </summary>
public interface IGridActivities
{
    [Activity]
    Task<GridFetchOutcome> FetchAndMergeAsync(GridFetch fetch);

    [Activity]
    Task<GridExported> ExportAsync(GridExport export);
}
