using Temporalio.Workflows;

namespace Workflows.Prices;

/// <summary>
/// The batch price report: read the topic from its earliest offsets up to the high-water marks at start, compute
/// per-symbol statistics and z-score outliers, store them as report <c>WorkflowId</c>; then export the stored report
/// and its ticks to the lake as Parquet. The read and the store are one activity, and the export reads the ticks again
/// at the offsets the report stored, so the ticks never travel through the workflow's history.
/// </summary>
[Workflow]
public sealed class PriceReportWorkflow
{
    public const string TaskQueue = "prices";

    /// <summary>Scheduled runs get this ID plus the scheduled time; on-demand runs this prefix plus their start time.</summary>
    public const string IdPrefix = "prices-report";

    public static string OnDemandId(DateTimeOffset at) => $"{IdPrefix}-{at.UtcDateTime:yyyyMMdd'T'HHmmss.fff'Z'}";

    /// <summary>A million ticks read and stored in seconds (docs/benchmarks.md); retried like a database step on a broker or database failure, 5 attempts.</summary>
    public static readonly ActivityOptions ReportStep = new()
    {
        StartToCloseTimeout = TimeSpan.FromMinutes(10),
        RetryPolicy = PipelineSteps.Database.RetryPolicy! with { MaximumAttempts = 5 },
    };

    /// <summary>Reads the topic again and writes a few files per day and symbol; retried like the report.</summary>
    public static readonly ActivityOptions ExportStep = new()
    {
        StartToCloseTimeout = TimeSpan.FromMinutes(10),
        RetryPolicy = ReportStep.RetryPolicy! with { NonRetryableErrorTypes = [PriceReportErrors.ExportImpossible] },
    };

    [WorkflowRun]
    public async Task<PriceReportSummary> RunAsync(PriceReportRequest request)
    {
        var summary = await Workflow.ExecuteActivityAsync((IPriceReportActivities a) => a.ReportTopicAsync(request, Workflow.Info.WorkflowId), ReportStep);
        var export = await Workflow.ExecuteActivityAsync((IPriceReportActivities a) => a.ExportReportAsync(summary.ReportId), ExportStep);
        return summary with { Manifest = export.Manifest };
    }
}
