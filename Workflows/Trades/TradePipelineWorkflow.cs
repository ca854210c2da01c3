using Microsoft.Extensions.Logging;
using Temporalio.Workflows;

namespace Workflows.Trades;

/// <summary>
/// One window of trades through the pipeline: seal → aggregate → detect → export. Each step is idempotent for the
/// window it is given (activities run at least once), so a retried activity or a re-run workflow replaces results
/// instead of adding to them.
/// </summary>
[Workflow]
public sealed class TradePipelineWorkflow
{
    public const string TaskQueue = "pipeline";

    /// <summary>A backfill's workflow ID names its range: the same range cannot run twice at once (the start is refused while it runs).</summary>
    public static string BackfillId(DateOnly first, DateOnly last) => $"trades-backfill-{first:yyyy-MM-dd}-{last:yyyy-MM-dd}";

    static readonly ActivityOptions DatabaseStep = PipelineSteps.Database;
    static readonly ActivityOptions ExportStep = PipelineSteps.Export;

    string _stage = "starting";

    [WorkflowRun]
    public async Task<TradePipelineReport> RunAsync(TradePipelineRequest request)
    {
        _stage = "seal";
        var window = await Workflow.ExecuteActivityAsync((ITradeActivities a) => a.SealWindowAsync(request, Workflow.Info.WorkflowId), DatabaseStep);
        if (window.Partitions.Count == 0)
        {
            _stage = "done";
            return Completed(new TradePipelineReport(window.WindowId, 0, 0, 0, 0, 0));
        }

        _stage = "aggregate";
        var aggregate = await Workflow.ExecuteActivityAsync((ITradeActivities a) => a.AggregateAsync(window), DatabaseStep);
        _stage = "detect";
        var anomalies = await Workflow.ExecuteActivityAsync((ITradeActivities a) => a.DetectAsync(window), DatabaseStep);
        _stage = "export";
        var export = await Workflow.ExecuteActivityAsync((ITradeActivities a) => a.ExportAsync(window), ExportStep);

        _stage = "done";
        return Completed(new TradePipelineReport(window.WindowId, window.Partitions.Count, aggregate.Products, aggregate.Trades, anomalies.Anomalies, export.Files));
    }

    /// <summary>One console line per window, so a terminal shows the pipeline working (Workflow.Logger is silent on replay).</summary>
    TradePipelineReport Completed(TradePipelineReport report)
    {
        Workflow.Logger.LogInformation("pipeline window {WindowId}: {Partitions} partitions, {Trades} trades, {Products} products, {Anomalies} anomalies, {Files} files",
            report.WindowId, report.Partitions, report.Trades, report.Products, report.Anomalies, report.ExportedFiles);
        return report;
    }

    [WorkflowQuery]
    public string Stage => _stage;
}
