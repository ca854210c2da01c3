using Temporalio.Workflows;

namespace Workflows.Meters;

/// <summary>
/// One meter run: process the raw records that arrived (and the range asked for) → clean the changed windows onto the
/// grid → check them (results stored per run; a failed error-level check marks the run failed) → export the touched
/// day-and-device partitions to the lake. Scheduled every minute (<c>meters-live</c>) and started on demand.
/// </summary>
[Workflow]
public sealed class MeterPipelineWorkflow
{
    public const string TaskQueue = "meters";

    /// <summary>On-demand runs get this prefix and the range; the schedule's get "meters-live" and the scheduled time.</summary>
    public static string OnDemandId(DateTime from, DateTime to) => $"meters-range-{from:yyyyMMddTHHmmss}-{to:yyyyMMddTHHmmss}";

    static readonly ActivityOptions DatabaseStep = PipelineSteps.Database;
    static readonly ActivityOptions ExportStep = PipelineSteps.Export;

    string _stage = "starting";

    [WorkflowRun]
    public async Task<MeterPipelineReport> RunAsync(MeterPipelineRequest request)
    {
        _stage = "process";
        var processed = await Workflow.ExecuteActivityAsync((IMeterActivities a) => a.ProcessAsync(request, Workflow.Info.WorkflowId), DatabaseStep);
        var cleaned = new MeterCleanOutcome(0, 0);
        if (processed.Windows.Count > 0)
        {
            _stage = "clean";
            cleaned = await Workflow.ExecuteActivityAsync((IMeterActivities a) => a.CleanAsync(processed), DatabaseStep);
        }
        _stage = "check";
        var checks = await Workflow.ExecuteActivityAsync((IMeterActivities a) => a.CheckAsync(processed), DatabaseStep);
        var export = new MeterExportOutcome(0, 0, []);
        if (processed.Windows.Count > 0)
        {
            _stage = "export";
            export = await Workflow.ExecuteActivityAsync((IMeterActivities a) => a.ExportAsync(processed), ExportStep);
        }
        _stage = "done";
        return new MeterPipelineReport(processed.RunId, processed.Records, processed.Measurements, processed.Quarantined, processed.Windows.Count,
            cleaned.Points, checks.Failed, checks.RunFailed, export.Files);
    }

    [WorkflowQuery]
    public string Stage => _stage;
}
