using Temporalio.Client;
using Temporalio.Client.Schedules;
using Workers.Schedules;
using Workflows.Meters;

namespace Workers.Meters;

/// <summary>
/// Keeps the Temporal Schedule <c>meters-live</c> in place: the meter workflow every minute (<c>Meters:Schedule:Every</c>)
/// over the raw records that arrived since, a run skipped while the previous one still goes; <c>Meters:Schedule:Enabled</c>
/// false leaves it out. Created at start or updated to this version's action and spec; an operator's pause is kept.
/// </summary>
public sealed class MeterLiveSchedule(ITemporalClient client, IConfiguration configuration, ILogger<MeterLiveSchedule> logger) : BackgroundService
{
    public const string ScheduleId = "meters-live";

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!configuration.GetValue("Meters:Schedule:Enabled", true)) return;
        var every = configuration.GetValue("Meters:Schedule:Every", TimeSpan.FromMinutes(1));
        var schedule = new Schedule(
            ScheduleActionStartWorkflow.Create((MeterPipelineWorkflow w) => w.RunAsync(MeterPipelineRequest.Live()), new WorkflowOptions(ScheduleId, MeterPipelineWorkflow.TaskQueue)),
            new ScheduleSpec { Intervals = [new ScheduleIntervalSpec(every)] })
        {
            Policy = new SchedulePolicy { Overlap = Temporalio.Api.Enums.V1.ScheduleOverlapPolicy.Skip, CatchupWindow = TimeSpan.FromMinutes(5) },
        };
        await client.EnsureScheduleAsync(ScheduleId, schedule, $"the meter workflow every {every}", logger, stoppingToken);
    }
}
