using System.Diagnostics;
namespace TemporalServer.Schedules;

/// <summary>
/// Wakes every half second and advances the schedules that are due. Rows are taken with FOR UPDATE SKIP LOCKED and
/// their state written in the same transaction, so with several servers on one database each time is acted on once.
/// </summary>
sealed class Scheduler(ScheduleStore store, ScheduleActions actions, TimeProvider time, ILogger<Scheduler> logger) : BackgroundService
{
    static readonly TimeSpan Tick = TimeSpan.FromMilliseconds(500);
    static readonly ActivitySource Source = new("Pipeline.TemporalServer.Schedules");
    const int BatchSize = 20;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                while (await AdvanceDueAsync(stoppingToken) == BatchSize) { }
            }
            catch (Exception e) when (!stoppingToken.IsCancellationRequested)
            {
                logger.LogWarning(e, "Advancing due schedules failed; retrying");
            }
            await Task.Delay(Tick, time, stoppingToken).ContinueWith(_ => { }, TaskScheduler.Default);
        }
    }

    async Task<int> AdvanceDueAsync(CancellationToken ct)
    {
        await using var connection = await store.DataSource.OpenConnectionAsync(ct);
        await using var tx = await connection.BeginTransactionAsync(ct);
        var due = await ScheduleStore.LockDueAsync(connection, tx, actions.Now, BatchSize, ct);
        foreach (var row in due)
        {
            using var span = Source.StartActivity("schedule.advance");
            span?.SetTag("temporal.schedule_id", row.ScheduleId);
            var wakeAt = await actions.AdvanceAsync(connection, tx, row, ct);
            await ScheduleStore.UpdateAsync(connection, tx, row, wakeAt, ct);
            logger.LogDebug("Schedule {ScheduleId} advanced; {Actions} actions so far, next at {WakeAt}", row.ScheduleId, row.Info.ActionCount, wakeAt);
        }
        await tx.CommitAsync(ct);
        return due.Count;
    }
}
