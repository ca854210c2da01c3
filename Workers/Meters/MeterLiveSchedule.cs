using Temporalio.Client;
using Temporalio.Client.Schedules;
using Workers.Schedules;
using Workflows.Meters;

namespace Workers.Meters;

/// <summary>
/// The Temporal Schedule <c>meters-live</c>: the meter workflow every minute (<c>Meters:Schedule:Every</c>) over the raw
/// records that arrived since, a run skipped while the previous one still goes; <c>Meters:Schedule:Enabled</c> false
/// leaves it out. Missed runs up to 5 minutes late still run.
/// </summary>
public static class MeterLiveSchedule
{
    public const string ScheduleId = "meters-live";

    public static IntervalSchedule Schedule { get; } = new(ScheduleId, "Meters:Schedule", TimeSpan.FromMinutes(1),
        ScheduleActionStartWorkflow.Create((MeterPipelineWorkflow w) => w.RunAsync(MeterPipelineRequest.Live()), new WorkflowOptions(ScheduleId, MeterPipelineWorkflow.TaskQueue)),
        "the meter workflow")
    {
        CatchupWindow = TimeSpan.FromMinutes(5),
    };
}
