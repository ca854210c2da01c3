using Temporalio.Activities;

namespace Workflows.Prices;

/// <summary>Which topic to report on and the |z| above which a tick is an outlier.</summary>
public sealed record PriceReportRequest
{
    public string Topic { get; init; } = "prices";
    public double Threshold { get; init; } = 3;
}

/// <summary>
/// What a report found; the report itself is in PostgreSQL under <see cref="ReportId"/> (the workflow ID), and in the
/// lake under <see cref="Manifest"/> once exported.
/// </summary>
public sealed record PriceReportSummary(string ReportId, long Ticks, int Symbols, int Outliers, long Rejected)
{
    /// <summary>The lake key of the export's manifest.json.</summary>
    public string? Manifest { get; init; }
}

/// <summary>A report's lake export: its manifest's key and the Parquet files it lists.</summary>
public sealed record PriceReportExport(string Manifest, int Files, long Ticks);

/// <summary>Failure types the price report does not retry besides <see cref="WorkflowErrors.InvalidRequest"/>.</summary>
public static class PriceReportErrors
{
    /// <summary>The report is not stored (nothing to export), or the topic no longer holds every tick it read.</summary>
    public const string ExportImpossible = "ExportImpossible";
}

/// <summary>
/// The price report's activities, implemented by Workers (Kafka, PostgreSQL, S3). Temporal runs each at least once:
/// the report replaces the one stored under its ID and the export writes the same objects under fixed keys, so a retry
/// never duplicates anything.
/// </summary>
public interface IPriceReportActivities
{
    [Activity]
    Task<PriceReportSummary> ReportTopicAsync(PriceReportRequest request, string reportId);

    /// <summary>The stored report and the ticks it read (read again at the offsets it stored) as Parquet in the lake.</summary>
    [Activity]
    Task<PriceReportExport> ExportReportAsync(string reportId);
}
