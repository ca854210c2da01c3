using Durable;
using Workflows.Trades;

namespace Workers.Trades;

/// <summary>
/// Makes sure the live-mode schedule exists: the trade pipeline runs every minute over what was ingested since the
/// last window. Creating it is idempotent; an operator's pause or cron change made later is left alone.
/// </summary>
sealed class TradeLiveSchedule(DurableClient client, IConfiguration configuration, ILogger<TradeLiveSchedule> logger) : BackgroundService
{
    public const string ScheduleId = "trades-live";

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!configuration.GetValue("Trades:LiveSchedule:Enabled", true)) return;
        var cron = configuration["Trades:LiveSchedule:Cron"] ?? "* * * * *";
        try
        {
            await client.GetScheduleHandle(ScheduleId).DescribeAsync(stoppingToken);
            return;
        }
        catch (InvalidOperationException)
        {
            // Not there yet: create it below.
        }
        await client.CreateScheduleAsync<TradePipelineWorkflow>(ScheduleId, w => w.RunAsync(TradePipelineRequest.Live()),
            new ScheduleOptions(cron, TradePipelineWorkflow.TaskQueue) { Overlap = ScheduleOverlapPolicy.Skip, CatchupWindow = TimeSpan.FromMinutes(5) }, stoppingToken);
        logger.LogInformation("created schedule {Schedule} ({Cron}) for live trade windows", ScheduleId, cron);
    }
}
