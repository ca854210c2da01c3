using Temporalio.Client;
using Temporalio.Client.Schedules;
using Workers.Schedules;
using Workflows.Trades;

namespace Workers.Trades;

/// <summary>
/// Keeps the Temporal Schedule of live trade windows in place: the trade pipeline runs every minute (configurable)
/// over what was ingested since the last window, skipping a run while the previous one is still going. Created at
/// start, or updated to this version's action and spec; an operator's pause (and its note) is kept.
/// </summary>
public sealed class TradeLiveSchedule(ITemporalClient client, IConfiguration configuration, ILogger<TradeLiveSchedule> logger) : BackgroundService
{
    public const string ScheduleId = "trades-live";

    /// <summary>Scheduled runs get this ID plus the scheduled time: the seal activity's window ID, deterministic per run.</summary>
    public const string WorkflowIdPrefix = "trades-live";

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!configuration.GetValue("Trades:LiveSchedule:Enabled", true)) return;
        var schedule = Define(configuration.GetValue("Trades:LiveSchedule:Every", TimeSpan.FromMinutes(1)));
        await client.EnsureScheduleAsync(ScheduleId, schedule, $"the trade pipeline every {schedule.Spec.Intervals.Single().Every}", logger, stoppingToken);
    }

    static Schedule Define(TimeSpan every) => new(
        ScheduleActionStartWorkflow.Create((TradePipelineWorkflow w) => w.RunAsync(TradePipelineRequest.Live()),
            new WorkflowOptions(WorkflowIdPrefix, TradePipelineWorkflow.TaskQueue)),
        new ScheduleSpec { Intervals = [new ScheduleIntervalSpec(every)] })
    {
        Policy = new SchedulePolicy { Overlap = Temporalio.Api.Enums.V1.ScheduleOverlapPolicy.Skip, CatchupWindow = TimeSpan.FromMinutes(5) },
    };
}
