using Temporalio.Client;
using Temporalio.Client.Schedules;
using Temporalio.Exceptions;

namespace Workers.Schedules;

/// <summary>Keeps a Temporal Schedule in place for the Schedules this worker owns.</summary>
public static class ScheduleKeeper
{
    static readonly TimeSpan RetryDelay = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Creates the schedule, or updates an existing one to this version's action and spec keeping its state (an
    /// operator's pause and its note). Temporal may not answer yet (starting beside us, or unreachable): keeps trying
    /// every 10 s until it does or the host stops; the worker runs meanwhile.
    /// </summary>
    public static async Task EnsureScheduleAsync(this ITemporalClient client, string id, Schedule schedule, string what, ILogger logger, CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            var rpc = new RpcOptions { CancellationToken = ct };
            try
            {
                try
                {
                    await client.CreateScheduleAsync(id, schedule, new ScheduleOptions { Rpc = rpc });
                    logger.LogInformation("created schedule {Schedule}: {What}", id, what);
                }
                catch (ScheduleAlreadyRunningException)
                {
                    await client.GetScheduleHandle(id).UpdateAsync(current => new ScheduleUpdate(schedule with { State = current.Description.Schedule.State }), rpc);
                    logger.LogInformation("updated schedule {Schedule}: {What}", id, what);
                }
                return;
            }
            catch (RpcException e)
            {
                logger.LogWarning("schedule {Schedule} not yet in place ({Code}: {Message}); retrying in {Delay}", id, e.Code, e.Message, RetryDelay);
                await Task.Delay(RetryDelay, ct);
            }
        }
    }
}
