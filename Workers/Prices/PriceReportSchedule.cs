using Temporalio.Client;
using Temporalio.Client.Schedules;
using Workers.Schedules;
using Workflows.Prices;

namespace Workers.Prices;

/// <summary>
/// Keeps the Temporal Schedule of the price report in place: every <c>Prices:ReportSchedule:Every</c> (default 5
/// minutes), skipped while the previous report still runs. Created at start or updated to this version's spec; an
/// operator's pause is kept. <c>Prices:ReportSchedule:Enabled=false</c> leaves reports to on-demand runs.
/// </summary>
public sealed class PriceReportSchedule(ITemporalClient client, IConfiguration configuration, ILogger<PriceReportSchedule> logger) : BackgroundService
{
    public const string ScheduleId = "prices-report";

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!configuration.GetValue("Prices:ReportSchedule:Enabled", true)) return;
        var every = configuration.GetValue("Prices:ReportSchedule:Every", TimeSpan.FromMinutes(5));
        var schedule = new Schedule(
            ScheduleActionStartWorkflow.Create((PriceReportWorkflow w) => w.RunAsync(new PriceReportRequest()),
                new WorkflowOptions(PriceReportWorkflow.IdPrefix, PriceReportWorkflow.TaskQueue)),
            new ScheduleSpec { Intervals = [new ScheduleIntervalSpec(every)] })
        {
            Policy = new SchedulePolicy { Overlap = Temporalio.Api.Enums.V1.ScheduleOverlapPolicy.Skip },
        };
        await client.EnsureScheduleAsync(ScheduleId, schedule, $"the price report every {every}", logger, stoppingToken);
    }
}
