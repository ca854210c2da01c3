using Temporalio.Activities;

namespace Workflows.Prices;

/// <summary>Which topic to report on and the |z| above which a tick is an outlier.</summary>
public sealed record PriceReportRequest
{
    public string Topic { get; init; } = "prices";
    public double Threshold { get; init; } = 3;
}

/// <summary>What a report found; the report itself is in PostgreSQL under <see cref="ReportId"/> (the workflow ID).</summary>
public sealed record PriceReportSummary(string ReportId, long Ticks, int Symbols, int Outliers, long Rejected);

/// <summary>Failure types the workflow does not retry (a retry would fail the same way).</summary>
public static class PriceReportErrors
{
    public const string InvalidRequest = "InvalidRequest";
}

/// <summary>
/// The price report's activity, implemented by Workers (Kafka, PostgreSQL). Temporal runs it at least once: it replaces
/// the report stored under its ID, so a retry never duplicates one.
/// </summary>
public interface IPriceReportActivities
{
    [Activity]
    Task<PriceReportSummary> ReportTopicAsync(PriceReportRequest request, string reportId);
}
