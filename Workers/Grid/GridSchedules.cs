using Temporalio.Client;
using Temporalio.Client.Schedules;
using Workers.Schedules;
using Workflows.Grid;

namespace Workers.Grid;

/// <summary>
/// Keeps the three Energy-Charts Temporal Schedules in place (created at start, or updated to this version's action
/// and spec; an operator's pause is kept): public power daily, prices daily after the day-ahead auction, installed power
/// monthly. Times are UTC cron expressions; each run ingests the last <c>Grid:RecentDays</c> days (default 3) so that
/// revisions of recent days are captured.
/// </summary>
public sealed class GridSchedules(ITemporalClient client, GridSettings settings, ILogger<GridSchedules> logger) : BackgroundService
{
    /// <summary>The schedules: ID, cron expression (UTC) and the request each run starts the workflow with.</summary>
    public static IReadOnlyList<(string Id, string Cron, GridIngestRequest Request)> Definitions(GridSettings settings) =>
    [
        ("grid-public-power-daily", "30 5 * * *", new() { Dataset = "public_power", Area = settings.Areas.Country, RecentDays = settings.RecentDays }),
        ("grid-prices-daily", "0 13 * * *", new() { Dataset = "price", Area = settings.Areas.BiddingZone, RecentDays = settings.RecentDays }),
        ("grid-installed-power-monthly", "0 6 1 * *", new() { Dataset = "installed_power", Area = settings.Areas.Country }),
    ];

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!settings.SchedulesEnabled) return;
        foreach (var (id, cron, request) in Definitions(settings))
        {
            var schedule = new Schedule(
                ScheduleActionStartWorkflow.Create((GridIngestWorkflow w) => w.RunAsync(request), new WorkflowOptions(id, GridIngestWorkflow.TaskQueue)),
                new ScheduleSpec { CronExpressions = [cron] })
            {
                Policy = new SchedulePolicy { Overlap = Temporalio.Api.Enums.V1.ScheduleOverlapPolicy.Skip, CatchupWindow = TimeSpan.FromHours(12) },
            };
            await client.EnsureScheduleAsync(id, schedule, $"{request.Dataset} {request.Area} at '{cron}' (UTC)", logger, stoppingToken);
        }
    }
}
