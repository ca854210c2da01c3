using Temporalio.Client;
using Temporalio.Client.Schedules;
using Temporalio.Exceptions;
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
    static readonly TimeSpan RetryDelay = TimeSpan.FromSeconds(10);

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
            // Temporal may not answer yet (starting beside us): keep trying, the worker runs meanwhile.
            while (!stoppingToken.IsCancellationRequested)
            {
                try
                {
                    await EnsureAsync(id, cron, request, stoppingToken);
                    break;
                }
                catch (RpcException e)
                {
                    logger.LogWarning("schedule {Schedule} not yet in place ({Code}: {Message}); retrying in {Delay}", id, e.Code, e.Message, RetryDelay);
                    await Task.Delay(RetryDelay, stoppingToken);
                }
            }
        }
    }

    async Task EnsureAsync(string id, string cron, GridIngestRequest request, CancellationToken ct)
    {
        var schedule = new Schedule(
            ScheduleActionStartWorkflow.Create((GridIngestWorkflow w) => w.RunAsync(request), new WorkflowOptions(id, GridIngestWorkflow.TaskQueue)),
            new ScheduleSpec { CronExpressions = [cron] })
        {
            Policy = new SchedulePolicy { Overlap = Temporalio.Api.Enums.V1.ScheduleOverlapPolicy.Skip, CatchupWindow = TimeSpan.FromHours(12) },
        };
        var rpc = new RpcOptions { CancellationToken = ct };
        try
        {
            await client.CreateScheduleAsync(id, schedule, new ScheduleOptions { Rpc = rpc });
            logger.LogInformation("created schedule {Schedule}: {Dataset} {Area} at '{Cron}' (UTC)", id, request.Dataset, request.Area, cron);
        }
        catch (ScheduleAlreadyRunningException)
        {
            await client.GetScheduleHandle(id).UpdateAsync(current => new ScheduleUpdate(schedule with { State = current.Description.Schedule.State }), rpc);
            logger.LogInformation("updated schedule {Schedule}: {Dataset} {Area} at '{Cron}' (UTC)", id, request.Dataset, request.Area, cron);
        }
    }
}
