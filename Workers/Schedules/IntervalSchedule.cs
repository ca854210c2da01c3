using Temporalio.Client.Schedules;

namespace Workers.Schedules;

/// <summary>
/// A Temporal Schedule starting <see cref="Action"/> every <c>&lt;Section&gt;:Every</c> (else <see cref="DefaultEvery"/>),
/// a start skipped while the previous run still goes; <c>&lt;Section&gt;:Enabled=false</c> leaves it out.
/// </summary>
public sealed record IntervalSchedule(string Id, string Section, TimeSpan DefaultEvery, ScheduleActionStartWorkflow Action, string What)
{
    /// <summary>How late a missed start (Temporal down, the schedule paused) may still run; Temporal's default when null.</summary>
    public TimeSpan? CatchupWindow { get; init; }
}

public static class IntervalScheduleRegistration
{
    /// <summary>Puts <paramref name="schedule"/> in place when Workers start (created, or updated keeping an operator's pause).</summary>
    public static IServiceCollection AddIntervalSchedule(this IServiceCollection services, IntervalSchedule schedule) =>
        // not AddHostedService: it keeps one service per implementation type, and each schedule is one of this type
        services.AddSingleton<IHostedService>(sp => ActivatorUtilities.CreateInstance<IntervalScheduleKeeper>(sp, schedule));
}

sealed class IntervalScheduleKeeper(IntervalSchedule schedule, Temporalio.Client.ITemporalClient client, IConfiguration configuration, ILogger<IntervalSchedule> logger)
    : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var section = configuration.GetSection(schedule.Section);
        if (!section.GetValue("Enabled", true)) return;
        var every = section.GetValue("Every", schedule.DefaultEvery);
        var temporal = new Schedule(schedule.Action, new ScheduleSpec { Intervals = [new ScheduleIntervalSpec(every)] })
        {
            Policy = new SchedulePolicy { Overlap = Temporalio.Api.Enums.V1.ScheduleOverlapPolicy.Skip, CatchupWindow = schedule.CatchupWindow ?? new SchedulePolicy().CatchupWindow },
        };
        await client.EnsureScheduleAsync(schedule.Id, temporal, $"{schedule.What} every {every}", logger, stoppingToken);
    }
}
