using Temporalio.Client;
using Temporalio.Client.Schedules;
using Workers.Schedules;
using Workflows.Prices;

namespace Workers.Prices;

/// <summary>
/// The Temporal Schedule <c>prices-report</c>: the price report every <c>Prices:ReportSchedule:Every</c> (default 5
/// minutes), skipped while the previous report still runs; <c>Prices:ReportSchedule:Enabled=false</c> leaves reports
/// to on-demand runs.
/// </summary>
public static class PriceReportSchedule
{
    public const string ScheduleId = "prices-report";

    public static IntervalSchedule Schedule { get; } = new(ScheduleId, "Prices:ReportSchedule", TimeSpan.FromMinutes(5),
        ScheduleActionStartWorkflow.Create((PriceReportWorkflow w) => w.RunAsync(new PriceReportRequest()), new WorkflowOptions(PriceReportWorkflow.IdPrefix, PriceReportWorkflow.TaskQueue)),
        "the price report");
}
