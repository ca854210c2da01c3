using Temporalio.Activities;

namespace Workflows.Meters;

/// <summary>
/// A meter run: the raw records that arrived since the last run, and on demand a time range to clean and check again
/// (all configured series, or the named ones as "device/signal").
/// </summary>
public sealed record MeterPipelineRequest
{
    public DateTime? From { get; init; }
    public DateTime? To { get; init; }
    public IReadOnlyList<string>? Series { get; init; }

    public static MeterPipelineRequest Live() => new();
}

/// <summary>A time range of one series whose measurements changed (or that was asked for): what clean, check and export redo.</summary>
public sealed record SeriesWindow(string DeviceId, string SignalName, DateTime From, DateTime To);

public sealed record MeterProcessOutcome(string RunId, int Records, int Measurements, int Unknown, int Quarantined, IReadOnlyList<SeriesWindow> Windows);

public sealed record MeterCleanOutcome(long Points, long Filled);

public sealed record MeterCheckOutcome(int Checks, int Failed, bool RunFailed);

public sealed record MeterExportOutcome(int Partitions, int Files, IReadOnlyList<string> Manifests);

public sealed record MeterPipelineReport(string RunId, int Records, int Measurements, int Quarantined, int Windows, long Points, int FailedChecks, bool RunFailed, int ExportedFiles);

/// <summary>
/// The meter workflow's activities, implemented by Workers. Temporal runs each at least once: each is idempotent
/// for its run (docs/meters.md, "Workflow").
/// </summary>
public interface IMeterActivities
{
    [Activity]
    Task<MeterProcessOutcome> ProcessAsync(MeterPipelineRequest request, string runId);

    [Activity]
    Task<MeterCleanOutcome> CleanAsync(MeterProcessOutcome processed);

    [Activity]
    Task<MeterCheckOutcome> CheckAsync(MeterProcessOutcome processed);

    [Activity]
    Task<MeterExportOutcome> ExportAsync(MeterProcessOutcome processed);
}
